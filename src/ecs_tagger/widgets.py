"""Jupyter widgets (ipywidgets) for reviewing tags and finding similar initiatives.

>>> RegistryBrowser(session)     # filters, a table, and the evidence of a chosen row
>>> ReviewPanel(session)         # the review queue, one row at a time: accept or set the areas
>>> SimilarBrowser(index)        # similar initiatives (or actors) in other regions, and why

The widgets hold no logic of their own: filtering is :func:`ecs_tagger.review.filter_rows`, the
evidence :func:`ecs_tagger.review.evidence_html`, and every button calls the
:class:`ecs_tagger.review.ReviewSession` (``accept``, ``set_areas``), which appends the review to
the corrections file. The methods behind the buttons (:meth:`ReviewPanel.accept_current`,
:meth:`ReviewPanel.save_current`, ...) can be called directly, e.g. in tests.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ecs_tagger.errors import EcsTaggerError, MissingDependencyError
from ecs_tagger.notebook_help import unknown_actor_message
from ecs_tagger.review.queue import NO_AREA, UNCERTAIN_P, filter_rows
from ecs_tagger.review.render import ScrollTable, area_names, display_table
from ecs_tagger.review.session import (
    REVIEW_ACCEPTED,
    REVIEW_CORRECTED,
    REVIEW_NOT_REVIEWED,
    REVIEW_STALE,
    ReviewSession,
)
from ecs_tagger.similarity import Hits, similar
from ecs_tagger.words import say

if TYPE_CHECKING:
    from ecs_tagger.index import RegistryIndex
    from ecs_tagger.tagger import Tagger
    from ecs_tagger.taxonomy import Taxonomy


def _widgets() -> Any:
    try:
        import ipywidgets
    except ImportError:
        raise MissingDependencyError("ipywidgets", "the review widgets", "notebook") from None
    return ipywidgets


class _Displayable:
    widget: Any

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:  # older front ends
        from IPython.display import display

        display(self.widget)


class RegistryBrowser(_Displayable):
    """Filters (region, area, score range, uncertain only, review status), the rows that pass
    them, and the evidence of the row chosen below the table."""

    def __init__(self, session: ReviewSession, *, max_rows: int = 100, language: str = "en") -> None:
        w = _widgets()
        self.session = session
        self.max_rows = max_rows
        self.language = lang = language
        tagged = session.tagged
        names = area_names(tagged.taxonomy, language)
        self.region = w.Dropdown(
            options=[(say("all regions", lang), "")] + [(r, r) for r in tagged.regions()],
            description=say("Region", lang))
        self.area = w.Dropdown(
            options=[(say("all", lang), ""), (say("no area", lang), NO_AREA)]
            + [(names[c], c) for c in tagged.codes],
            description=say("Area", lang),
        )
        self.scores = w.FloatRangeSlider(value=(0.0, 1.0), min=0.0, max=1.0, step=0.05,
                                         description=say("Score", lang), readout_format=".2f",
                                         continuous_update=False)
        self.uncertain = w.Checkbox(
            value=False, indent=False,
            description=say("uncertain only (≥ {p} chance of a wrong tag)", lang,
                            p=f"{UNCERTAIN_P:.0%}"))
        self.status = w.Dropdown(
            options=[(say("any", lang), ""), *[(say(s, lang), s) for s in (
                REVIEW_NOT_REVIEWED, REVIEW_ACCEPTED, REVIEW_CORRECTED, REVIEW_STALE)]],
            description=say("Review", lang),
        )
        self.count = w.HTML()
        self.table = w.Output()
        self.row = w.Dropdown(options=[], description=say("Evidence of", lang),
                              layout=w.Layout(width="80%"))
        self.evidence = w.HTML()
        for control in (self.region, self.area, self.scores, self.uncertain, self.status):
            control.observe(lambda _change: self.refresh(), names="value")
        self.row.observe(lambda change: self.show(change["new"]), names="value")
        self.widget = w.VBox([
            w.HBox([self.region, self.area, self.status]),
            w.HBox([self.scores, self.uncertain]),
            self.count, self.table, self.row, self.evidence,
        ])
        self.refresh()

    def filtered(self) -> pd.DataFrame:
        """The rows passing the current filters, most likely wrong first."""
        frame = filter_rows(
            self.session.reviewed_frame(), region=self.region.value or None,
            area=self.area.value or None, score_range=tuple(self.scores.value),
            uncertain_only=bool(self.uncertain.value), review_status=self.status.value or None,
        )
        return frame.sort_values(["priority", "id"], ascending=[False, True], na_position="last")

    def refresh(self) -> None:
        from IPython.display import display

        frame = self.filtered()
        shown = frame.head(self.max_rows)
        lang = self.language
        self.count.value = (say("{n} of {total} rows", lang, n=f"<b>{len(frame)}</b>",
                                total=len(self.session.tagged))
                            + (say(" (first {n} shown)", lang, n=self.max_rows)
                               if len(frame) > self.max_rows else ""))
        self.table.clear_output(wait=True)
        with self.table:
            display(ScrollTable(display_table(shown, self.session.tagged.codes, language=lang)))
        ids = shown["id"].tolist()
        self.row.options = [(_short(f"{i} — {t}", 90), i)
                            for i, t in zip(ids, shown["title"], strict=True)]
        if ids:
            self.row.value = ids[0]
            self.show(ids[0])
        else:
            self.evidence.value = ""

    def show(self, ident: str | None) -> None:
        self.evidence.value = (self.session.tagged.evidence_html(ident, language=self.language)
                               if ident else "")


class ReviewPanel(_Displayable):
    """The review queue, one row at a time: its evidence, a checkbox per area (ticked as the
    tagger, or the last review, decided), a comment, and buttons to accept the tagger's tags,
    save the ticked areas, skip or go back. Every review is appended to the corrections file."""

    def __init__(self, session: ReviewSession, *, queue_size: int = 50,
                 ids: Sequence[str] | None = None, language: str = "en") -> None:
        w = _widgets()
        self.session = session
        self.ids = list(ids) if ids is not None else session.queue(queue_size)["id"].tolist()
        self.position = 0
        self.language = lang = language
        names = area_names(session.tagged.taxonomy, language)
        self.reviewer = w.Text(value=session.reviewer, description=say("Reviewer", lang),
                               placeholder=say("your name", lang))
        self.reviewer.observe(self._set_reviewer, names="value")
        self.header = w.HTML()
        self.evidence = w.HTML()
        self.checkboxes = {code: w.Checkbox(value=False, description=names[code], indent=False)
                           for code in session.tagged.codes}
        self.comment = w.Textarea(placeholder=say("comment (optional)", lang),
                                  layout=w.Layout(width="60%"))
        self.accept_button = w.Button(description=say("Tags are right", lang),
                                      button_style="success", icon="check",
                                      tooltip=say("accept the tagger's tags", lang))
        self.save_button = w.Button(description=say("Save ticked areas", lang),
                                    button_style="primary", icon="save",
                                    tooltip=say("the right areas are the ticked ones", lang))
        self.back_button = w.Button(description=say("Back", lang), icon="arrow-left")
        self.skip_button = w.Button(description=say("Skip", lang), icon="arrow-right")
        for button in (self.accept_button, self.save_button, self.back_button, self.skip_button):
            button.layout = w.Layout(width="auto", min_width="6em")  # the whole label shows
        self.message = w.HTML()
        self.accept_button.on_click(lambda _b: self.accept_current())
        self.save_button.on_click(lambda _b: self.save_current())
        self.back_button.on_click(lambda _b: self.go(self.position - 1))
        self.skip_button.on_click(lambda _b: self.go(self.position + 1))
        self.widget = w.VBox([
            self.reviewer, self.header, self.evidence,
            w.HBox(list(self.checkboxes.values())), self.comment,
            w.HBox([self.back_button, self.accept_button, self.save_button, self.skip_button]),
            self.message,
        ])
        self.go(0)

    def _set_reviewer(self, change: dict[str, Any]) -> None:
        self.session.reviewer = str(change["new"])

    @property
    def current(self) -> str | None:
        """The id on show (None when the queue is empty or done)."""
        return self.ids[self.position] if 0 <= self.position < len(self.ids) else None

    def go(self, position: int) -> None:
        """Show the row at `position` of the queue."""
        self.position = max(0, min(position, len(self.ids)))
        ident = self.current
        enabled = ident is not None
        for control in (self.accept_button, self.save_button, self.skip_button,
                        *self.checkboxes.values()):
            control.disabled = not enabled
        self.back_button.disabled = self.position == 0
        lang = self.language
        if ident is None:
            self.header.value = (f"<b>{say('Queue done', lang)}</b>: {len(self.ids)} "
                                 f"{say('rows', lang)}. {html.escape(self.session.summary())}")
            self.evidence.value = ""
            return
        row = self.session.tagged.row(ident)
        review = self.session.reviews().get(ident)
        ticked = set(review.new_areas if review is not None else row["areas"])
        for code, box in self.checkboxes.items():
            box.value = code in ticked
        self.comment.value = review.comment if review is not None else ""
        earlier = (f" — {say('reviewed before by', lang)} {html.escape(review.reviewer)} "
                   f"({review.action})" if review is not None else "")
        self.header.value = (
            f"<b>{say('{n} of {total}', lang, n=self.position + 1, total=len(self.ids))}</b>: "
            f"{html.escape(ident)} — "
            f"{html.escape(', '.join(row['regions']) or say('no region', lang))} — "
            f"{say('chance of a wrong tag', lang)} "
            f"{row['p_wrong']:.0%} ({html.escape(str(row['reason']))}){earlier}"
        )
        self.evidence.value = self.session.tagged.evidence_html(ident, language=lang)

    def ticked(self) -> list[str]:
        return [code for code, box in self.checkboxes.items() if box.value]

    def _done(self, action: Any) -> bool:
        ident = self.current
        if ident is None:
            return False
        try:
            review = action(ident)
        except EcsTaggerError as error:
            self.message.value = f"<span style='color:#c0392b'>{html.escape(str(error))}</span>"
            return False
        areas = ", ".join(review.new_areas) or say("no area", self.language)
        self.message.value = (f"{say('Saved', self.language)} {html.escape(ident)}: {html.escape(areas)} "
                              f"({html.escape(review.action)}).")
        self.go(self.position + 1)
        return True

    def accept_current(self) -> bool:
        """Accept the tagger's tags of the row on show; True when saved."""
        return self._done(lambda ident: self.session.accept(ident, self.comment.value))

    def save_current(self) -> bool:
        """Save the ticked areas as the right ones for the row on show; True when saved."""
        return self._done(lambda ident: self.session.set_areas(ident, self.ticked(), self.comment.value))


