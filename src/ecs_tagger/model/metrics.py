"""Multi-label metrics: per-area precision, recall and F1, macro and micro averages."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ecs_tagger.errors import counted


@dataclass(frozen=True)
class AreaScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class MultiLabelReport:
    areas: dict[str, AreaScores]
    macro_f1: float
    micro_precision: float
    micro_recall: float
    micro_f1: float
    exact_match: float
    n_documents: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MultiLabelReport:
        areas = {code: AreaScores(**scores) for code, scores in data["areas"].items()}
        return cls(**{**data, "areas": areas})

    def format_table(self) -> str:
        lines = [f"{'area':<12}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}"]
        for code, s in self.areas.items():
            lines.append(
                f"{code:<12}{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>10.3f}{s.support:>9}"
            )
        lines.append(f"{'macro':<12}{'':>10}{'':>10}{self.macro_f1:>10.3f}")
        lines.append(
            f"{'micro':<12}{self.micro_precision:>10.3f}{self.micro_recall:>10.3f}"
            f"{self.micro_f1:>10.3f}"
        )
        lines.append(
            f"exact match {self.exact_match:.3f} over {counted(self.n_documents, 'document')}"
        )
        return "\n".join(lines)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def multilabel_report(
    codes: tuple[str, ...], truth: np.ndarray, predicted: np.ndarray
) -> MultiLabelReport:
    """Scores of boolean matrices `predicted` against `truth` (documents × areas, columns = codes)."""
    truth = np.asarray(truth, dtype=bool)
    predicted = np.asarray(predicted, dtype=bool)
    if truth.shape != predicted.shape or truth.shape[1:] != (len(codes),):
        raise ValueError(f"shapes differ: truth {truth.shape}, predicted {predicted.shape}")
    areas: dict[str, AreaScores] = {}
    totals = np.zeros(3, dtype=int)
    for column, code in enumerate(codes):
        t, p = truth[:, column], predicted[:, column]
        counts = np.array([(t & p).sum(), (~t & p).sum(), (t & ~p).sum()])
        totals += counts
        precision, recall, f1 = _prf(*map(int, counts))
        areas[code] = AreaScores(round(precision, 4), round(recall, 4), round(f1, 4), int(t.sum()))
    micro_p, micro_r, micro_f1 = _prf(*map(int, totals))
    return MultiLabelReport(
        areas=areas,
        macro_f1=round(float(np.mean([s.f1 for s in areas.values()])), 4),
        micro_precision=round(micro_p, 4),
        micro_recall=round(micro_r, 4),
        micro_f1=round(micro_f1, 4),
        exact_match=round(float((truth == predicted).all(axis=1).mean()) if len(truth) else 0.0, 4),
        n_documents=len(truth),
    )
