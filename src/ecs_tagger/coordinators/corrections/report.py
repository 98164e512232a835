"""The report of a retraining with reviews, for people: the tagger's agreement with the labelled
texts before and after, whether the change is larger than chance, and which registry rows changed,
in English or Swedish (:func:`ecs_tagger.words.say`).

>>> report = retrain_with_corrections(tagger, store.latest(), registry_texts)
>>> print(report.summary("sv")); HTML(report.to_html("sv"))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecs_tagger.words import MISSING, duration, number, say, say_count

if TYPE_CHECKING:
    from ecs_tagger.model.metrics import MultiLabelReport
    from ecs_tagger.model.taxonomy import Taxonomy
    from ecs_tagger.tagger import Tagger


@dataclass
class CorrectedTraining:
    """The training data with the reviews folded in, and what happened to each review."""

    data: pd.DataFrame
    extra: pd.DataFrame
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def used(self) -> int:
        return len(self.added) + len(self.replaced)


@dataclass
class RetrainReport:
    """A tagger retrained with the reviews, its metrics beside the old ones, and what changed."""

    tagger: Tagger
    training: CorrectedTraining
    before: MultiLabelReport | None
    after: MultiLabelReport | None
    before_source: str
    changes: pd.DataFrame
    registry_rows: int
    seconds: float = 0.0
    #: The areas' names come from here (else from the tagger's taxonomy, else the short words).
    taxonomy: Taxonomy | None = None

    def __repr__(self) -> str:
        return (
            f"RetrainReport({self.training.used} reviews used, {self.changed_rows} of "
            f"{self.registry_rows} registry rows changed, model "
            f"{getattr(self.tagger, 'model_version', '?')})"
        )

    def area_names(self, language: str = "en") -> dict[str, str]:
        """code -> the area's name in `language` (from the taxonomy the tagger was trained on)."""
        taxonomy = self.taxonomy or getattr(self.tagger, "taxonomy", None)
        if taxonomy is None:
            return {}
        return {area.code: area.label(language) for area in taxonomy}

    def _name(self, code: str, language: str) -> str:
        return self.area_names(language).get(code) or say(code, language)

    def changes_frame(self, language: str = "en") -> pd.DataFrame:
        """The changed rows for people: id, tags before, tags after, added, removed (headings in
        `language`, areas by their names)."""

        def words(areas: Any) -> str:
            if isinstance(areas, str):
                areas = [a for a in areas.split(";") if a]
            return ", ".join(self._name(a, language) for a in areas) if areas else MISSING

        return pd.DataFrame(
            {
                "id": self.changes["id"],
                **{
                    say(column, language): self.changes[column].map(words)
                    for column in ("before", "after", "added", "removed")
                },
            }
        )

    @property
    def changed_rows(self) -> int:
        """Registry rows whose tags differ between the old and the new tagger."""
        return len(self.changes)

    @property
    def changed_tags(self) -> int:
        """Single tags (row × area) added or removed by the new tagger."""
        return int(
            sum(
                len(a) + len(r)
                for a, r in zip(self.changes["added"], self.changes["removed"], strict=True)
            )
        )

    def metrics_frame(self) -> pd.DataFrame:
        """Cross-validated precision, recall and F1 per area (and macro/micro), before and after."""
        rows: list[dict[str, Any]] = []
        reports = {"before": self.before, "after": self.after}
        codes = next((list(r.areas) for r in reports.values() if r is not None), [])
        # In the taxonomy's order (metrics stored in a manifest come back sorted by code).
        taxonomy = self.taxonomy or getattr(self.tagger, "taxonomy", None)
        order = list(getattr(taxonomy, "codes", ()))
        codes = [c for c in order if c in codes] + [c for c in codes if c not in order]
        for code in [*codes, "macro", "micro"]:
            row: dict[str, Any] = {"area": code}
            for name, report in reports.items():
                for metric in ("precision", "recall", "f1"):
                    row[f"{metric} {name}"] = _metric(report, code, metric)
            reference = self.after or self.before
            row["support"] = (
                reference.areas[code].support if reference is not None and code in codes else None
            )
            rows.append(row)
        frame = pd.DataFrame(rows).set_index("area")
        frame["support"] = frame["support"].astype("Int64")  # a count: 313, not 313.0
        frame["f1 change"] = frame["f1 after"] - frame["f1 before"]
        return frame

    def metrics_table(self, language: str = "en") -> pd.DataFrame:
        """:meth:`metrics_frame` in plain words, for people: areas by their names, no "macro",
        "micro" or "support", figures written as `language` writes numbers (two decimals; counts
        whole; "–" where a figure does not apply, such as the count of labelled texts of the
        averages)."""
        frame = self.metrics_frame()
        shown = pd.DataFrame(index=frame.index)
        for column in frame.columns:
            digits = 0 if column == "support" else 2
            shown[column] = frame[column].map(
                lambda v, d=digits, c=column: number(v, language, d, sign=c == "f1 change")
            )
        shown = shown.rename(
            index=lambda r: (
                say(PLAIN_ROWS[str(r)], language)
                if str(r) in PLAIN_ROWS
                else self._name(str(r), language)
            ),
            columns=lambda c: _plain_column(str(c), language),
        )
        shown.index.name = say("area", language)
        return shown

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_html(self, language: str = "en") -> str:
        """What a notebook shows: the summary, the metrics side by side and the changed tags,
        in `language` ("en" or "sv")."""
        import html

        lines = self.summary(language).splitlines()
        parts = ["<p>" + "<br>".join(html.escape(line) for line in lines) + "</p>"]
        if self.before is not None or self.after is not None:
            parts.append(
                "<h4>"
                + say(
                    "How well the tagger agrees with the labelled texts, before and after "
                    "(tested on texts it was not trained on; 1 is perfect)",
                    language,
                )
                + "</h4>"
            )
            parts.append(self.metrics_table(language).to_html(na_rep=MISSING))
        if len(self.changes):
            heading = say("Rows whose tags changed ({n})", language, n=len(self.changes))
            parts.append(f"<h4>{heading}</h4>")
            parts.append(self.changes_frame(language).head(100).to_html(index=False))
        return "".join(parts)

    def summary(self, language: str = "en") -> str:
        """A few lines in plain words (in `language`)."""
        used = self.training
        lang = language
        lines = [
            say_count(
                used.used,
                "Retrained with {n} reviewed row in {time}",
                "Retrained with {n} reviewed rows in {time}",
                lang,
                time=duration(self.seconds, lang),
            )
            + say_count(
                len(used.added),
                ": {n} row added to the training data",
                ": {n} rows added to the training data",
                lang,
            )
            + say_count(
                len(used.replaced),
                ", {n} in place of a training label",
                ", {n} in place of training labels",
                lang,
            )
            + (
                say_count(
                    len(used.skipped), ", {n} review left out", ", {n} reviews left out", lang
                )
                if used.skipped
                else ""
            )
            + ".",
            say(
                "Tags in the registry: {changed} of {rows} rows changed",
                lang,
                changed=number(self.changed_rows, lang, 0),
                rows=number(self.registry_rows, lang, 0),
            )
            + say_count(
                self.changed_tags,
                " ({n} tag added or removed).",
                " ({n} tags added or removed).",
                lang,
            ),
        ]
        source = say(self.before_source, lang)
        if self.before is not None and self.after is not None:
            lines.extend(change_in_words(self.before, self.after, source, language=lang))
        elif self.after is None:
            lines.append(say("Cross-validation was skipped: no metrics after retraining.", lang))
        else:
            lines.append(say("No metrics before retraining ({source}).", lang, source=source))
        reasons: dict[str, int] = {}
        for reason in used.skipped.values():
            reasons[reason] = reasons.get(reason, 0) + 1
        lines.extend(
            say_count(
                n,
                "Left out: {n} review: {reason}.",
                "Left out: {n} reviews: {reason}.",
                lang,
                reason=say(reason, lang),
            )
            for reason, n in reasons.items()
        )
        return "\n".join(lines)


