"""The JSON shapes of the service's tagging and status endpoints (pydantic models; the OpenAPI
document is generated from them), and the conversion of a :class:`TagResult` into its JSON.

Scores are probabilities from 0 to 1 (4 decimals), `null` for a text that was not tagged (status
`empty` or `not_text`); evidence sentences carry character offsets (`start`, `end`) into
`clean_text`, the text as the tagger read it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from ecs_tagger.model.results import TagResult

_STRICT = ConfigDict(extra="forbid")


def no_surrogates(value: str | None) -> str | None:
    """Lone surrogates (valid in JSON escapes, not in text) become U+FFFD."""
    if value is None:
        return None
    if value.isascii():
        return value
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


# -- requests ----------------------------------------------------------------------------------
class TagRequest(BaseModel):
    """One text to tag. Title and text are joined with a newline, as the `tag` command joins
    `--text-col titel --text-col beskrivning`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "Projektet bygger biogasanläggningar på mjölkgårdar i Örebro län."}
            ]
        },
    )
    text: str = Field(
        description="The text (description) to tag; at most `max_text_chars` characters (see /v1/info), else 413."
    )
    title: str | None = Field(None, description="An optional title, put before the text.")
    id: str | None = Field(
        None, max_length=1000, description="Your id of the text, returned as given."
    )
    evidence: bool = Field(True, description="Add the evidence sentences and terms of each tag.")

    _clean = field_validator("text", "title", "id")(no_surrogates)

    def full_text(self) -> str:
        """The text the tagger reads: the title and the text joined by a newline."""
        title = (self.title or "").strip()
        return f"{title}\n{self.text}" if title else self.text


class BatchDocument(BaseModel):
    """One document of a batch (Annif's batch shape)."""

    model_config = _STRICT
    text: str = Field(description="The text to tag; at most `max_text_chars` characters.")
    title: str | None = Field(None, description="An optional title, put before the text.")
    id: str | None = Field(
        None, max_length=1000, description="Your id of the document, returned as given."
    )

    _clean = field_validator("text", "title", "id")(no_surrogates)

    def full_text(self) -> str:
        title = (self.title or "").strip()
        return f"{title}\n{self.text}" if title else self.text


