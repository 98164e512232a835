"""Similar-initiatives widgets: hit cards and tables, similar actors, and the search browser.

>>> SimilarBrowser(index)        # similar initiatives (or actors) in other regions, and why
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pandas as pd

from ecs_tagger.coordinators.notebook_help import unknown_actor_message
from ecs_tagger.coordinators.review.render import ScrollTable, area_names
from ecs_tagger.coordinators.widgets.base import Displayable, ipywidgets_module
from ecs_tagger.errors import EcsTaggerError
from ecs_tagger.regional.similarity import Hits, similar
from ecs_tagger.words import say

if TYPE_CHECKING:
    from ecs_tagger.index import RegistryIndex
    from ecs_tagger.model.taxonomy import Taxonomy
    from ecs_tagger.tagger import Tagger


def similar_html(hits: Hits, taxonomy: Taxonomy | None = None, *, language: str = "en") -> str:
    """The hits of :func:`ecs_tagger.regional.similarity.similar` as HTML: one card per similar
    initiative with its regions, actor, tags and similarity, and why it matches: the closest pair
    of sentences (the query's and the hit's) and the key words both texts share."""
    names = area_names(taxonomy, language) if taxonomy is not None else {}
    lang = language
    query = hits.query
    about = (
        f"{say('project', lang)} <b>{html.escape(query.id)}</b>"
        if query.id
        else f"{say('the text', lang)} «{html.escape(query.text[:120])}»"
    )
    where = say(" in ", lang) + html.escape(", ".join(query.regions)) if query.regions else ""
    intro = say(
        "{n} initiatives most like {about}{where}:", lang, n=len(hits), about=about, where=where
    )
    parts = [f"<div style='font-family: sans-serif'><p>{intro}</p><ol>"]
    for hit in hits:
        tags = ", ".join(names.get(a, a) for a in hit.areas) or say("no area", lang)
        meta = " · ".join(
            html.escape(x)
            for x in (
                ", ".join(hit.regions) or say("no region", lang),
                hit.actor or say("actor unknown", lang),
                f"{say('tags', lang)}: {tags}",
                f"{say('similarity', lang)} {hit.similarity:.2f}",
            )
            if x
        )
        parts.append(
            f"<li style='margin-bottom: 0.7em'><b>{html.escape(hit.title)}</b> "
            f"<span style='color:#666'>({html.escape(hit.id)})</span><br>{meta}"
        )
        if hit.reason is not None:
            reason = hit.reason
            parts.append(
                f"<br><span style='color:#444'>{say('Why: ', lang)}</span>"
                f"<mark style='background:#fff3bf'>{html.escape(reason.query_sentence)}</mark> ≈ "
                f"<mark style='background:#d3f9d8'>{html.escape(reason.hit_sentence)}</mark> "
                f"<span style='color:#666'>({reason.sentence_similarity:.2f})</span>"
            )
            if reason.shared_terms:
                parts.append(
                    f"<br><span style='color:#444'>{say('Shared key words: ', lang)}</span><i>"
                    + html.escape(", ".join(reason.shared_terms))
                    + "</i>"
                )
        parts.append("</li>")
    parts.append("</ol></div>")
    return "".join(parts)


def similar_table(hits: Hits, *, language: str = "en") -> pd.DataFrame:
    """The hits as a compact table: rank, id, similarity, title, regions, actor, tags, why
    (headings and areas in `language`)."""
    lang = language
    rows = []
    for hit in hits:
        reason = hit.reason
        rows.append(
            {
                say("rank", lang): hit.rank,
                "id": hit.id,
                say("similarity", lang): round(hit.similarity, 3),
                say("title", lang): hit.title,
                say("regions", lang): ", ".join(hit.regions),
                say("actor", lang): hit.actor or "",
                say("tags", lang): ", ".join(say(a, lang) for a in hit.areas) or "–",
                say("closest sentences", lang): (
                    f"«{reason.query_sentence}» ≈ «{reason.hit_sentence}»"
                    if reason is not None
                    else ""
                ),
                say("shared key words", lang): (
                    ", ".join(reason.shared_terms) if reason is not None else ""
                ),
            }
        )
    return pd.DataFrame(rows).set_index(say("rank", lang)) if rows else pd.DataFrame(rows)


def similar_actors_table(actors: pd.DataFrame, *, language: str = "en") -> pd.DataFrame:
    """:func:`ecs_tagger.regional.actors.similar_actors` for people: actor, regions, projects, similarity,
    the areas both actors work in, and the actor's own areas."""

    def words(value: Any, areas: bool = False) -> str:
        if value is None or isinstance(value, float):
            return ""
        if isinstance(value, str):
            return value
        return ", ".join(say(str(v), language) if areas else str(v) for v in value)

    columns = {
        "actor": "actor",
        "regions": "regions",
        "projects": "projects",
        "similarity": "similarity",
        "shared_areas": "shared areas",
        "areas": "areas",
    }
    heading = {key: say(word, language) for key, word in columns.items()}
    present = [c for c in columns if c in actors.columns]
    out = actors[present].rename(columns=columns).copy()
    for column in ("regions", "shared areas", "areas"):
        if column in out.columns:
            out[column] = out[column].map(lambda v, c=column: words(v, areas=c != "regions"))
    if "similarity" in out.columns:
        out["similarity"] = out["similarity"].round(3)
    return out.rename(columns={columns[k]: heading[k] for k in present}).reset_index(drop=True)