#: Row and column words of :meth:`RetrainReport.metrics_table`.
PLAIN_ROWS = {"macro": "all areas (average)", "micro": "all tags together"}
_PLAIN_WORDS = {
    "precision": "right among given tags",
    "recall": "found among true tags",
    "f1": "balance (F1)",
    "support": "labelled texts with the area",
}


def _plain_column(column: str, language: str = "en") -> str:
    metric, _, when = column.partition(" ")
    plain = say(_PLAIN_WORDS.get(metric, metric), language)
    return f"{plain} {say(when, language) if when else ''}".strip()


def change_interval(
    before: MultiLabelReport, after: MultiLabelReport, *, draws: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """95% bootstrap interval of the change in the average F1 over the areas, from what chance
    alone gives: the texts are drawn again (with replacement) from each report's counts of right,
    wrong and missed tags per area, `draws` times."""
    rng = np.random.default_rng(seed)

    def resampled(report: MultiLabelReport) -> np.ndarray:
        n = max(int(report.n_documents), 1)
        f1 = np.zeros((draws, len(report.areas)))
        for a, scores in enumerate(report.areas.values()):
            right = round(scores.recall * scores.support) if np.isfinite(scores.recall) else 0
            wrong = (
                round(right / scores.precision) - right
                if scores.precision and np.isfinite(scores.precision)
                else 0
            )
            missed = max(int(scores.support) - right, 0)
            cells = np.array([right, max(wrong, 0), missed], dtype=float)
            rest = max(n - cells.sum(), 0.0)
            counts = rng.multinomial(
                n, np.append(cells, rest) / max(cells.sum() + rest, 1.0), size=draws
            )
            denominator = 2 * counts[:, 0] + counts[:, 1] + counts[:, 2]
            f1[:, a] = np.divide(
                2 * counts[:, 0], denominator, out=np.zeros(draws), where=denominator > 0
            )
        return np.asarray(f1.mean(axis=1))

    change = resampled(after) - resampled(before)
    low, high = np.quantile(change, [0.025, 0.975])
    return float(low), float(high)


def change_in_words(
    before: MultiLabelReport, after: MultiLabelReport, source: str, *, language: str = "en"
) -> list[str]:
    """Two lines for people (in `language`): the balance (F1) before and after, and whether the
    change is larger than chance (:func:`change_interval`)."""
    change = after.macro_f1 - before.macro_f1
    low, high = change_interval(before, after)
    lang = language
    lines = [
        say(
            "Agreement with the labelled texts (F1 averaged over the areas, 0 to 1, tested on "
            "texts each tagger was not trained on): {before} before ({source}), {after} after "
            "({change}).",
            lang,
            before=number(before.macro_f1, lang),
            source=source,
            after=number(after.macro_f1, lang),
            change=number(change, lang, sign=True),
        )
    ]
    interval = say(
        "drawing the texts again by chance, the change lies between {low} and {high} in 95% "
        "of draws",
        lang,
        low=number(low, lang, sign=True),
        high=number(high, lang, sign=True),
    )
    if low <= 0 <= high:
        verdict = (
            "This change is within chance ({interval}, which includes no change): your reviews "
            "have neither helped nor hurt the tagger measurably; they still fix the rows you "
            "reviewed."
        )
    elif change > 0:
        verdict = "This is larger than chance ({interval}): the retrained tagger is better."
    else:
        verdict = (
            "This is larger than chance ({interval}): the retrained tagger is worse; check the "
            "reviews whose tags changed below before saving it."
        )
    lines.append(say(verdict, lang, interval=interval))
    return lines


def _metric(report: MultiLabelReport | None, code: str, metric: str) -> float:
    if report is None:
        return float("nan")
    if code == "macro":
        return report.macro_f1 if metric == "f1" else float("nan")
    if code == "micro":
        return float(getattr(report, f"micro_{metric}"))
    return float(getattr(report.areas[code], metric))


__all__ = ["PLAIN_ROWS", "RetrainReport", "change_in_words", "change_interval"]
