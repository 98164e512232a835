"""Review widgets: a registry browser (filters, table, evidence) and the review panel.

>>> RegistryBrowser(session)     # filters, a table, and the evidence of a chosen row
>>> ReviewPanel(session)         # the review queue, one row at a time: accept or set the areas

Filtering is :func:`ecs_tagger.coordinators.review.filter_rows`, the evidence
:func:`ecs_tagger.coordinators.review.evidence_html`, and every button calls the
:class:`ecs_tagger.coordinators.review.ReviewSession` (``accept``, ``set_areas``), which appends the review to
the corrections file. The methods behind the buttons (:meth:`ReviewPanel.accept_current`,
:meth:`ReviewPanel.save_current`, ...) can be called directly, e.g. in tests.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ecs_tagger.coordinators.review.queue import NO_AREA, UNCERTAIN_P, filter_rows, reason_in
from ecs_tagger.coordinators.review.render import ScrollTable, area_names, display_table
from ecs_tagger.coordinators.review.session import (
    REVIEW_ACCEPTED,
    REVIEW_CORRECTED,
    REVIEW_NOT_REVIEWED,
    REVIEW_STALE,
    ReviewSession,
)
from ecs_tagger.coordinators.widgets.base import (
    Displayable,
    ipywidgets_module,
    shorten,
    wrapping_row,
)
from ecs_tagger.errors import EcsTaggerError
from ecs_tagger.words import percent, say

if TYPE_CHECKING:
    from ecs_tagger.coordinators.corrections.store import Correction

#: What a review did, as a past participle: "Saved X: ... (corrected)", never "(correct)", which
#: reads as "the tags were correct".
DONE_WORDS = {"accept": "accepted", "correct": "corrected", "withdraw": "withdrawn"}


def done_word(action: str, language: str = "en") -> str:
    """What a review did, in `language`: "accepted", "corrected" or "withdrawn"."""
    return say(DONE_WORDS.get(action, action), language)


def saved_message(review: Correction, names: dict[str, str], language: str = "en") -> str:
    """What the panel says after a review: "Saved TVV-1: Smart industry (corrected).", the areas
    by their names."""
    areas = ", ".join(names.get(a, a) for a in review.new_areas) or say("no area", language)
    return say(
        "Saved {id}: {areas} ({done}).",
        language,
        id=review.id,
        areas=areas,
        done=done_word(review.action, language),
    )


class RegistryBrowser(Displayable):
    """Filters (region, area, score range, uncertain only, review status), the rows that pass
    them, and the evidence of the row chosen below the table."""

    def __init__(
        self, session: ReviewSession, *, max_rows: int = 100, language: str = "en"
    ) -> None:
        w = ipywidgets_module()
        self.session = session
        self.max_rows = max_rows
        self.language = lang = language
        tagged = session.tagged
        names = area_names(tagged.taxonomy, language)
        self.region = w.Dropdown(
            options=[(say("all regions", lang), "")] + [(r, r) for r in tagged.regions()],
            description=say("Region", lang),
        )
        self.area = w.Dropdown(
            options=[(say("all", lang), ""), (say("no area", lang), NO_AREA)]
            + [(names[c], c) for c in tagged.codes],
            description=say("Area", lang),
        )
        self.scores = w.FloatRangeSlider(
            value=(0.0, 1.0),
            min=0.0,
            max=1.0,
            step=0.05,
            description=say("Score", lang),
            readout_format=".2f",
            continuous_update=False,
        )
        # A checkbox is 300 pixels wide by default: its label ended "… of a w…". As wide as
        # the label instead.
        self.uncertain = w.Checkbox(
            value=False,
            indent=False,
            description=say(
                "uncertain only (≥ {p} chance of a wrong tag)", lang, p=percent(UNCERTAIN_P, lang)
            ),
            layout=w.Layout(width="auto"),
        )
        self.status = w.Dropdown(
            options=[
                (say("any", lang), ""),
                *[
                    (say(s, lang), s)
                    for s in (REVIEW_NOT_REVIEWED, REVIEW_ACCEPTED, REVIEW_CORRECTED, REVIEW_STALE)
                ],
            ],
            description=say("Review", lang),
        )
        self.count = w.HTML()
        self.table = w.Output()
        self.row = w.Dropdown(
            options=[], description=say("Evidence of", lang), layout=w.Layout(width="80%")
        )
        self.evidence = w.HTML()
        for control in (self.region, self.area, self.scores, self.uncertain, self.status):
            control.observe(lambda _change: self.refresh(), names="value")
        self.row.observe(lambda change: self.show(change["new"]), names="value")
        self.widget = w.VBox(
            [
                w.HBox([self.region, self.area, self.status], layout=wrapping_row(w)),
                w.HBox([self.scores, self.uncertain], layout=wrapping_row(w)),
                self.count,
                self.table,
                self.row,
                self.evidence,
            ]
        )
        self.refresh()

    def filtered(self) -> pd.DataFrame:
        """The rows passing the current filters, most likely wrong first."""
        frame = filter_rows(
            self.session.reviewed_frame(),
            region=self.region.value or None,
            area=self.area.value or None,
            score_range=tuple(self.scores.value),
            uncertain_only=bool(self.uncertain.value),
            review_status=self.status.value or None,
        )
        return frame.sort_values(["priority", "id"], ascending=[False, True], na_position="last")

    def refresh(self) -> None:
        from IPython.display import display

        frame = self.filtered()
        shown = frame.head(self.max_rows)
        lang = self.language
        self.count.value = say(
            "{n} of {total} rows", lang, n=f"<b>{len(frame)}</b>", total=len(self.session.tagged)
        ) + (say(" (first {n} shown)", lang, n=self.max_rows) if len(frame) > self.max_rows else "")
        self.table.clear_output(wait=True)
        with self.table:
            display(
                ScrollTable(
                    display_table(shown, self.session.tagged.codes, language=lang), language=lang
                )
            )
        ids = shown["id"].tolist()
        self.row.options = [
            (shorten(f"{i} — {t}", 90), i) for i, t in zip(ids, shown["title"], strict=True)
        ]
        if ids:
            self.row.value = ids[0]
            self.show(ids[0])
        else:
            self.evidence.value = ""

    def show(self, ident: str | None) -> None:
        self.evidence.value = (
            self.session.tagged.evidence_html(ident, language=self.language) if ident else ""
        )


class ReviewPanel(Displayable):
    """The review queue, one row at a time: its evidence, a checkbox per area (ticked as the
    tagger, or the last review, decided), a comment, and buttons to accept the tagger's tags,
    save the ticked areas, skip or go back. Every review is appended to the corrections file."""

    def __init__(
        self,
        session: ReviewSession,
        *,
        queue_size: int = 50,
        ids: Sequence[str] | None = None,
        language: str = "en",
    ) -> None:
        w = ipywidgets_module()
        self.session = session
        self.ids = list(ids) if ids is not None else session.queue(queue_size)["id"].tolist()
        self.position = 0
        self.language = lang = language
        self.names = names = area_names(session.tagged.taxonomy, language)
        self.reviewer = w.Text(
            value=session.reviewer,
            description=say("Reviewer", lang),
            placeholder=say("your name", lang),
        )
        self.reviewer.observe(self._set_reviewer, names="value")
        self.header = w.HTML()
        self.evidence = w.HTML()
        self.checkboxes = {
            code: w.Checkbox(value=False, description=names[code], indent=False)
            for code in session.tagged.codes
        }
        self.comment = w.Textarea(
            placeholder=say("comment (optional)", lang), layout=w.Layout(width="60%")
        )
        self.accept_button = w.Button(
            description=say("Tags are right", lang),
            button_style="success",
            icon="check",
            tooltip=say("accept the tagger's tags", lang),
        )
        self.save_button = w.Button(
            description=say("Save ticked areas", lang),
            button_style="primary",
            icon="save",
            tooltip=say("the right areas are the ticked ones", lang),
        )
        self.back_button = w.Button(description=say("Back", lang), icon="arrow-left")
        self.skip_button = w.Button(description=say("Skip", lang), icon="arrow-right")
        for button in (self.accept_button, self.save_button, self.back_button, self.skip_button):
            button.layout = w.Layout(width="auto", min_width="6em")  # the whole label shows
        self.message = w.HTML()
        self.accept_button.on_click(lambda _b: self.accept_current())
        self.save_button.on_click(lambda _b: self.save_current())
        self.back_button.on_click(lambda _b: self.go(self.position - 1))
        self.skip_button.on_click(lambda _b: self.go(self.position + 1))
        self.widget = w.VBox(
            [
                self.reviewer,
                self.header,
                self.evidence,
                w.HBox(list(self.checkboxes.values())),
                self.comment,
                w.HBox([self.back_button, self.accept_button, self.save_button, self.skip_button]),
                self.message,
            ]
        )
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
        for control in (
            self.accept_button,
            self.save_button,
            self.skip_button,
            *self.checkboxes.values(),
        ):
            control.disabled = not enabled
        self.back_button.disabled = self.position == 0
        lang = self.language
        if ident is None:
            self.header.value = (
                f"<b>{say('Queue done', lang)}</b>: {len(self.ids)} "
                f"{say('rows', lang)}. {html.escape(self.session.summary(lang))}"
            )
            self.evidence.value = ""
            return
        row = self.session.tagged.row(ident)
        review = self.session.reviews().get(ident)
        ticked = set(review.new_areas if review is not None else row["areas"])
        for code, box in self.checkboxes.items():
            box.value = code in ticked
        self.comment.value = review.comment if review is not None else ""
        earlier = (
            f" — {say('reviewed before by', lang)} {html.escape(review.reviewer)} "
            f"({html.escape(done_word(review.action, lang))})"
            if review is not None
            else ""
        )
        self.header.value = (
            f"<b>{say('{n} of {total}', lang, n=self.position + 1, total=len(self.ids))}</b>: "
            f"{html.escape(ident)} — "
            f"{html.escape(', '.join(row['regions']) or say('no region', lang))} — "
            f"{say('chance of a wrong tag', lang)} "
            f"{percent(row['p_wrong'], lang)} ({html.escape(reason_in(row['reason'], lang))})"
            f"{earlier}"
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
        lang = self.language
        self.message.value = html.escape(saved_message(review, self.names, lang))
        self.go(self.position + 1)
        return True

    def accept_current(self) -> bool:
        """Accept the tagger's tags of the row on show; True when saved."""
        return self._done(lambda ident: self.session.accept(ident, self.comment.value))

    def save_current(self) -> bool:
        """Save the ticked areas as the right ones for the row on show; True when saved."""
        return self._done(
            lambda ident: self.session.set_areas(ident, self.ticked(), self.comment.value)
        )


# -- similar initiatives ----------------------------------------------------------------------------