# -- similar initiatives ----------------------------------------------------------------------------
def similar_html(hits: Hits, taxonomy: Taxonomy | None = None, *, language: str = "en") -> str:
    """The hits of :func:`ecs_tagger.similarity.similar` as HTML: one card per similar
    initiative with its regions, actor, tags and similarity, and why it matches: the closest pair
    of sentences (the query's and the hit's) and the key words both texts share."""
    names = area_names(taxonomy, language) if taxonomy is not None else {}
    lang = language
    query = hits.query
    about = (f"{say('project', lang)} <b>{html.escape(query.id)}</b>" if query.id
             else f"{say('the text', lang)} «{html.escape(query.text[:120])}»")
    where = say(" in ", lang) + html.escape(", ".join(query.regions)) if query.regions else ""
    intro = say("{n} initiatives most like {about}{where}:", lang, n=len(hits), about=about,
                where=where)
    parts = [f"<div style='font-family: sans-serif'><p>{intro}</p><ol>"]
    for hit in hits:
        tags = ", ".join(names.get(a, a) for a in hit.areas) or say("no area", lang)
        meta = " · ".join(html.escape(x) for x in (
            ", ".join(hit.regions) or say("no region", lang),
            hit.actor or say("actor unknown", lang),
            f"{say('tags', lang)}: {tags}", f"{say('similarity', lang)} {hit.similarity:.2f}") if x)
        parts.append(f"<li style='margin-bottom: 0.7em'><b>{html.escape(hit.title)}</b> "
                     f"<span style='color:#666'>({html.escape(hit.id)})</span><br>{meta}")
        if hit.reason is not None:
            reason = hit.reason
            parts.append(
                f"<br><span style='color:#444'>{say('Why: ', lang)}</span>"
                f"<mark style='background:#fff3bf'>{html.escape(reason.query_sentence)}</mark> ≈ "
                f"<mark style='background:#d3f9d8'>{html.escape(reason.hit_sentence)}</mark> "
                f"<span style='color:#666'>({reason.sentence_similarity:.2f})</span>"
            )
            if reason.shared_terms:
                parts.append(f"<br><span style='color:#444'>{say('Shared key words: ', lang)}</span><i>"
                             + html.escape(", ".join(reason.shared_terms)) + "</i>")
        parts.append("</li>")
    parts.append("</ol></div>")
    return "".join(parts)


