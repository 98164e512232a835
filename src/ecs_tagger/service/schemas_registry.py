"""The JSON shapes of the registry-index endpoints (similar initiatives, projects, regions, actors)
and of corrections; conversions from the library's results.

Similarities are on the hybrid scale of :mod:`ecs_tagger.regional.similarity` (the same text 1;
related from 0.16, close from 0.21: :mod:`ecs_tagger.regional.levels`); funding is in the
registry's currency, `null` when unknown.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ecs_tagger.service.schemas import no_surrogates

if TYPE_CHECKING:
    from ecs_tagger.regional.similarity import Hit, Hits


def number(value: Any) -> float | None:
    """A float, or None for NaN / missing."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


# -- similar initiatives -----------------------------------------------------------------------
class SimilarRequest(BaseModel):
    """A project of the index (`id`) or a text (`text`) to find similar initiatives for."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "Biogas från gödsel på gårdar",
                    "k": 5,
                    "query_regions": ["Örebro"],
                    "other_regions": True,
                }
            ]
        },
    )
    id: str | None = Field(None, max_length=1000, description="A project id of the index.")
    text: str | None = Field(None, description="A text to search with (instead of an id).")
    k: int = Field(10, ge=1, le=100, description="How many hits.")
    other_regions: bool = Field(
        False,
        description="Only initiatives outside the query's regions (the project's own for an id, "
        "`query_regions` for a text).",
    )
    query_regions: list[str] = Field([], max_length=50, description="The regions of a text query.")
    regions: list[str] = Field(
        [], max_length=50, description="Keep hits present in one of these regions."
    )
    areas: list[str] = Field(
        [], max_length=50, description="Keep hits tagged with one of these area codes."
    )
    method: Literal["hybrid", "dense"] = Field(
        "hybrid", description="hybrid (default) or dense cosine."
    )
    explain: bool = Field(True, description="Add why each hit matches.")

    _clean = field_validator("id", "text")(no_surrogates)

    @model_validator(mode="after")
    def _one_query(self) -> SimilarRequest:
        if (self.id is None) == (self.text is None):
            raise ValueError("give either id or text, not both and not neither")
        return self


class ReasonOut(BaseModel):
    query_sentence: str = Field(description="The query's sentence closest to the hit's.")
    hit_sentence: str = Field(description="The hit's sentence closest to the query's.")
    sentence_similarity: float
    shared_terms: list[str] = Field(description="Key words both texts use, rarest first.")


class HitOut(BaseModel):
    rank: int
    id: str
    similarity: float
    level: str | None = Field(
        default=None,
        description="close, related or weak: where the similarity lies against the levels "
        "from judged pairs (ecs_tagger.regional.levels); a weak hit is the nearest, not a match.",
    )
    title: str
    regions: list[str]
    actor: str | None
    funding: float | None
    areas: list[str]
    scores: dict[str, float | None]
    reason: ReasonOut | None = None

    @classmethod
    def of(cls, hit: Hit, hits: Hits) -> HitOut:
        reason = hit.reason
        describe = getattr(hits, "level", None)  # similarity levels, where the library has them
        return cls(
            rank=hit.rank,
            id=hit.id,
            similarity=hit.similarity,
            level=describe(hit) if describe is not None else None,
            title=hit.title,
            regions=list(hit.regions),
            actor=hit.actor,
            funding=number(hit.funding),
            areas=list(hit.areas),
            scores={code: number(value) for code, value in hit.scores.items()},
            reason=(
                None
                if reason is None
                else ReasonOut(
                    query_sentence=reason.query_sentence,
                    hit_sentence=reason.hit_sentence,
                    sentence_similarity=float(reason.sentence_similarity),
                    shared_terms=list(reason.shared_terms),
                )
            ),
        )


class QueryOut(BaseModel):
    id: str | None = Field(description="The project queried, or null for a text.")
    regions: list[str] = Field(description="The query's regions (left out with other_regions).")
    language: str


class SimilarResponse(BaseModel):
    query: QueryOut
    hits: list[HitOut] = Field(description="Most similar first.")
    model_version: str


# -- projects and regions ----------------------------------------------------------------------
class ProjectResponse(BaseModel):
    id: str
    title: str
    text: str = Field(description="The project's text as indexed (cleaned).")
    regions: list[str]
    actor: str | None
    funding: float | None
    areas: list[str]
    scores: dict[str, float | None]
    language: str
    tag_status: str
    index_model_version: str = Field(description="The model that tagged the index.")
    model_version: str


class RegionOut(BaseModel):
    region: str
    projects: int


class RegionsResponse(BaseModel):
    regions: list[RegionOut] = Field(description="Most projects first.")
    model_version: str


class PortfolioArea(BaseModel):
    area: str = Field(description="An area code, or `none` for projects without an area.")
    count: int = Field(description="The region's projects tagged with the area.")
    share: float | None = Field(description="count / the region's projects.")
    lq: float | None = Field(
        description="Location quotient: share / the share over every region of the index."
    )
    funding: float | None = None
    funding_share: float | None = None
    funding_lq: float | None = None


class PortfolioResponse(BaseModel):
    region: str
    projects: int
    areas: list[PortfolioArea]
    compared_with: int = Field(description="Regions of the index the quotients compare with.")
    model_version: str


# -- actors ------------------------------------------------------------------------------------
class ActorOut(BaseModel):
    actor: str = Field(description="Display name.")
    variants: list[str] = Field(description="Spellings seen in the registry.")
    regions: list[str]
    projects: int
    funding: float | None
    areas: list[str] = Field(description="Areas of at least half of the actor's projects.")
    shares: dict[str, float] = Field(
        description="Share of the actor's projects per area, and `none`."
    )
    ids: list[str]
    similarity: float | None = None
    shared_areas: list[str] | None = None

    @classmethod
    def of(cls, row: Any, codes: tuple[str, ...]) -> ActorOut:
        shares = {code: float(row[f"share_{code}"]) for code in codes}
        shares["none"] = float(row["share_none"])
        return cls(
            actor=str(row["actor"]),
            variants=[str(v) for v in row["variants"]],
            regions=[str(r) for r in row["regions"]],
            projects=int(row["projects"]),
            funding=number(row["funding"]),
            areas=[str(a) for a in row["areas"]],
            shares=shares,
            ids=[str(i) for i in row["ids"]],
            similarity=number(row["similarity"]) if "similarity" in row else None,
            shared_areas=list(row["shared_areas"]) if "shared_areas" in row else None,
        )


class ActorsResponse(BaseModel):
    actor: str | None = Field(
        default=None, description="The actor compared with (similar actors only)."
    )
    actors: list[ActorOut]
    model_version: str


# -- corrections -------------------------------------------------------------------------------
class CorrectionRequest(BaseModel):
    """A reviewer's corrected tags for a text, appended to the corrections store."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "TVV-123",
                    "text": "Projektet bygger biogasanläggningar på mjölkgårdar.",
                    "new_areas": ["energy", "food"],
                    "reviewer": "Anna",
                }
            ]
        },
    )
    id: str = Field(
        min_length=1, max_length=1000, description="The id of the text in your registry."
    )
    text: str = Field(
        description="The text the reviewer read (its fingerprint is stored, not the text)."
    )
    new_areas: list[str] = Field(
        max_length=50, description="The reviewer's areas (codes); empty for none."
    )
    old_areas: list[str] | None = Field(
        None,
        max_length=50,
        description="The tagger's areas; when left out, the text is tagged now.",
    )
    reviewer: str = Field(min_length=1, max_length=200, description="Who reviewed.")
    comment: str = Field("", max_length=2000)
    action: Literal["accept", "correct", "withdraw"] | None = Field(
        None, description="Default: accept when the areas are the tagger's, else correct."
    )

    _clean = field_validator("id", "text", "reviewer", "comment")(no_surrogates)


class CorrectionResponse(BaseModel):
    id: str
    text_hash: str
    old_areas: list[str]
    new_areas: list[str]
    reviewer: str
    time: str
    comment: str
    action: str
    model_version: str
