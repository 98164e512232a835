"""The registry-index endpoints (only with `--index`): similar initiatives, projects, regions and
their portfolios, actors. All index work runs on the model worker, like tagging."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Query

from ecs_tagger.errors import InputError
from ecs_tagger.service.problems import Problem, problem_responses
from ecs_tagger.service.routes.tagging import check_length
from ecs_tagger.service.schemas_registry import (
    ActorOut,
    ActorsResponse,
    HitOut,
    PortfolioArea,
    PortfolioResponse,
    ProjectResponse,
    QueryOut,
    RegionOut,
    RegionsResponse,
    SimilarRequest,
    SimilarResponse,
    number,
)
from ecs_tagger.service.state import ServiceState

if TYPE_CHECKING:
    import pandas as pd

    from ecs_tagger.index import RegistryIndex


class _ActorTable:
    """The actor profiles of the index, computed once (the index does not change while served)."""

    def __init__(self) -> None:
        self.table: pd.DataFrame | None = None

    def get(self, index: RegistryIndex) -> pd.DataFrame:
        if self.table is None:
            from ecs_tagger.regional.actors import actor_profiles

            self.table = actor_profiles(index)
        return self.table


def build(state: ServiceState) -> APIRouter:
    """The index operations of `state`'s service."""
    router = APIRouter(prefix="/v1", tags=["registry index"])
    actors_table = _ActorTable()

    @router.post(
        "/similar",
        summary="Similar initiatives",
        responses=problem_responses(401, 404, 413, 422, 503),
    )
    async def similar(request: SimilarRequest) -> SimilarResponse:
        """The `k` projects of the index most similar to a project (`id`) or a text, best first,
        each with why it matches: the closest pair of sentences and the key words both use.
        404 for an id not in the index."""
        from ecs_tagger.regional.similarity import similar as find_similar

        index = state.require_index()
        if request.id is not None and request.id not in index:
            raise Problem(404, "Unknown project", f"id {request.id!r} is not in the index")
        if request.text is not None:
            check_length(request.text, state.settings.max_text_chars)
        query = request.id if request.id is not None else request.text
        assert query is not None
        hits = await state.worker.call(
            lambda: find_similar(
                index,
                query,
                request.k,
                other_regions=request.other_regions,
                query_regions=request.query_regions or None,
                regions=request.regions or None,
                areas=request.areas or None,
                by="id" if request.id is not None else "text",
                explain=request.explain,
                method=request.method,
            )
        )
        return SimilarResponse(
            query=QueryOut(
                id=hits.query.id, regions=list(hits.query.regions), language=hits.query.language
            ),
            hits=[HitOut.of(hit, hits) for hit in hits],
            model_version=state.model_version,
        )

    @router.get(
        "/projects/{project_id}",
        summary="One project of the index",
        responses=problem_responses(401, 404, 503),
    )
    async def project(
        project_id: Annotated[str, Path(description="A project id.")],
    ) -> ProjectResponse:
        """A project as indexed: its text, regions, actor, funding, areas and scores."""
        index = state.require_index()
        if project_id not in index:
            raise Problem(404, "Unknown project", f"id {project_id!r} is not in the index")
        row = index.rows.iloc[index.position(project_id)]
        return ProjectResponse(
            id=str(row["id"]),
            title=str(row["title"]),
            text=str(row["clean_text"]),
            regions=[str(r) for r in row["regions"]],
            actor=row["actor"] if isinstance(row["actor"], str) else None,
            funding=number(row["funding"]),
            areas=[str(a) for a in row["areas"]],
            scores={code: number(row[f"score_{code}"]) for code in index.codes},
            language=str(row["language"]),
            tag_status=str(row["tag_status"]),
            index_model_version=index.model_version,
            model_version=state.model_version,
        )

    @router.get("/regions", summary="Regions of the index", responses=problem_responses(401, 503))
    async def regions() -> RegionsResponse:
        """Every region of the index with its number of projects, most first."""
        index = state.require_index()
        counts: dict[str, int] = {}
        for names in index.region_sets():
            for name in names:
                counts[name] = counts.get(name, 0) + 1
        return RegionsResponse(
            regions=[RegionOut(region=name, projects=counts[name]) for name in index.regions()],
            model_version=state.model_version,
        )

    @router.get(
        "/regions/{region}/portfolio",
        summary="A region's area portfolio",
        responses=problem_responses(401, 404, 503),
    )
    async def portfolio(
        region: Annotated[str, Path(description="A region (län), e.g. Örebro or Örebro län.")],
    ) -> PortfolioResponse:
        """How the region's projects spread over the areas: count, share and location quotient
        (the share against the share over every region of the index), and the same weighted by
        funding when the index has funding."""
        from ecs_tagger.regional.portfolio import region_portfolio
        from ecs_tagger.regions import normalise_region

        index = state.require_index()
        name = normalise_region(region)
        known = index.regions()
        if name not in known:
            raise Problem(
                404,
                "Unknown region",
                f"no project of the index lies in {region!r}; its regions are {', '.join(known)}",
            )
        table = await state.worker.call(lambda: region_portfolio(index, regions=None))
        rows = table.loc[table["region"] == name]
        return PortfolioResponse(
            region=name,
            projects=int(rows["projects"].iloc[0]),
            areas=[
                PortfolioArea(
                    area=str(row["area"]),
                    count=int(row["count"]),
                    share=number(row["share"]),
                    lq=number(row["lq"]),
                    funding=number(row.get("funding")),
                    funding_share=number(row.get("funding_share")),
                    funding_lq=number(row.get("funding_lq")),
                )
                for _, row in rows.iterrows()
            ],
            compared_with=len(known),
            model_version=state.model_version,
        )

    @router.get("/actors/search", summary="Find actors", responses=problem_responses(401, 503))
    async def search_actors(
        q: Annotated[str, Query(max_length=200, description="Part of an actor's name.")],
        limit: Annotated[int, Query(ge=1, le=100, description="How many actors.")] = 10,
    ) -> ActorsResponse:
        """Actors (beneficiaries) whose name or a spelling of it contains `q` (case ignored),
        most projects first."""
        index = state.require_index()
        table = await state.worker.call(lambda: actors_table.get(index))
        wanted = q.casefold().strip()
        found: list[Any] = []
        if not table.empty:
            for _, row in table.iterrows():
                names = [str(row["actor"]), *map(str, row["variants"])]
                if any(wanted in name.casefold() for name in names):
                    found.append(ActorOut.of(row, index.codes))
                    if len(found) >= limit:
                        break
        return ActorsResponse(actors=found, model_version=state.model_version)

    @router.get(
        "/actors/similar",
        summary="Similar actors",
        responses=problem_responses(401, 404, 422, 503),
    )
    async def similar_actors(
        actor: Annotated[
            str, Query(min_length=1, max_length=200, description="An actor's name, any spelling.")
        ],
        k: Annotated[int, Query(ge=1, le=100, description="How many actors.")] = 10,
        other_regions: Annotated[
            bool, Query(description="Only actors outside the actor's regions.")
        ] = True,
    ) -> ActorsResponse:
        """Actors whose projects are most like `actor`'s in content and areas (none below the
        library's minimum similarity). 404 for an actor not in the index, with suggestions."""
        from ecs_tagger.regional.actors import find_actor
        from ecs_tagger.regional.actors import similar_actors as find_similar_actors

        index = state.require_index()
        table = await state.worker.call(lambda: actors_table.get(index))
        if table.empty:
            raise Problem(404, "No actors", "the index has no actor column")
        try:
            row = find_actor(table, actor)
        except InputError as error:
            raise Problem(404, "Unknown actor", str(error)) from None
        found = await state.worker.call(
            lambda: find_similar_actors(index, actor, k, other_regions=other_regions)
        )
        return ActorsResponse(
            actor=str(table.at[row, "actor"]),
            actors=[ActorOut.of(r, index.codes) for _, r in found.iterrows()],
            model_version=state.model_version,
        )

    return router