def similar_table(hits: Hits) -> pd.DataFrame:
    """The hits as a compact table: rank, id, similarity, title, regions, actor, tags, why."""
    rows = []
    for hit in hits:
        reason = hit.reason
        rows.append({
            "rank": hit.rank, "id": hit.id, "similarity": round(hit.similarity, 3),
            "title": hit.title, "regions": ", ".join(hit.regions), "actor": hit.actor or "",
            "tags": ", ".join(hit.areas) or "–",
            "closest sentences": (f"«{reason.query_sentence}» ≈ «{reason.hit_sentence}»"
                                  if reason is not None else ""),
            "shared key words": ", ".join(reason.shared_terms) if reason is not None else "",
        })
    return pd.DataFrame(rows).set_index("rank") if rows else pd.DataFrame(rows)


def similar_actors_table(actors: pd.DataFrame, *, language: str = "en") -> pd.DataFrame:
    """:func:`ecs_tagger.actors.similar_actors` for people: actor, regions, projects, similarity,
    the areas both actors work in, and the actor's own areas."""
    def words(value: Any) -> str:
        if value is None or isinstance(value, float):
            return ""
        return ", ".join(str(v) for v in value) if not isinstance(value, str) else value

    columns = {"actor": "actor", "regions": "regions", "projects": "projects",
               "similarity": "similarity", "shared_areas": "shared areas", "areas": "areas"}
    heading = {key: say(word, language) for key, word in columns.items()}
    present = [c for c in columns if c in actors.columns]
    out = actors[present].rename(columns=columns).copy()
    for column in ("regions", "shared areas", "areas"):
        if column in out.columns:
            out[column] = out[column].map(words)
    if "similarity" in out.columns:
        out["similarity"] = out["similarity"].round(3)
    return out.rename(columns={columns[k]: heading[k] for k in present}).reset_index(drop=True)


