"""Similar-initiatives widgets: hit cards and tables, similar actors, and the search browser.

>>> SimilarBrowser(index)        # similar initiatives (or actors) in other regions, and why

A search always has a nearest project, even in a registry with nothing like the query. Hits below
the level at which most pairs read by a person were related (:mod:`ecs_tagger.regional.levels`)
are not presented as matches: the answer says that the registry has no close match, and the
nearest ones can still be opened, marked as weak. Next to the results, a line says what the
similarity figures mean. Actor searches likewise say why they found nobody.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from ecs_tagger.coordinators.notebook_help import unknown_actor_message
from ecs_tagger.coordinators.review.render import ScrollTable, area_names
from ecs_tagger.coordinators.widgets.actors import (
    WARN_STYLE,
    shown_similarity,
    similar_actors_html,
    similar_actors_table,
)
from ecs_tagger.coordinators.widgets.base import Displayable, ipywidgets_module, wrapping_row
from ecs_tagger.errors import EcsTaggerError, InputError
from ecs_tagger.regional.actors import ActorSearch, search_actors
from ecs_tagger.regional.levels import LEVEL_CLOSE, LEVEL_RELATED, LEVEL_WEAK, SimilarityLevels
from ecs_tagger.regional.similarity import Hit, Hits, similar
from ecs_tagger.words import number, say

if TYPE_CHECKING:
    from ecs_tagger.index import RegistryIndex
    from ecs_tagger.model.taxonomy import Taxonomy
    from ecs_tagger.tagger import Tagger

#: How each level of a hit is called next to its similarity.
LEVEL_WORDS = {LEVEL_CLOSE: "close match", LEVEL_RELATED: "related", LEVEL_WEAK: "weak"}
_GREY = "color:#666"
_WARN = WARN_STYLE
_shown = shown_similarity


def similarity_legend(levels: SimilarityLevels, language: str = "en") -> str:
    """One line (HTML) saying what the similarity figures mean, with the levels of the method
    (a method without a close level, such as "dense", is described without it)."""
    closeness = (
        ""
        if math.isnan(levels.close)
        else say(
            "{close} or more is a close match; ", language, close=number(levels.close, language)
        )
    )
    text = say(
        "How to read the similarity: 1 is the same text; {closeness}{related} or more is "
        "related; below {related} it is weak, probably unrelated. (The levels come from 1,638 "
        "pairs of projects read and graded by a person: at and above {related}, most pairs were "
        "related.)",
        language,
        closeness=closeness,
        related=number(levels.related, language),
    )
    return f"<p style='{_GREY}; font-size: 0.9em'>{html.escape(text)}</p>"


def _hit_item(hits: Hits, hit: Hit, names: dict[str, str], language: str) -> str:
    lang = language
    tags = ", ".join(names.get(a, a) for a in hit.areas) or say("no area", lang)
    level = hits.level(hit)
    meta = " · ".join(
        html.escape(x)
        for x in (
            ", ".join(hit.regions) or say("no region", lang),
            hit.actor or say("actor unknown", lang),
            f"{say('tags', lang)}: {tags}",
            f"{say('similarity', lang)} {_shown(hit.similarity, lang)} "
            f"({say(LEVEL_WORDS[level], lang)})",
        )
        if x
    )
    parts = [
        f"<li style='margin-bottom: 0.7em'><b>{html.escape(hit.title)}</b> "
        f"<span style='{_GREY}'>({html.escape(hit.id)})</span><br>{meta}"
    ]
    if hit.reason is not None:
        reason = hit.reason
        parts.append(
            f"<br><span style='color:#444'>{say('Why: ', lang)}</span>"
            f"<mark style='background:#fff3bf'>{html.escape(reason.query_sentence)}</mark> ≈ "
            f"<mark style='background:#d3f9d8'>{html.escape(reason.hit_sentence)}</mark> "
            f"<span style='{_GREY}'>({_shown(reason.sentence_similarity, lang)})</span>"
        )
        if reason.shared_terms:
            parts.append(
                f"<br><span style='color:#444'>{say('Shared key words: ', lang)}</span><i>"
                + html.escape(", ".join(reason.shared_terms))
                + "</i>"
            )
    parts.append("</li>")
    return "".join(parts)


def similar_html(
    hits: Hits,
    taxonomy: Taxonomy | None = None,
    *,
    language: str = "en",
    show_weak: bool = False,
) -> str:
    """The hits of :func:`ecs_tagger.regional.similarity.similar` as HTML: one card per similar
    initiative with its regions, actor, tags and similarity (and whether that is a close match or
    related), and why it matches: the closest pair of sentences (the query's and the hit's) and
    the key words both texts share. Weak hits (below the related level) are not presented as
    matches: they sit in a closed "show the nearest anyway" box (open with `show_weak`), and when
    no hit is related the answer says that this registry has no close match. A line under the
    hits says what the figures mean."""
    names = area_names(taxonomy, language) if taxonomy is not None else {}
    lang = language
    query = hits.query
    about = (
        f"{say('project', lang)} <b>{html.escape(query.id)}</b>"
        if query.id
        else f"{say('the text', lang)} «{html.escape(query.text[:120])}»"
    )
    where = say(" in ", lang) + html.escape(", ".join(query.regions)) if query.regions else ""
    matches = hits.matches()
    weak = [hit for hit in hits if hits.level(hit) == LEVEL_WEAK]
    related = number(hits.levels.related, lang)
    parts = ["<div style='font-family: sans-serif'>"]
    if matches:
        intro = say(
            "{n} initiatives most like {about}{where}:",
            lang,
            n=len(matches),
            about=about,
            where=where,
        )
        parts.append(f"<p>{intro}</p><ol>")
        parts.extend(_hit_item(hits, hit, names, lang) for hit in matches)
        parts.append("</ol>")
    elif weak:
        best = _shown(weak[0].similarity, lang)
        parts.append(
            f"<p><b>{say('No close match in this registry', lang)}</b> "
            + say(
                "for {about}{where}: the most similar initiative has a similarity of {best}, "
                "below {related}, the level from which most pairs read by a person were related.",
                lang,
                about=about,
                where=where,
                best=best,
                related=related,
            )
            + "</p>"
        )
    else:
        parts.append(
            "<p>"
            + say(
                "No initiative in this registry for {about}{where} passes the filters.",
                lang,
                about=about,
                where=where,
            )
            + "</p>"
        )
    if weak:
        summary = (
            say("Show the nearest anyway ({n}, marked weak)", lang, n=len(weak))
            if not matches
            else say(
                "{n} weaker hits (below {related}, probably unrelated)",
                lang,
                n=len(weak),
                related=related,
            )
        )
        intro = say(
            "{n} initiatives most like {about}{where}, all weak (below {related}: probably "
            "unrelated):",
            lang,
            n=len(weak),
            about=about,
            where=where,
            related=related,
        )
        parts.append(
            f"<details{' open' if show_weak else ''}><summary style='{_GREY}; cursor: pointer'>"
            f"{html.escape(summary)}</summary><div style='opacity: 0.75'><p>{intro}</p>"
            f"<ol start='{len(matches) + 1}'>"
        )
        parts.extend(_hit_item(hits, hit, names, lang) for hit in weak)
        parts.append("</ol></div></details>")
    if len(hits):
        parts.append(similarity_legend(hits.levels, lang))
    parts.append("</div>")
    return "".join(parts)


def similar_table(hits: Hits, *, language: str = "en", show_weak: bool = False) -> pd.DataFrame:
    """The hits as a compact table: rank, id, similarity, match (close match, related; weak only
    with `show_weak`), title, regions, actor, tags, why (headings, numbers and areas in
    `language`)."""
    lang = language
    rows = []
    for hit in hits:
        level = hits.level(hit)
        if level == LEVEL_WEAK and not show_weak:
            continue
        reason = hit.reason
        rows.append(
            {
                say("rank", lang): hit.rank,
                "id": hit.id,
                say("similarity", lang): _shown(hit.similarity, lang),
                say("match", lang): say(LEVEL_WORDS[level], lang),
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


class SimilarBrowser(Displayable):
    """Pick a project (type part of its title or id, or any description) or an actor (its name or
    part of it); see the most similar initiatives (or actors) in other regions, with the reason
    for each match, and what the figures mean."""

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
            placeholder=say("type an actor's name, or part of it", lang),
            layout=w.Layout(width="70%"),
            description=say("Actor", lang),
        )
        self.k = w.IntSlider(value=k, min=1, max=30, description=say("How many", lang))
        # Checkboxes and the button as wide as their labels: by default a checkbox is 300 pixels
        # and a button shrinks in a full row ("searchi…").
        self.other_regions = w.Checkbox(
            value=True,
            description=say("only other regions", lang),
            indent=False,
            layout=w.Layout(width="auto"),
        )
        self._other_regions_wanted = True
        self.show_weak = w.Checkbox(
            value=False,
            description=say("show the nearest anyway (marked weak)", lang),
            indent=False,
            layout=w.Layout(width="auto"),
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
            layout=w.Layout(width="auto", min_width="11em", flex="0 0 auto"),
        )
        self.result = w.HTML()
        self.button.on_click(lambda _b: self.refresh())
        self.project.observe(lambda _change: self._follow_query(), names="value")
        self.mode.observe(lambda _change: self._follow_query(), names="value")
        self.other_regions.observe(self._remember_other_regions, names="value")
        self._found: Hits | ActorSearch | pd.DataFrame | None = None
        self.show_weak.observe(lambda _change: self._show(), names="value")
        self.widget = w.VBox(
            [
                self.mode,
                self.project,
                self.actor,
                w.HBox(
                    [self.k, self.other_regions, self.show_weak, self.area, self.button],
                    layout=wrapping_row(w),
                ),
                self.result,
            ]
        )
        self._follow_query()
        if start:
            self.refresh()

    def _taxonomy(self) -> Taxonomy | None:
        if self.tagger is not None:
            return self.tagger.taxonomy
        from ecs_tagger.model.taxonomy import default_taxonomy

        default = default_taxonomy()
        return default if default.codes == tuple(self.index.codes) else None

    def _query(self) -> tuple[str, bool]:
        """(what to search with, whether it is a project of the index)."""
        typed = str(self.project.value).strip()
        query = self._labels.get(typed, typed)
        return query, query in self.index

    def _remember_other_regions(self, change: dict[str, Any]) -> None:
        if not self.other_regions.disabled:
            self._other_regions_wanted = bool(change["new"])

    def _follow_query(self) -> None:
        """ "only other regions" means nothing for a free text (it has no region): unticked and
        greyed out then, back as it was for a project or an actor."""
        free_text = self.mode.value == "project" and not self._query()[1]
        if free_text and not self.other_regions.disabled:
            self.other_regions.disabled = True
            self.other_regions.value = False
        elif not free_text and self.other_regions.disabled:
            self.other_regions.disabled = False
            self.other_regions.value = self._other_regions_wanted

    def search(self) -> Hits | ActorSearch:
        """The current query: Hits for a project or a text, an ActorSearch for an actor."""
        if self.mode.value == "actor":
            return search_actors(
                self.index,
                self.actor.value,
                k=int(self.k.value),
                other_regions=bool(self.other_regions.value),
            )
        query, is_id = self._query()
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
        lang = self.language
        self._found = None
        if self.mode.value == "actor":  # a name no actor has: the closest names, no search
            unknown = unknown_actor_message(self.index.rows["actor"], str(self.actor.value), lang)
            if unknown is not None:
                self.result.value = f"<span style='{_WARN}'>{unknown}</span>"
                return
        try:
            found = self.search()
        except InputError as error:
            self.result.value = f"<span style='{_WARN}'>{html.escape(str(error))}</span>"
            return
        except EcsTaggerError as error:
            self.result.value = f"<span style='color:#c0392b'>{html.escape(str(error))}</span>"
            return
        self._found = found
        self._show()

    def _show(self) -> None:
        """Show the last answer (again, when "show the nearest anyway" is ticked or unticked)."""
        found, lang, weak = self._found, self.language, bool(self.show_weak.value)
        if found is None:
            return
        if isinstance(found, Hits):
            self.result.value = similar_html(found, self._taxonomy(), language=lang, show_weak=weak)
        elif isinstance(found, ActorSearch):
            self.result.value = similar_actors_html(found, language=lang, show_weak=weak)
        else:  # a table of actors
            self.result.value = ScrollTable(
                similar_actors_table(found, language=lang), language=lang
            )._repr_html_()
