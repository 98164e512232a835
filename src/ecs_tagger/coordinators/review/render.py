"""Showing tagged rows to people: area names and colours, the compact table, and the evidence HTML
(the text with the sentences behind each tag marked)."""

from __future__ import annotations

import html
import itertools
import math
import re
from collections.abc import Mapping, Sequence

import pandas as pd

from ecs_tagger.coordinators.review.queue import reason_in
from ecs_tagger.model.results import TagResult
from ecs_tagger.model.taxonomy import Taxonomy
from ecs_tagger.words import MISSING, number, percent, say, say_count

#: Background colours of the areas' evidence, in taxonomy order (cycled).
AREA_COLOURS = ("#b7e4c7", "#ffd6a5", "#a0c4ff", "#ffadad", "#fdffb6", "#d0bfff")


def area_names(taxonomy: Taxonomy, language: str = "en") -> dict[str, str]:
    """code -> the area's label in `language` ("sv" or "en")."""
    return {area.code: area.label(language) for area in taxonomy}


def display_table(
    frame: pd.DataFrame, codes: Sequence[str], *, text_chars: int = 80, language: str = "en"
) -> pd.DataFrame:
    """A compact view for people: id, regions, title, tags, scores, chance of error, reason,
    review; headings, areas, reasons and review statuses in `language` (areas as the short words
    of :func:`ecs_tagger.words.say`: "food", or "livsmedel" in Swedish)."""
    lang = language

    def areas(values: Sequence[str] | None) -> str:
        return ", ".join(say(a, lang) for a in values) if values else "–"

    out = pd.DataFrame(
        {
            "id": frame["id"],
            say("regions", lang): frame["regions"].map(", ".join),
            say("title", lang): frame["title"].map(
                lambda t: t if len(t) <= text_chars else t[: text_chars - 1] + "…"
            ),
            say("tags", lang): frame["areas"].map(areas),
        }
    )
    # Numbers as the language writes them, two decimals for scores, percent for chances (the
    # panel says "16%" too): text cells, so a table never shows 0.0 beside 0.25.
    for code in codes:
        out[say(code, lang)] = frame[f"score_{code}"].map(lambda v: number(v, lang))
    out[say("chance wrong", lang)] = frame["p_wrong"].map(lambda v: percent(v, lang))
    # One part of the reason a line (the table wraps them; see ScrollTable).
    out[say("why", lang)] = frame["reason"].map(lambda r: reason_in(r, lang).replace("; ", ";\n"))
    for column in ("review_status", "final_areas", "comment"):
        if column in frame.columns:
            values = frame[column]
            out[say(column.replace("_", " "), lang)] = (
                values.map(areas)
                if column == "final_areas"
                else values.map(lambda v: say(v, lang) if isinstance(v, str) else v)
                if column == "review_status"
                else values
            )
    return out.set_index("id")


#: Stands for a new line inside a cell while pandas writes the table (a private-use character).
_LINE_BREAK = "\ue000"


