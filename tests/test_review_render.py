"""Evidence HTML (ecs_tagger.review.render): marked supporting sentences, escaping, untagged rows."""

from __future__ import annotations

import math

from ecs_tagger import review
from ecs_tagger.results import AreaEvidence, SentenceEvidence, TagResult, TermEvidence
from ecs_tagger.taxonomy import default_taxonomy

CODES = ("food", "health", "energy", "industry")


# -- evidence HTML ------------------------------------------------------------------------------------
def _result() -> TagResult:
    text = "Biogas <från> gödsel. Roboten & AI i fabriken. Slut."
    first, second = "Biogas <från> gödsel.", "Roboten & AI i fabriken."
    s1, s2 = text.index(first), text.index(second)
    return TagResult(
        areas=("energy", "industry"),
        scores={"food": 0.2, "health": 0.0, "energy": 0.8, "industry": 0.6},
        language="sv",
        model_version="m",
        evidence={
            "energy": AreaEvidence(
                "energy",
                (
                    SentenceEvidence(first, s1, s1 + len(first), 0.9),
                    SentenceEvidence("Slut.", text.index("Slut."), len(text), 0.1),
                ),
                (TermEvidence("biogas", 1.2),),
            ),
            "industry": AreaEvidence(
                "industry",
                (
                    SentenceEvidence(second, s2, s2 + len(second), 0.7),
                    SentenceEvidence(first, s1, s1 + len(first), 0.6),
                ),
                (TermEvidence("robot", 0.8),),
            ),
        },
        clean_text=text,
    )


def test_evidence_html_marks_supporting_sentences_and_escapes_the_text() -> None:
    markup = review.evidence_html(
        _result(),
        default_taxonomy(),
        title="P1 <b>",
        thresholds=dict(zip(CODES, [0.4] * 4, strict=True)),
    )
    assert "<mark" in markup and "<från>" not in markup and "&lt;från&gt;" in markup
    assert "P1 &lt;b&gt;" in markup
    marked = review.marked_sentences(markup)
    assert marked == ["Biogas <från> gödsel.", "Roboten & AI i fabriken."]
    assert "Slut." not in marked, "a weak further sentence is not marked"
    assert "data-areas='energy industry'" in markup, "a sentence supporting two tags names both"
    assert "key words: <i>biogas</i>" in markup and "tag from 0.40" in markup
    swedish = review.evidence_html(_result(), default_taxonomy(), language="sv")
    assert "Morgondagens energilösningar" in swedish


def test_evidence_html_of_untagged_and_untaggable_rows() -> None:
    empty = TagResult(
        areas=(),
        scores=dict.fromkeys(CODES, math.nan),
        language="",
        model_version="m",
        status="empty",
        message="no text",
    )
    assert "Not tagged" in review.evidence_html(empty, default_taxonomy())
    none = TagResult(
        areas=(),
        scores=dict.fromkeys(CODES, 0.01),
        language="sv",
        model_version="m",
        clean_text="Bredband till byn.",
    )
    markup = review.evidence_html(none, default_taxonomy())
    assert "No area tagged" in markup and "<mark" not in markup.split("pre-wrap")[1]