class BatchRequest(BaseModel):
    """Documents to tag in one call: at most `max_batch_documents` (see /v1/info), else 413."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "documents": [
                        {"id": "a", "text": "Solceller och batterier för lantbruk."},
                        {"id": "b", "text": "Digital vård i hemmet för äldre."},
                    ]
                }
            ]
        },
    )
    documents: list[BatchDocument] = Field(description="The documents, tagged in this order.")
    evidence: bool = Field(False, description="Add evidence to every result (slower).")


# -- results -----------------------------------------------------------------------------------
class SentenceOut(BaseModel):
    text: str = Field(description="A sentence of the text supporting the area.")
    start: int = Field(description="Offset of its first character in `clean_text`.")
    end: int = Field(description="Offset after its last character in `clean_text`.")
    score: float = Field(description="How strongly the sentence alone points to the area.")


class TermOut(BaseModel):
    term: str = Field(description="A word or word pair of the text.")
    weight: float = Field(description="How much it weighed towards the area.")


class EvidenceOut(BaseModel):
    sentences: list[SentenceOut] = Field(description="Supporting sentences, strongest first.")
    terms: list[TermOut] = Field(description="Terms that weighed most, strongest first.")


class TagResponse(BaseModel):
    """What the tagger decided for one text, and why: the same values as `Tagger.tag`."""

    id: str | None = Field(None, description="The id sent with the text.")
    areas: list[str] = Field(
        description="Codes of the areas the text is about, in taxonomy order; often none."
    )
    scores: dict[str, float | None] = Field(
        description="Probability per area code (0-1); null when not tagged."
    )
    evidence: dict[str, EvidenceOut] | None = Field(
        None, description="Per tagged area: evidence sentences and terms (when asked for)."
    )
    language: str = Field(
        description="Language the text was read in (sv, en, ...; empty when not tagged)."
    )
    status: str = Field(description="ok, empty, not_text, untrained_language or truncated.")
    message: str = Field("", description="Why the status is not plain ok.")
    model_version: str
    clean_text: str | None = Field(
        None,
        description="The text as the tagger read it (with evidence: the offsets point into it).",
    )

    @classmethod
    def of(cls, result: TagResult, ident: str | None, evidence: bool) -> TagResponse:
        """The JSON of `result` (NaN scores become null)."""
        return cls(
            id=ident,
            areas=list(result.areas),
            scores={
                code: None if value is None or math.isnan(value) else float(value)
                for code, value in result.scores.items()
            },
            evidence=(
                {
                    code: EvidenceOut(
                        sentences=[
                            SentenceOut(text=s.text, start=s.start, end=s.end, score=float(s.score))
                            for s in found.sentences
                        ],
                        terms=[TermOut(term=t.term, weight=float(t.weight)) for t in found.terms],
                    )
                    for code, found in result.evidence.items()
                }
                if evidence
                else None
            ),
            language=result.language,
            status=result.status,
            message=result.message,
            model_version=result.model_version,
            clean_text=result.clean_text if evidence else None,
        )


class BatchResponse(BaseModel):
    results: list[TagResponse] = Field(description="One result per document, in input order.")
    model_version: str


# -- status and description --------------------------------------------------------------------
class HealthResponse(BaseModel):
    status: str = Field("ok", description="Always ok: the process answers.")
    model_version: str


class ReadyResponse(BaseModel):
    ready: bool = Field(description="True: the model (and index) are loaded.")
    model_version: str
    seconds_to_ready: float = Field(description="Seconds from the start of the process to ready.")
    queued_texts: int = Field(description="Texts waiting for the model now.")


class AreaOut(BaseModel):
    code: str
    name_sv: str
    name_en: str
    description_sv: str = ""
    description_en: str = ""


class AreasResponse(BaseModel):
    taxonomy: str
    areas: list[AreaOut]
    model_version: str


class Limits(BaseModel):
    max_batch_documents: int = Field(description="Documents per tag-batch request.")
    max_text_chars: int = Field(description="Characters per text.")
    max_body_bytes: int = Field(description="Bytes per request body.")
    queue_texts: int = Field(description="Texts that may wait for the model at once (more: 503).")


class InfoResponse(BaseModel):
    """What this service runs: versions, taxonomy, encoder, the model's cross-validated figures."""

    ecs_tagger_version: str
    model_version: str
    model_name: str
    model_created: str
    taxonomy: dict[str, Any] = Field(description="name, version, region and the area codes.")
    encoder: dict[str, Any] = Field(description="The embedding model's identity and arithmetic.")
    thresholds: dict[str, float] = Field(description="Score per area from which it is tagged.")
    cross_validation: dict[str, Any] | None = Field(
        None,
        description="The model card's out-of-fold figures: folds, documents, macro/micro F1, "
        "exact match and precision/recall/F1 per area.",
    )
    index: dict[str, Any] | None = Field(None, description="The registry index, when loaded.")
    limits: Limits
    corrections: bool = Field(description="Whether POST /v1/corrections is enabled.")
    api_key: bool = Field(description="Whether requests need an API key.")


def describe_cross_validation(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The cross-validated figures of a model manifest (None when it has none)."""
    cv = manifest.get("cross_validation")
    if not cv:
        return None
    report = cv["report"]
    codes = list(manifest.get("taxonomy", {}).get("codes", report["areas"]))
    return {
        "folds": cv.get("folds"),
        "documents": report.get("n_documents"),
        "macro_f1": report.get("macro_f1"),
        "micro_f1": report.get("micro_f1"),
        "micro_precision": report.get("micro_precision"),
        "micro_recall": report.get("micro_recall"),
        "exact_match": report.get("exact_match"),
        "areas": {code: report["areas"][code] for code in codes if code in report["areas"]},
    }
