from __future__ import annotations

import numpy as np
import pytest

from ecs_tagger.model.metrics import MultiLabelReport, multilabel_report


def test_report_counts_per_area_macro_and_micro() -> None:
    truth = np.array([[1, 0], [1, 1], [0, 0], [0, 1]], dtype=bool)
    predicted = np.array([[1, 0], [0, 1], [1, 0], [0, 0]], dtype=bool)
    report = multilabel_report(("a", "b"), truth, predicted)
    # a: tp=1 fp=1 fn=1 ; b: tp=1 fp=0 fn=1
    assert report.areas["a"].precision == 0.5 and report.areas["a"].recall == 0.5
    assert report.areas["b"].precision == 1.0 and report.areas["b"].recall == 0.5
    assert report.macro_f1 == pytest.approx((0.5 + 2 / 3) / 2, abs=1e-4)
    assert report.micro_precision == pytest.approx(2 / 3, abs=1e-4)
    assert report.micro_recall == 0.5
    assert report.exact_match == 0.25
    assert MultiLabelReport.from_dict(report.to_dict()) == report
    assert "macro" in report.format_table()


def test_shapes_must_match() -> None:
    with pytest.raises(ValueError, match="shapes differ"):
        multilabel_report(("a",), np.zeros((2, 1), bool), np.zeros((3, 1), bool))