class ScrollTable:
    """A table shown whole in a notebook: every row (no "..." in the middle), in a box that
    scrolls down, the header staying in view, as wide as the page and no wider: long texts
    (titles, comments, reasons, sentences) wrap at word boundaries (only a word longer than its
    column is broken; a new line in a cell starts a new line) so that nothing needs scrolling
    sideways. A column whose texts run over `long_text` characters is at least `long_width` wide,
    at most `column_width`; short values (ids, numbers, percentages: at most `short_text`
    characters) stay on one line.
    """

    _numbers = itertools.count()

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        height: str = "28em",
        column_width: str = "26em",
        long_width: str = "10em",
        long_text: int = 30,
        short_text: int = 12,
        caption: str = "",
        language: str = "en",
    ) -> None:
        self.frame = frame
        self.height = height
        self.column_width = column_width
        self.long_width = long_width
        self.long_text = long_text
        self.short_text = short_text
        self.caption = caption
        self.language = language

    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        return f"{self.caption}\n{self.frame.to_string(max_rows=20)}".lstrip()

    def _longest(self, column: object) -> int:
        values = self.frame[column]
        if not len(values):
            return 0
        return int(values.map(lambda v: len(str(v)) if v is not None else 0).max())

    def long_columns(self) -> list[int]:
        """Positions (0-based, index levels not counted) of the columns holding long texts."""
        found = []
        for position, column in enumerate(self.frame.columns):
            values = self.frame[column]
            if not pd.api.types.is_numeric_dtype(values) and self._longest(column) > self.long_text:
                found.append(position)
        return found

    def short_columns(self) -> list[int]:
        """Positions of the columns whose values are all short (kept on one line)."""
        return [
            position
            for position, column in enumerate(self.frame.columns)
            if self._longest(column) <= self.short_text
        ]

    def _repr_html_(self) -> str:
        # overflow-wrap: break-word (not "anywhere", whose mid-word breaks let a table squeeze
        # its columns to a few letters): lines break between words; a word longer than its
        # column is broken only then. No hyphens are invented. The table is as wide as the
        # output (width 100%): columns share the page instead of running off to the right.
        name = f"ecs-scroll-{next(self._numbers)}"
        cells = f".{name} table.dataframe td, .{name} table.dataframe th"
        skip = self.frame.index.nlevels
        long = self.long_columns()
        wide = ", ".join(
            f".{name} table.dataframe td:nth-child({skip + p + 1}), "
            f".{name} table.dataframe thead th:nth-child({skip + p + 1})"
            for p in long
        )
        # Short values (ids, numbers, a percentage) stay on one line: "TVV-" / "182273" reads
        # badly.
        short = ", ".join(
            [f".{name} table.dataframe tbody th"]
            + [
                f".{name} table.dataframe td:nth-child({skip + p + 1})"
                for p in self.short_columns()
            ]
        )
        style = (
            # table-layout auto: JupyterLab lays out rendered tables "fixed" (equal columns),
            # where an id or a status kept on one line runs over into the next column.
            f"<style>.{name} table.dataframe {{width: 100%; table-layout: auto}} "
            f"{cells} {{white-space: pre-line !important; max-width: {self.column_width}; "
            "overflow-wrap: break-word; word-break: normal; hyphens: manual; "
            "text-align: left !important; vertical-align: top}"
            + (f" {wide} {{min-width: {self.long_width}}}" if wide else "")
            + f" {short} {{white-space: nowrap !important}}"
            + f" .{name} thead th {{position: sticky; top: 0; "
            "background: var(--jp-layout-color0, white); z-index: 1}</style>"
        )
        # pandas writes a new line inside a cell as the two characters "\n": carry it through
        # as a character pandas leaves alone and make it a line break after escaping.
        frame = self.frame.map(lambda v: v.replace("\n", _LINE_BREAK) if isinstance(v, str) else v)
        table = frame.to_html(max_rows=None, max_cols=None, na_rep=MISSING, escape=True)
        table = table.replace(_LINE_BREAK, "<br>")
        caption = f"<p>{html.escape(self.caption)}</p>" if self.caption else ""
        rows = say_count(len(self.frame), "{n} row", "{n} rows", self.language)
        return (
            f"{style}{caption}<div class='ecs-scroll {name}' style='max-height: {self.height}; "
            f"overflow: auto; border: 1px solid #ddd'>{table}</div>"
            f"<p style='color:#666; margin-top: 0.2em'>{rows}</p>"
        )


def _colour(taxonomy: Taxonomy, code: str) -> str:
    return AREA_COLOURS[taxonomy.codes.index(code) % len(AREA_COLOURS)]


