"""Showing tagged rows to people: area names and colours, the compact table, and the evidence HTML
(the text with the sentences behind each tag marked)."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence

import pandas as pd

from ecs_tagger.results import TagResult
from ecs_tagger.taxonomy import Taxonomy
from ecs_tagger.words import say

#: Background colours of the areas' evidence, in taxonomy order (cycled).
AREA_COLOURS = ("#b7e4c7", "#ffd6a5", "#a0c4ff", "#ffadad", "#fdffb6", "#d0bfff")


def area_names(taxonomy: Taxonomy, language: str = "en") -> dict[str, str]:
    """code -> the area's label in `language` ("sv" or "en")."""
    return {area.code: area.label(language) for area in taxonomy}


def display_table(
    frame: pd.DataFrame, codes: Sequence[str], *, text_chars: int = 80, language: str = "en"
) -> pd.DataFrame:
    """A compact view for people: id, regions, title, tags, scores, chance of error, reason,
    review; headings (and review statuses) in `language`."""
    lang = language
    out = pd.DataFrame(
        {
            "id": frame["id"],
            say("regions", lang): frame["regions"].map(", ".join),
            say("title", lang): frame["title"].map(
                lambda t: t if len(t) <= text_chars else t[: text_chars - 1] + "…"
            ),
            say("tags", lang): frame["areas"].map(lambda a: ", ".join(a) if a else "–"),
        }
    )
    for code in codes:
        out[code] = frame[f"score_{code}"].round(2)
    out[say("chance wrong", lang)] = (frame["p_wrong"] * 100).round(0)
    out[say("why", lang)] = frame["reason"]
    for column in ("review_status", "final_areas", "comment"):
        if column in frame.columns:
            values = frame[column]
            out[say(column.replace("_", " "), lang)] = (
                values.map(lambda a: ", ".join(a) if a else "–")
                if column == "final_areas"
                else values.map(lambda v: say(v, lang) if isinstance(v, str) else v)
                if column == "review_status"
                else values
            )
    return out.set_index("id")


class ScrollTable:
    """A table shown whole in a notebook: every row (no "..." in the middle), in a box that
    scrolls, the header staying in view, long texts (titles, comments, reasons) wrapped."""

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        height: str = "28em",
        column_width: str = "26em",
        caption: str = "",
    ) -> None:
        self.frame = frame
        self.height = height
        self.column_width = column_width
        self.caption = caption

    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        return f"{self.caption}\n{self.frame.to_string(max_rows=20)}".lstrip()

    def _repr_html_(self) -> str:
        style = (
            "<style>.ecs-scroll td, .ecs-scroll th {white-space: normal !important; "
            f"max-width: {self.column_width}; overflow-wrap: anywhere; text-align: left; "
            "vertical-align: top} .ecs-scroll thead th {position: sticky; top: 0; "
            "background: var(--jp-layout-color0, white); z-index: 1}</style>"
        )
        table = self.frame.to_html(max_rows=None, max_cols=None, na_rep="–", escape=True)
        caption = f"<p>{html.escape(self.caption)}</p>" if self.caption else ""
        return (
            f"{style}{caption}<div class='ecs-scroll' style='max-height: {self.height}; overflow: auto; "
            f"border: 1px solid #ddd'>{table}</div>"
            f"<p style='color:#666; margin-top: 0.2em'>{len(self.frame)} rows</p>"
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
            f" ({say('tag from', language)} {thresholds[code]:.2f})"
            if thresholds and code in thresholds
            else ""
        )
        scored = f"{say('score', language)} {score:.2f}{threshold}"
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
        tip = "; ".join(f"{names[c]} {s:.2f}" for c, s in marks)
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