def similar_actors_view(index: RegistryIndex, actor: str, k: int = 10, *,
                        other_regions: bool = True, language: str = "en") -> Any:
    """The actors most like `actor` as a table; when the name is not in the registry (or the
    search fails), a message naming the closest names instead: never a traceback."""
    from IPython.display import HTML

    from ecs_tagger.actors import similar_actors

    names = index.rows["actor"] if "actor" in index.rows.columns else []
    unknown = unknown_actor_message(names, actor, language)
    if unknown is not None:
        return HTML(f"<p style='color:#8a4b00'>{unknown}</p>")
    try:
        found = similar_actors(index, actor, k=k, other_regions=other_regions)
    except EcsTaggerError as error:
        return HTML(f"<p style='color:#8a4b00'>{html.escape(str(error))}</p>")
    caption = ("Aktörer som mest liknar {actor}:" if language == "sv"
               else "Actors most like {actor}:").format(actor=actor)
    return ScrollTable(similar_actors_table(found, language=language), caption=caption)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class SimilarBrowser(_Displayable):
    """Pick a project (type part of its title or id) or an actor; see the most similar initiatives
    (or actors) in other regions, with the reason for each match."""

    def __init__(self, index: RegistryIndex, *, tagger: Tagger | None = None, k: int = 10,
                 language: str = "en", project: str | None = None) -> None:
        w = _widgets()
        self.index = index
        self.tagger = tagger
        self.language = language
        rows = index.rows
        self._labels = {f"{i} — {t}": str(i) for i, t in zip(rows["id"], rows["title"], strict=True)}
        first = project if project in index else (str(rows["id"].iloc[0]) if len(rows) else None)
        start = next((label for label, i in self._labels.items() if i == first), "")
        lang = language
        self.mode = w.ToggleButtons(
            options=[(say("a project", lang), "project"), (say("an actor", lang), "actor")],
            description=say("Similar to", lang))
        self.project = w.Combobox(options=list(self._labels), value=start, ensure_option=False,
                                  placeholder=say("type an id, part of a title, or a description",
                                                  lang),
                                  layout=w.Layout(width="70%"), description=say("Project", lang))
        actors = sorted({a for a in rows["actor"] if isinstance(a, str)})
        self.actor = w.Combobox(options=actors, value="", placeholder=say("type an actor's name", lang),
                                layout=w.Layout(width="70%"), description=say("Actor", lang))
        self.k = w.IntSlider(value=k, min=1, max=30, description=say("How many", lang))
        self.other_regions = w.Checkbox(value=True, description=say("only other regions", lang),
                                        indent=False)
        taxonomy = self._taxonomy()
        names = area_names(taxonomy, language) if taxonomy is not None else {}
        self.area = w.Dropdown(
            options=[(say("any area", lang), "")] + [(names.get(c, c), c) for c in index.codes],
            description=say("Area", lang))
        self.button = w.Button(description=say("Find", lang), button_style="primary", icon="search",
                               layout=w.Layout(width="auto", min_width="8em"))
        self.result = w.HTML()
        self.button.on_click(lambda _b: self.refresh())
        self.widget = w.VBox([self.mode, self.project, self.actor,
                              w.HBox([self.k, self.other_regions, self.area, self.button]),
                              self.result])
        if start:
            self.refresh()

    def _taxonomy(self) -> Taxonomy | None:
        if self.tagger is not None:
            return self.tagger.taxonomy
        from ecs_tagger.taxonomy import default_taxonomy

        default = default_taxonomy()
        return default if default.codes == tuple(self.index.codes) else None

    def search(self) -> Hits | pd.DataFrame:
        """The current query: Hits for a project or a text, a DataFrame of actors for an actor."""
        if self.mode.value == "actor":
            from ecs_tagger.actors import similar_actors

            return similar_actors(self.index, self.actor.value, k=int(self.k.value),
                                  other_regions=bool(self.other_regions.value))
        typed = str(self.project.value).strip()
        query = self._labels.get(typed, typed)
        is_id = query in self.index
        return similar(
            self.index, query, k=int(self.k.value),
            other_regions=bool(self.other_regions.value) and is_id,
            areas=self.area.value or None, by="id" if is_id else "text",
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
            unknown = unknown_actor_message(self.index.rows["actor"], str(self.actor.value),
                                            self.language)
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
            self.result.value = ScrollTable(similar_actors_table(found, language=self.language))._repr_html_()


__all__ = [
    "RegistryBrowser",
    "ReviewPanel",
    "SimilarBrowser",
    "similar_actors_table",
    "similar_actors_view",
    "similar_html",
    "similar_table",
]