def similar_actors_view(
    index: RegistryIndex,
    actor: str,
    k: int = 10,
    *,
    other_regions: bool = True,
    language: str = "en",
) -> Any:
    """The actors most like `actor` as a table; when the name is not in the registry (or the
    search fails), a message naming the closest names instead: never a traceback."""
    from IPython.display import HTML

    from ecs_tagger.regional.actors import similar_actors

    names = index.rows["actor"] if "actor" in index.rows.columns else []
    unknown = unknown_actor_message(names, actor, language)
    if unknown is not None:
        return HTML(f"<p style='color:#8a4b00'>{unknown}</p>")
    try:
        found = similar_actors(index, actor, k=k, other_regions=other_regions)
    except EcsTaggerError as error:
        return HTML(f"<p style='color:#8a4b00'>{html.escape(str(error))}</p>")
    caption = (
        "Aktörer som mest liknar {actor}:" if language == "sv" else "Actors most like {actor}:"
    ).format(actor=actor)
    return ScrollTable(
        similar_actors_table(found, language=language), caption=caption, language=language
    )


class SimilarBrowser(Displayable):
    """Pick a project (type part of its title or id) or an actor; see the most similar initiatives
    (or actors) in other regions, with the reason for each match."""

    def __init__(
        self,
        index: RegistryIndex,
        *,
        tagger: Tagger | None = None,
        k: int = 10,
        language: str = "en",
        project: str | None = None,
    ) -> None:
        w = ipywidgets_module()
        self.index = index
        self.tagger = tagger
        self.language = language
        rows = index.rows
        self._labels = {
            f"{i} — {t}": str(i) for i, t in zip(rows["id"], rows["title"], strict=True)
        }
        first = project if project in index else (str(rows["id"].iloc[0]) if len(rows) else None)
        start = next((label for label, i in self._labels.items() if i == first), "")
        lang = language
        self.mode = w.ToggleButtons(
            options=[(say("a project", lang), "project"), (say("an actor", lang), "actor")],
            description=say("Similar to", lang),
        )
        self.project = w.Combobox(
            options=list(self._labels),
            value=start,
            ensure_option=False,
            placeholder=say("type an id, part of a title, or a description", lang),
            layout=w.Layout(width="70%"),
            description=say("Project", lang),
        )
        actors = sorted({a for a in rows["actor"] if isinstance(a, str)})
        self.actor = w.Combobox(
            options=actors,
            value="",
            placeholder=say("type an actor's name", lang),
            layout=w.Layout(width="70%"),
            description=say("Actor", lang),
        )
        self.k = w.IntSlider(value=k, min=1, max=30, description=say("How many", lang))
        self.other_regions = w.Checkbox(
            value=True, description=say("only other regions", lang), indent=False
        )
        taxonomy = self._taxonomy()
        names = area_names(taxonomy, language) if taxonomy is not None else {}
        self.area = w.Dropdown(
            options=[(say("any area", lang), "")] + [(names.get(c, c), c) for c in index.codes],
            description=say("Area", lang),
        )
        self.button = w.Button(
            description=say("Find", lang),
            button_style="primary",
            icon="search",
            layout=w.Layout(width="auto", min_width="8em"),
        )
        self.result = w.HTML()
        self.button.on_click(lambda _b: self.refresh())
        self.widget = w.VBox(
            [
                self.mode,
                self.project,
                self.actor,
                w.HBox([self.k, self.other_regions, self.area, self.button]),
                self.result,
            ]
        )
        if start:
            self.refresh()

    def _taxonomy(self) -> Taxonomy | None:
        if self.tagger is not None:
            return self.tagger.taxonomy
        from ecs_tagger.model.taxonomy import default_taxonomy

        default = default_taxonomy()
        return default if default.codes == tuple(self.index.codes) else None

    def search(self) -> Hits | pd.DataFrame:
        """The current query: Hits for a project or a text, a DataFrame of actors for an actor."""
        if self.mode.value == "actor":
            from ecs_tagger.regional.actors import similar_actors

            return similar_actors(
                self.index,
                self.actor.value,
                k=int(self.k.value),
                other_regions=bool(self.other_regions.value),
            )
        typed = str(self.project.value).strip()
        query = self._labels.get(typed, typed)
        is_id = query in self.index
        return similar(
            self.index,
            query,
            k=int(self.k.value),
            other_regions=bool(self.other_regions.value) and is_id,
            areas=self.area.value or None,
            by="id" if is_id else "text",
        )

    def refresh(self) -> None:
        """Run the search; the button says "searching…" and is disabled until it is done."""
        self.button.disabled, self.button.description = True, say("searching…", self.language)
        try:
            self._refresh()
        finally:
            self.button.disabled, self.button.description = False, say("Find", self.language)

    def _refresh(self) -> None:
        if self.mode.value == "actor":
            unknown = unknown_actor_message(
                self.index.rows["actor"], str(self.actor.value), self.language
            )
            if unknown is not None:
                self.result.value = f"<span style='color:#8a4b00'>{unknown}</span>"
                return
        try:
            found = self.search()
        except EcsTaggerError as error:
            self.result.value = f"<span style='color:#c0392b'>{html.escape(str(error))}</span>"
            return
        if isinstance(found, Hits):
            self.result.value = similar_html(found, self._taxonomy(), language=self.language)
        else:
            self.result.value = ScrollTable(
                similar_actors_table(found, language=self.language), language=self.language
            )._repr_html_()
