"""Typed results of tagging: areas, scores, evidence, language, status and model version."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Status codes of a tagged text. Rows that cannot be tagged are kept with one of the skip codes.
STATUS_OK = "ok"
STATUS_EMPTY = "empty"
STATUS_NOT_TEXT = "not_text"
STATUS_UNTRAINED_LANGUAGE = "untrained_language"
STATUS_TRUNCATED = "truncated"
#: Marks a batch row whose id is also on other rows (added to the row's status, see below).
STATUS_DUPLICATE_ID = "duplicate_id"
SKIP_STATUSES = frozenset({STATUS_EMPTY, STATUS_NOT_TEXT})
#: A row with several statuses joins them with this, e.g. `ok; duplicate_id: also in row 9`
#: (so no status message contains it).
STATUS_SEPARATOR = "; "


@dataclass(frozen=True)
class SentenceEvidence:
    """A sentence of the text (with character offsets into the cleaned text) and its area score."""

    text: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class TermEvidence:
    """A lexical term (lemma or lemma bigram) and how much it weighed towards the area."""

    term: str
    weight: float


@dataclass(frozen=True)
class AreaEvidence:
    code: str
    sentences: tuple[SentenceEvidence, ...] = ()
    terms: tuple[TermEvidence, ...] = ()

    def summary(self, sentences: int = 1, terms: int = 5) -> str:
        """A one-line human-readable explanation."""
        parts = []
        if self.terms:
            parts.append("terms: " + ", ".join(t.term for t in self.terms[:terms]))
        if self.sentences:
            parts.append("sentence: " + " … ".join(s.text for s in self.sentences[:sentences]))
        return "; ".join(parts)


@dataclass(frozen=True)
class TagResult:
    """What the tagger decided for one text, and why."""

    areas: tuple[str, ...]
    scores: dict[str, float]
    language: str
    model_version: str
    status: str = STATUS_OK
    message: str = ""
    evidence: dict[str, AreaEvidence] = field(default_factory=dict)
    clean_text: str = ""

    @property
    def tagged(self) -> bool:
        """False when the text could not be tagged at all (empty or not text)."""
        return self.status not in SKIP_STATUSES

    @property
    def status_text(self) -> str:
        return self.status if not self.message else f"{self.status}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