def evidence_html(
    result: TagResult,
    taxonomy: Taxonomy,
    *,
    title: str | None = None,
    thresholds: Mapping[str, float] | None = None,
    min_sentence_score: float = 0.5,
    language: str = "en",
) -> str:
    """HTML of one tagged text: its tags with scores and key terms, and the text with the
    sentences that support each tag marked (``<mark>``, one colour per area; hovering shows the
    area and the sentence's score). A tag's best sentence is always marked, further ones when
    their score is at least `min_sentence_score`. Everything from the text is HTML-escaped.
    """
    names = area_names(taxonomy, language)
    parts: list[str] = [
        '<div class="ecs-evidence" style="font-family: sans-serif; line-height: 1.45">'
    ]
    if title:
        parts.append(f"<h4 style='margin: 0.3em 0'>{html.escape(title)}</h4>")
    if not result.tagged:
        parts.append(
            f"<p><em>{say('Not tagged', language)}: {html.escape(result.status_text)}"
            "</em></p></div>"
        )
        return "".join(parts)
    header: list[str] = []
    for code in taxonomy.codes:
        score = result.scores.get(code, math.nan)
        threshold = (
            f" ({say('tag from', language)} {number(thresholds[code], language)})"
            if thresholds and code in thresholds
            else ""
        )
        scored = f"{say('score', language)} {number(score, language)}{threshold}"
        if code in result.areas:
            terms = (
                ", ".join(t.term for t in result.evidence[code].terms)
                if code in result.evidence
                else ""
            )
            header.append(
                f"<li><mark style='background:{_colour(taxonomy, code)}'><b>{html.escape(names[code])}"
                f"</b></mark> {scored}"
                + (f" — {say('key words', language)}: <i>{html.escape(terms)}</i>" if terms else "")
                + "</li>"
            )
        else:
            header.append(
                f"<li style='color:#666'>{html.escape(names[code])}: {scored}"
                f" — {say('not tagged', language)}</li>"
            )
    if not result.areas:
        parts.append(f"<p><b>{say('No area tagged.', language)}</b></p>")
    parts.append("<ul style='margin: 0.2em 0 0.6em 1em; padding: 0'>" + "".join(header) + "</ul>")
    # Sentences to mark: (start, end) -> [(code, score)], best area first.
    spans: dict[tuple[int, int], list[tuple[str, float]]] = {}
    for code in result.areas:
        evidence = result.evidence.get(code)
        if evidence is None:
            continue
        for rank, sentence in enumerate(evidence.sentences):
            if rank == 0 or sentence.score >= min_sentence_score:
                spans.setdefault((sentence.start, sentence.end), []).append((code, sentence.score))
    text = result.clean_text
    body: list[str] = []
    position = 0
    for (start, end), marks in sorted(spans.items()):
        if start < position or end > len(text):  # overlapping or stale offsets: skip the mark
            continue
        marks.sort(key=lambda m: -m[1])
        body.append(html.escape(text[position:start]))
        tip = "; ".join(f"{names[c]} {number(s, language)}" for c, s in marks)
        colour = _colour(taxonomy, marks[0][0])
        border = "".join(
            f" box-shadow: inset 0 -3px 0 {_colour(taxonomy, c)};" for c, _ in marks[1:2]
        )
        body.append(
            f"<mark data-areas='{html.escape(' '.join(c for c, _ in marks))}' "
            f"title='{html.escape(tip)}' style='background:{colour};{border}'>"
            f"{html.escape(text[start:end])}</mark>"
        )
        position = end
    body.append(html.escape(text[position:]))
    parts.append(
        "<div style='white-space: pre-wrap; border-left: 3px solid #ddd; padding-left: 0.6em'>"
        + "".join(body)
        + "</div></div>"
    )
    return "".join(parts)


def marked_sentences(evidence_markup: str) -> list[str]:
    """The texts inside the <mark> elements of :func:`evidence_html`'s body (for tests, exports)."""
    body = evidence_markup.split("pre-wrap", 1)[-1]
    return [
        html.unescape(m) for m in re.findall(r"<mark data-areas=[^>]*>(.*?)</mark>", body, re.S)
    ]


__all__ = [
    "AREA_COLOURS",
    "ScrollTable",
    "area_names",
    "display_table",
    "evidence_html",
    "marked_sentences",
]
