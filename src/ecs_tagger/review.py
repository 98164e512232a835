"""Reviewing tags: load and tag a registry, rank rows for review, show evidence, record reviews.

The functions behind notebooks/review_tags.ipynb; the notebook itself only calls them.

>>> registry = load_registry()                 # Projektbanken projects of Östra Mellansverige
>>> tagged = tag_registry(registry, Tagger.load())
>>> session = ReviewSession(tagged, CorrectionStore(), reviewer="Anna")
>>> session.queue(50)                          # the 50 rows most likely to carry a wrong tag
>>> session.set_areas("TVV-123", ["energy"], comment="not about industry")
>>> report = session.retrain()                 # the tagger learns from the reviews

**The review queue.** The classifier's scores are calibrated probabilities, so for each area the
chance that the decision is wrong is ``1 - score`` when the area was tagged and ``score`` when it
was not; the chance that a row carries at least one wrong decision is ``p_wrong = 1 - Π(1 -
p_wrong_area)``. That is largest for scores near the decision thresholds. The queue orders rows by
``priority = p_wrong + 0.25 × disagreement``, where ``disagreement`` is the largest gap between the
embedding-only and the lexical-only probability of an area (the two signals the classifier
combines). On the 749 labelled corpus texts with out-of-fold scores (:func:`out_of_fold`,
:func:`queue_enrichment`), 56–72 % of the top 50 rows of this queue are wrongly tagged against
14–15 % of random rows: 4.1–4.9 times as many (three fold seeds; tests/test_review.py). Ranking by
the distance to a threshold alone (42 %) or by the disagreement alone (32 %) finds fewer errors;
the disagreement term adds little to p_wrong, but it flags rows whose two signals tell different
stories, which is worth a look.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecs_tagger.corrections import (
    ACTION_ACCEPT,
    BeforeMode,
    Correction,
    CorrectionStore,
    RetrainReport,
    retrain_with_corrections,
    text_hash,
)
from ecs_tagger.errors import InputError
from ecs_tagger.regions import split_regions
from ecs_tagger.results import TagResult
from ecs_tagger.taxonomy import Taxonomy

if TYPE_CHECKING:
    from ecs_tagger.index import RegistryIndex
    from ecs_tagger.tagger import Tagger
    from ecs_tagger.training import TrainSettings

#: The "area" of rows without any tag, in filters.
NO_AREA = "none"
#: Rows whose chance of at least one wrong tag is at least this are "uncertain".
UNCERTAIN_P = 0.2
#: Weight of the signal disagreement in the review priority.
DISAGREEMENT_WEIGHT = 0.25
#: Background colours of the areas' evidence, in taxonomy order (cycled).
AREA_COLOURS = ("#b7e4c7", "#ffd6a5", "#a0c4ff", "#ffadad", "#fdffb6", "#d0bfff")

REVIEW_NOT_REVIEWED = "not reviewed"
REVIEW_ACCEPTED = "accepted"
REVIEW_CORRECTED = "corrected"
REVIEW_STALE = "text changed"

# Column names, lower-cased, a coordinator's file may use (Swedish and English).
_ID_NAMES = ("id", "projekt_id", "projektid", "project_id", "projectid", "diarienummer",
             "ärendenummer", "arendenummer", "projektnummer")
_TITLE_NAMES = ("titel", "title", "projektnamn", "projekttitel", "project_name", "namn", "name")
_BODY_NAMES = ("text", "beskrivning", "description", "projektbeskrivning", "sammanfattning",
               "summary", "abstract", "syfte")
_REGION_NAMES = ("region", "regions", "län", "lan", "county", "nuts3", "regioner")
_ACTOR_NAMES = ("aktör", "aktor", "actor", "stödmottagare", "stodmottagare", "beneficiary",
                "organisation", "organization", "projektägare")
_FUNDING_NAMES = ("funding", "beviljat", "beviljat_belopp", "granted_sek", "stöd", "belopp",
                  "budget")

#: Columns `load_registry` writes; other columns of a file are kept beside them.
REGISTRY_COLUMNS = ("id", "title", "text", "regions", "actor", "funding")


# -- loading -----------------------------------------------------------------------------------------
def _find(columns: Sequence[str], names: Sequence[str]) -> str | None:
    lowered = {str(c).strip().casefold(): str(c) for c in columns}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _join(cells: Iterable[Any]) -> str | None:
    parts = [str(c).strip() for c in cells if not _blank(c)]
    return "\n".join(parts) if parts else None


def _funding(value: Any) -> float:
    if _blank(value):
        return math.nan
    try:
        return float(str(value).replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except ValueError:
        return math.nan


def _title(text: str | None) -> str:
    if not text:
        return ""
    first = text.strip().split("\n", 1)[0].strip()
    return first if len(first) <= 120 else first[:117] + "…"


def load_registry(
    path: str | Path | None = None,
    *,
    text_cols: Sequence[str] | str | None = None,
    id_col: str | None = None,
    region_col: str | None = None,
    actor_col: str | None = None,
    funding_col: str | None = None,
    sheet: str | None = None,
    limit: int | None = None,
    oms_only: bool = True,
    corpus_root: Path | None = None,
) -> pd.DataFrame:
    """A registry as a frame with ``id``, ``title``, ``text``, ``regions``, ``actor``, ``funding``.

    Without `path`: the Projektbanken projects of the shared corpus, those of Östra Mellansverige
    (``oms``) unless `oms_only` is False (then all, those of Östra Mellansverige first). With `path`: a CSV, Excel, JSONL or Parquet file (read
    by :func:`ecs_tagger.tables.read_table`); columns not named are found by their usual names
    (``titel``/``title`` and ``beskrivning``/``description`` for the text, ``projekt_id``/``id``,
    ``län``/``region``, ``stödmottagare``/``beneficiary``, ...). Several text columns are joined
    with a new line. Rows without an id get ``row-<number>``; ids must be unique (reviews are
    stored by id). `limit` keeps the first rows only. Other columns of the file are kept.
    """
    if path is None:
        from ecs_tagger.corpus import load_projektbanken

        source = load_projektbanken(corpus_root)
        in_oms = source["oms"].fillna(False).astype(bool)
        # Östra Mellansverige first: `limit` keeps its projects.
        source = source[in_oms] if oms_only else pd.concat([source[in_oms], source[~in_oms]])
        text_cols, id_col = ["title", "description"], "id"
        region_col, actor_col, funding_col = "county", "beneficiary", "granted_sek"
    else:
        from ecs_tagger.tables import read_table

        source = read_table(path, sheet=sheet)
    source = source.reset_index(drop=True)
    if limit is not None and limit > 0:
        source = source.head(int(limit))
    columns = [str(c) for c in source.columns]
    source.columns = pd.Index(columns)
    if isinstance(text_cols, str):
        text_cols = [text_cols]
    if not text_cols:
        found = [c for c in (_find(columns, _TITLE_NAMES), _find(columns, _BODY_NAMES)) if c]
        if not found:
            raise InputError(
                f"{path}: no text column found among {', '.join(columns)}; name it in the "
                "notebook's first cell (TEXT_COLUMNS = ['title', 'description'])"
            )
        text_cols = found
    id_col = id_col or _find(columns, _ID_NAMES)
    region_col = region_col or _find(columns, _REGION_NAMES)
    actor_col = actor_col or _find(columns, _ACTOR_NAMES)
    funding_col = funding_col or _find(columns, _FUNDING_NAMES)
    for name in [*text_cols, id_col, region_col, actor_col, funding_col]:
        if name is not None and name not in source.columns:
            raise InputError(f"{path or 'registry'}: no column {name!r} (columns: {', '.join(columns)})")
    texts = [_join(cells) for cells in zip(*(source[c] for c in text_cols), strict=True)]
    ids = (
        [f"row-{i + 1}" if _blank(v) else str(v).strip() for i, v in enumerate(source[id_col])]
        if id_col
        else [f"row-{i + 1}" for i in range(len(source))]
    )
    counts = pd.Series(ids).value_counts()
    repeated = counts[counts > 1]
    if len(repeated):
        raise InputError(
            f"{path or 'registry'}: ids must be unique (reviews are stored by id); repeated: "
            + ", ".join(f"{i} ({n}×)" for i, n in repeated.head(5).items())
        )
    frame = pd.DataFrame(
        {
            "id": ids,
            "title": [_title(t) for t in texts],
            "text": pd.Series(texts, dtype=object),
            "regions": [split_regions(v) for v in source[region_col]] if region_col
            else [()] * len(source),
            "actor": [None if _blank(v) else str(v).strip() for v in source[actor_col]]
            if actor_col else [None] * len(source),
            "funding": [_funding(v) for v in source[funding_col]] if funding_col
            else [math.nan] * len(source),
        }
    )
    kept = [c for c in columns if c not in REGISTRY_COLUMNS and c not in frame.columns]
    return pd.concat([frame, source[kept]], axis=1)


def index_registry(
    registry: pd.DataFrame,
    tagger: Tagger,
    directory: str | Path | None = None,
    *,
    progress: Callable[[int], None] | None = None,
) -> RegistryIndex:
    """A :class:`ecs_tagger.index.RegistryIndex` of a registry from :func:`load_registry` (for
    similar initiatives). With `directory`, the index is saved there and reused next time: only
    new or changed rows are embedded again."""
    from ecs_tagger.index import RegistryIndex, build_or_update

    frame = registry.assign(region_text=registry["regions"].map(", ".join))
    columns = (["text"], "id", "region_text", "actor", "funding")
    if directory is not None:
        return build_or_update(directory, frame, tagger, *columns, progress=progress)
    return RegistryIndex.build(frame, tagger, *columns, progress=progress)


# -- uncertainty --------------------------------------------------------------------------------------
def error_probabilities(
    probabilities: np.ndarray, thresholds: np.ndarray, decided: np.ndarray | None = None
) -> np.ndarray:
    """Per row and area, the chance that the tagger's decision is wrong (calibrated scores).

    `decided` (boolean, default ``probabilities >= thresholds``) is the tagger's decision.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    if decided is None:
        decided = probabilities >= np.asarray(thresholds, dtype=float)
    return np.where(decided, 1.0 - probabilities, probabilities)


def row_error_probability(area_errors: np.ndarray) -> np.ndarray:
    """The chance that a row holds at least one wrong decision (NaN rows stay NaN)."""
    area_errors = np.atleast_2d(np.asarray(area_errors, dtype=float))
    return 1.0 - np.prod(1.0 - area_errors, axis=1)


def signal_disagreement(embedding: np.ndarray, lexical: np.ndarray) -> np.ndarray:
    """Per row, the largest gap between the embedding-only and the lexical-only probability."""
    gap = np.abs(np.asarray(embedding, dtype=float) - np.asarray(lexical, dtype=float))
    return np.atleast_2d(gap).max(axis=1)


def review_priority(
    probabilities: np.ndarray,
    thresholds: np.ndarray,
    embedding: np.ndarray | None = None,
    lexical: np.ndarray | None = None,
    *,
    decided: np.ndarray | None = None,
    disagreement_weight: float = DISAGREEMENT_WEIGHT,
) -> np.ndarray:
    """The review queue's ordering score: p_wrong + weight × signal disagreement (higher first)."""
    priority = row_error_probability(error_probabilities(probabilities, thresholds, decided))
    if embedding is not None and lexical is not None and disagreement_weight:
        priority = priority + disagreement_weight * signal_disagreement(embedding, lexical)
    return priority


def explain_uncertainty(
    codes: Sequence[str],
    scores: Sequence[float] | np.ndarray,
    thresholds: Sequence[float] | np.ndarray,
    areas: Iterable[str],
    embedding: Sequence[float] | np.ndarray | None = None,
    lexical: Sequence[float] | np.ndarray | None = None,
) -> str:
    """Why a row is (un)certain, in a few words: the closest call and any signal disagreement."""
    tagged = set(areas)
    values = np.asarray(scores, dtype=float)
    if not np.isfinite(values).all():
        return "not tagged (no text)"
    limits = np.asarray(thresholds, dtype=float)
    decided = np.array([c in tagged for c in codes])
    errors = error_probabilities(values, limits, decided)
    parts: list[str] = []
    worst = int(np.argmax(errors))
    if errors[worst] >= 0.1:
        verdict = "tagged" if decided[worst] else "not tagged"
        parts.append(
            f"{codes[worst]} {verdict}: score {values[worst]:.2f}, threshold {limits[worst]:.2f}"
        )
    if embedding is not None and lexical is not None:
        gaps = np.abs(np.asarray(embedding, dtype=float) - np.asarray(lexical, dtype=float))
        split = int(np.argmax(gaps))
        if gaps[split] >= 0.3:
            parts.append(
                f"{codes[split]}: meaning says {embedding[split]:.2f}, words say {lexical[split]:.2f}"
            )
    return "; ".join(parts) if parts else "clear"


# -- tagging a registry -------------------------------------------------------------------------------
@dataclass
class TaggedRegistry:
    """A registry with the tagger's tags, scores, signals, review priority and evidence.

    `frame` holds the registry's columns and ``areas`` (tuple), ``score_<code>``,
    ``embedding_<code>`` and ``lexical_<code>`` (each signal's own probability), ``p_wrong``,
    ``disagreement``, ``priority``, ``reason``, ``language`` and ``tag_status``; `results` the
    :class:`TagResult` of every id (with evidence when asked for).
    """

    frame: pd.DataFrame
    results: dict[str, TagResult]
    tagger: Tagger
    thresholds: dict[str, float]

    @property
    def taxonomy(self) -> Taxonomy:
        return self.tagger.taxonomy

    @property
    def codes(self) -> tuple[str, ...]:
        return self.tagger.codes

    @property
    def model_version(self) -> str:
        return self.tagger.model_version

    @property
    def texts(self) -> pd.Series:
        """id -> text, for every row."""
        return pd.Series(self.frame["text"].tolist(), index=self.frame["id"].tolist(), dtype=object)

    @property
    def areas(self) -> dict[str, tuple[str, ...]]:
        """id -> the tagger's areas."""
        return dict(zip(self.frame["id"], self.frame["areas"], strict=True))

    def __len__(self) -> int:
        return len(self.frame)

    def row(self, ident: str) -> pd.Series:
        rows = self.frame.index[self.frame["id"] == str(ident)]
        if not len(rows):
            raise InputError(f"id {ident!r} is not in this registry")
        return self.frame.loc[rows[0]]

    def regions(self) -> list[str]:
        """Every region of the registry, most rows first."""
        counts = pd.Series([r for regions in self.frame["regions"] for r in regions], dtype=object)
        return [str(r) for r in counts.value_counts().index]

    def evidence_html(self, ident: str, **options: Any) -> str:
        """The row's text with the sentences supporting each tag marked (see :func:`evidence_html`)."""
        row = self.row(ident)
        return evidence_html(
            self.results[str(ident)], self.taxonomy, title=f"{row['id']}: {row['title']}",
            thresholds=self.thresholds, **options,
        )


def tag_registry(
    registry: pd.DataFrame,
    tagger: Tagger,
    *,
    evidence: bool = True,
    progress: Callable[[int], None] | None = None,
) -> TaggedRegistry:
    """Tag every row of a registry (from :func:`load_registry`) and rank it for review."""
    for column in ("id", "text"):
        if column not in registry.columns:
            raise InputError(f"the registry has no column {column!r}; load it with load_registry()")
    codes = tagger.codes
    frame = registry.reset_index(drop=True).copy()
    frame["id"] = frame["id"].astype(str)
    texts = frame["text"].tolist()
    results = tagger.tag_many(texts, evidence=evidence, progress=progress)
    thresholds = np.asarray(tagger.classifier.thresholds_, dtype=float)
    n, k = len(frame), len(codes)
    scores = np.array([[r.scores.get(c, math.nan) for c in codes] for r in results], dtype=float)
    scores = scores.reshape(n, k)
    decided = np.array([[c in r.areas for c in codes] for r in results], dtype=bool).reshape(n, k)
    embedding = np.full((n, k), math.nan)
    lexical = np.full((n, k), math.nan)
    tagged_rows = [i for i, r in enumerate(results) if r.tagged]
    if tagged_rows:
        documents = tagger.preprocessor.process_many([str(texts[i]) for i in tagged_rows])
        features = tagger.features(documents)
        emb, lex = tagger.classifier.signal_probabilities(features)
        embedding[tagged_rows], lexical[tagged_rows] = emb, lex
    area_errors = error_probabilities(scores, thresholds, decided)
    p_wrong = row_error_probability(area_errors)
    disagreement = signal_disagreement(embedding, lexical)
    frame["areas"] = [r.areas for r in results]
    for j, code in enumerate(codes):
        frame[f"score_{code}"] = scores[:, j]
    for j, code in enumerate(codes):
        frame[f"embedding_{code}"] = np.round(embedding[:, j], 4)
        frame[f"lexical_{code}"] = np.round(lexical[:, j], 4)
    frame["p_wrong"] = np.round(p_wrong, 4)
    frame["disagreement"] = np.round(disagreement, 4)
    frame["priority"] = np.round(p_wrong + DISAGREEMENT_WEIGHT * disagreement, 4)
    frame["reason"] = [
        explain_uncertainty(codes, scores[i], thresholds, results[i].areas, embedding[i], lexical[i])
        for i in range(n)
    ]
    frame["language"] = [r.language for r in results]
    frame["tag_status"] = [r.status_text for r in results]
    return TaggedRegistry(
        frame=frame,
        results={ident: result for ident, result in zip(frame["id"], results, strict=True)},
        tagger=tagger,
        thresholds={c: float(t) for c, t in zip(codes, thresholds, strict=True)},
    )


# -- filtering and showing ----------------------------------------------------------------------------
def filter_rows(
    frame: pd.DataFrame,
    *,
    region: str | None = None,
    area: str | None = None,
    score_range: tuple[float, float] = (0.0, 1.0),
    uncertain_only: bool = False,
    min_p_wrong: float = UNCERTAIN_P,
    review_status: str | None = None,
) -> pd.DataFrame:
    """The rows of a tagged (or reviewed) frame that pass the filters; ``None`` means any.

    `area` is an area code (rows tagged with it; `score_range` then applies to its score) or
    ``"none"`` (rows without tags; `score_range` applies to their highest score); with no
    `area`, `score_range` applies to a row's highest score. `uncertain_only` keeps rows whose
    chance of a wrong tag is at least `min_p_wrong`. `review_status` filters on the
    ``review_status`` column of :meth:`ReviewSession.reviewed_frame`.
    """
    keep = np.ones(len(frame), dtype=bool)
    if region:
        keep &= frame["regions"].map(lambda regions: region in regions).to_numpy(bool)
    score_columns = [c for c in frame.columns if str(c).startswith("score_")]
    low, high = score_range
    if area and area != NO_AREA:
        column = f"score_{area}"
        if column not in frame.columns:
            raise InputError(f"unknown area {area!r}; areas: {', '.join(c[6:] for c in score_columns)}")
        keep &= frame["areas"].map(lambda areas: area in areas).to_numpy(bool)
        values = frame[column].to_numpy(float)
    else:
        if area == NO_AREA:
            keep &= frame["areas"].map(lambda areas: len(areas) == 0).to_numpy(bool)
        values = frame[score_columns].max(axis=1).to_numpy(float) if score_columns else np.zeros(len(frame))
    if (low, high) != (0.0, 1.0):
        keep &= np.nan_to_num(values, nan=-1.0) >= low
        keep &= np.nan_to_num(values, nan=2.0) <= high
    if uncertain_only:
        keep &= frame["p_wrong"].fillna(0.0).to_numpy(float) >= min_p_wrong
    if review_status:
        keep &= (frame["review_status"] == review_status).to_numpy(bool)
    return frame[keep]


def area_names(taxonomy: Taxonomy, language: str = "en") -> dict[str, str]:
    """code -> the area's label in `language` ("sv" or "en")."""
    return {area.code: area.label(language) for area in taxonomy}


def display_table(frame: pd.DataFrame, codes: Sequence[str], *, text_chars: int = 80) -> pd.DataFrame:
    """A compact view for people: id, regions, title, tags, scores, chance of error, reason, review."""
    out = pd.DataFrame(
        {
            "id": frame["id"],
            "regions": frame["regions"].map(", ".join),
            "title": frame["title"].map(lambda t: t if len(t) <= text_chars else t[: text_chars - 1] + "…"),
            "tags": frame["areas"].map(lambda a: ", ".join(a) if a else "–"),
        }
    )
    for code in codes:
        out[code] = frame[f"score_{code}"].round(2)
    out["chance wrong"] = (frame["p_wrong"] * 100).round(0)
    out["why"] = frame["reason"]
    for column in ("review_status", "final_areas", "comment"):
        if column in frame.columns:
            values = frame[column]
            out[column.replace("_", " ")] = (
                values.map(lambda a: ", ".join(a) if a else "–") if column == "final_areas" else values
            )
    return out.set_index("id")


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
    parts: list[str] = ['<div class="ecs-evidence" style="font-family: sans-serif; line-height: 1.45">']
    if title:
        parts.append(f"<h4 style='margin: 0.3em 0'>{html.escape(title)}</h4>")
    if not result.tagged:
        parts.append(f"<p><em>Not tagged: {html.escape(result.status_text)}</em></p></div>")
        return "".join(parts)
    header: list[str] = []
    for code in taxonomy.codes:
        score = result.scores.get(code, math.nan)
        threshold = f" (tag from {thresholds[code]:.2f})" if thresholds and code in thresholds else ""
        if code in result.areas:
            terms = ", ".join(t.term for t in result.evidence[code].terms) if code in result.evidence else ""
            header.append(
                f"<li><mark style='background:{_colour(taxonomy, code)}'><b>{html.escape(names[code])}"
                f"</b></mark> score {score:.2f}{threshold}"
                + (f" — key words: <i>{html.escape(terms)}</i>" if terms else "") + "</li>"
            )
        else:
            header.append(
                f"<li style='color:#666'>{html.escape(names[code])}: score {score:.2f}{threshold}"
                " — not tagged</li>"
            )
    if not result.areas:
        parts.append("<p><b>No area tagged.</b></p>")
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
        + "".join(body) + "</div></div>"
    )
    return "".join(parts)


def marked_sentences(evidence_markup: str) -> list[str]:
    """The texts inside the <mark> elements of :func:`evidence_html`'s body (for tests, exports)."""
    body = evidence_markup.split("pre-wrap", 1)[-1]
    return [html.unescape(m) for m in re.findall(r"<mark data-areas=[^>]*>(.*?)</mark>", body, re.S)]


# -- the review session --------------------------------------------------------------------------------
class ReviewSession:
    """Reviews of one tagged registry, stored in a corrections file; what the widgets call.

    Re-opening a session on the same file shows what was reviewed before: the latest review of
    each id counts, unless the row's text has changed since (status ``text changed``).
    """

    def __init__(self, tagged: TaggedRegistry, store: CorrectionStore, reviewer: str = "") -> None:
        self.tagged = tagged
        self.store = store
        self.reviewer = reviewer

    def __repr__(self) -> str:
        return f"ReviewSession({len(self.tagged)} rows, {self.store!r}, reviewer={self.reviewer!r})"

    # -- recording -------------------------------------------------------------------------------
    def _record(self, ident: str, areas: Iterable[str], comment: str, reviewer: str | None,
                action: str | None = None) -> Correction:
        row = self.tagged.row(ident)
        return self.store.record(
            str(ident), text=row["text"], old_areas=row["areas"], new_areas=areas,
            reviewer=reviewer if reviewer is not None else self.reviewer, comment=comment,
            action=action, model_version=self.tagged.model_version,
        )

    def accept(self, ident: str, comment: str = "", reviewer: str | None = None) -> Correction:
        """The tagger's tags of `ident` are right."""
        return self._record(ident, self.tagged.row(ident)["areas"], comment, reviewer, ACTION_ACCEPT)

    def set_areas(self, ident: str, areas: Iterable[str], comment: str = "",
                  reviewer: str | None = None) -> Correction:
        """The right areas of `ident` are `areas` (codes; empty for none of them)."""
        return self._record(ident, areas, comment, reviewer)

    def withdraw(self, ident: str, comment: str = "", reviewer: str | None = None) -> Correction:
        """Take back the review of `ident`."""
        self.tagged.row(ident)
        return self.store.withdraw(str(ident), reviewer=reviewer if reviewer is not None
                                   else self.reviewer, comment=comment)

    # -- reading ---------------------------------------------------------------------------------
    def reviews(self) -> dict[str, Correction]:
        """The current review of every id of this registry."""
        ids = set(self.tagged.frame["id"])
        return {i: c for i, c in self.store.latest().items() if i in ids}

    def status(self) -> pd.DataFrame:
        """Per registry row: review_status, reviewed_areas, final_areas, reviewer, review_time,
        comment (index aligned with the tagged frame)."""
        reviews = self.reviews()
        rows: list[dict[str, Any]] = []
        for ident, text, areas in zip(self.tagged.frame["id"], self.tagged.frame["text"],
                                      self.tagged.frame["areas"], strict=True):
            review = reviews.get(ident)
            if review is None:
                rows.append({"review_status": REVIEW_NOT_REVIEWED, "reviewed_areas": None,
                             "final_areas": areas, "reviewer": "", "review_time": "", "comment": ""})
                continue
            stale = bool(review.text_hash) and review.text_hash != text_hash(text)
            state = REVIEW_STALE if stale else (
                REVIEW_ACCEPTED if review.action == ACTION_ACCEPT and not review.changed
                else REVIEW_CORRECTED)
            rows.append({
                "review_status": state, "reviewed_areas": review.new_areas,
                "final_areas": areas if stale else review.new_areas, "reviewer": review.reviewer,
                "review_time": review.time, "comment": review.comment,
            })
        return pd.DataFrame(rows, index=self.tagged.frame.index)

    def reviewed_frame(self) -> pd.DataFrame:
        """The tagged frame with the review columns of :meth:`status`."""
        return pd.concat([self.tagged.frame, self.status()], axis=1)

    def reviewed(self) -> pd.DataFrame:
        """The reviewed rows (accepted, corrected, or with a text changed since), latest first."""
        frame = self.reviewed_frame()
        frame = frame[frame["review_status"] != REVIEW_NOT_REVIEWED]
        return frame.sort_values("review_time", ascending=False, kind="stable")

    def queue(self, n: int | None = 50, *, include_reviewed: bool = False) -> pd.DataFrame:
        """Rows to review, most likely wrong first (rows without text are left out)."""
        frame = self.reviewed_frame()
        frame = frame[frame["p_wrong"].notna()]
        if not include_reviewed:
            frame = frame[frame["review_status"].isin([REVIEW_NOT_REVIEWED, REVIEW_STALE])]
        frame = frame.sort_values(["priority", "id"], ascending=[False, True], kind="stable")
        return frame.head(n) if n is not None else frame

    def summary(self) -> str:
        status = self.status()["review_status"].value_counts()
        tagged = int(self.tagged.frame["p_wrong"].notna().sum())
        done = int(status.get(REVIEW_ACCEPTED, 0) + status.get(REVIEW_CORRECTED, 0))
        text = (f"{done} of {tagged} tagged rows reviewed: {int(status.get(REVIEW_ACCEPTED, 0))} "
                f"accepted, {int(status.get(REVIEW_CORRECTED, 0))} corrected")
        if status.get(REVIEW_STALE, 0):
            text += f"; {int(status[REVIEW_STALE])} reviewed rows whose text has changed since"
        return text + f" (file {self.store.path})."

    # -- learning ----------------------------------------------------------------------------------
    def retrain(
        self,
        *,
        data: pd.DataFrame | None = None,
        extra: pd.DataFrame | None = None,
        cross_validation: bool = True,
        before: BeforeMode = "auto",
        weight: float | None = None,
        settings: TrainSettings | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> RetrainReport:
        """Retrain the tagger on its training data plus this registry's reviews (see
        :func:`ecs_tagger.corrections.retrain_with_corrections`)."""
        from ecs_tagger.corrections import DEFAULT_WEIGHT

        return retrain_with_corrections(
            self.tagged.tagger, self.reviews(), self.tagged.texts, data=data, extra=extra,
            weight=DEFAULT_WEIGHT if weight is None else weight,
            cross_validation=cross_validation, before=before,
            settings=settings, old_areas=self.tagged.areas, progress=progress,
        )


# -- measuring the queue on labelled data -------------------------------------------------------------
@dataclass
class OutOfFold:
    """Out-of-fold scores of labelled rows: what the queue would see on unseen texts."""

    ids: list[str]
    codes: tuple[str, ...]
    labels: np.ndarray
    probabilities: np.ndarray
    embedding: np.ndarray
    lexical: np.ndarray
    thresholds: np.ndarray  # per row: the thresholds of the fold that scored it

    @property
    def predicted(self) -> np.ndarray:
        return self.probabilities >= self.thresholds

    @property
    def area_errors(self) -> np.ndarray:
        """Boolean rows × areas: wrong decisions."""
        return self.predicted != self.labels

    @property
    def row_errors(self) -> np.ndarray:
        """Boolean per row: at least one wrong decision."""
        return np.asarray(self.area_errors.any(axis=1), dtype=bool)

    def priority(self, disagreement_weight: float = DISAGREEMENT_WEIGHT) -> np.ndarray:
        return review_priority(self.probabilities, self.thresholds, self.embedding, self.lexical,
                               disagreement_weight=disagreement_weight)


def out_of_fold(
    data: pd.DataFrame,
    extra: pd.DataFrame | None = None,
    *,
    settings: TrainSettings | None = None,
    taxonomy: Taxonomy | None = None,
    progress: Callable[[int], None] | None = None,
) -> OutOfFold:
    """Cross-validate like `Tagger.train` and keep, for every scored row, the stacked and the
    two signal probabilities and its fold's thresholds (rows of `extra` only train)."""
    from ecs_tagger.classifier import AreaFeatures, folds_for
    from ecs_tagger.embedding.encoder import Embedder
    from ecs_tagger.preprocess import Preprocessor
    from ecs_tagger.taxonomy import default_taxonomy
    from ecs_tagger.training import (
        TrainingSet,
        TrainSettings,
        combine_training_frames,
        fit_classifier,
        prepare,
    )

    taxonomy = taxonomy or default_taxonomy()
    settings = settings or TrainSettings()
    frame = combine_training_frames(data, extra)
    training = TrainingSet.from_frame(frame, taxonomy)
    prepared = prepare(training.texts, Preprocessor(settings.preprocess), Embedder(settings.embedder),
                       progress)
    n, k = len(training.texts), len(taxonomy)
    arrays = {name: np.full((n, k), np.nan) for name in ("p", "e", "l", "t")}
    folds = folds_for(np.asarray(training.labels.any(axis=1)), training.groups, settings.cv_folds,
                      settings.random_state)
    for train, test in folds:
        lexical, classifier = fit_classifier(prepared, training.labels, settings, train,
                                             training.weights, training.groups)
        features = AreaFeatures(prepared.embeddings[test],
                                lexical.transform([prepared.documents[i].lemmas for i in test]))
        arrays["p"][test] = classifier.predict_proba(features)
        arrays["e"][test], arrays["l"][test] = classifier.signal_probabilities(features)
        arrays["t"][test] = classifier.thresholds_
    scored = training.evaluate
    ids = frame["id"].astype(str).tolist() if "id" in frame.columns else [str(i) for i in range(n)]
    return OutOfFold(
        ids=[i for i, s in zip(ids, scored, strict=True) if s], codes=taxonomy.codes,
        labels=training.labels[scored], probabilities=arrays["p"][scored],
        embedding=arrays["e"][scored], lexical=arrays["l"][scored], thresholds=arrays["t"][scored],
    )


@dataclass(frozen=True)
class QueueEnrichment:
    """How many wrongly tagged rows the top of a ranking holds, against random samples."""

    k: int
    rows: int
    queue_error_rate: float
    base_error_rate: float
    random_error_rate: float
    random_error_rate_p95: float
    queue_area_errors: int
    random_area_errors: float

    @property
    def enrichment(self) -> float:
        """Error rate of the queue's top k over the error rate of all rows."""
        return self.queue_error_rate / self.base_error_rate if self.base_error_rate else math.inf

    def format(self) -> str:
        return (
            f"top {self.k} of {self.rows}: {self.queue_error_rate:.0%} of rows wrongly tagged "
            f"({self.queue_area_errors} wrong tags) vs {self.random_error_rate:.0%} in random "
            f"samples of {self.k} (95th percentile {self.random_error_rate_p95:.0%}; "
            f"{self.random_area_errors:.1f} wrong tags): {self.enrichment:.1f}× enrichment"
        )


def queue_enrichment(
    oof: OutOfFold,
    k: int = 50,
    *,
    scores: np.ndarray | None = None,
    samples: int = 2000,
    seed: int = 0,
) -> QueueEnrichment:
    """Error rate of the `k` rows with the highest `scores` (default: the review priority) next
    to that of `samples` random samples of `k` rows."""
    ranking = oof.priority() if scores is None else np.asarray(scores, dtype=float)
    errors = oof.row_errors
    area_errors = oof.area_errors.sum(axis=1)
    order = np.argsort(-ranking, kind="stable")[:k]
    rng = np.random.default_rng(seed)
    picks = np.array([rng.choice(len(errors), size=k, replace=False) for _ in range(samples)])
    random_rates = errors[picks].mean(axis=1)
    return QueueEnrichment(
        k=k, rows=len(errors), queue_error_rate=float(errors[order].mean()),
        base_error_rate=float(errors.mean()), random_error_rate=float(random_rates.mean()),
        random_error_rate_p95=float(np.percentile(random_rates, 95)),
        queue_area_errors=int(area_errors[order].sum()),
        random_area_errors=float(area_errors[picks].sum(axis=1).mean()),
    )


__all__ = [
    "NO_AREA",
    "REVIEW_ACCEPTED",
    "REVIEW_CORRECTED",
    "REVIEW_NOT_REVIEWED",
    "REVIEW_STALE",
    "UNCERTAIN_P",
    "OutOfFold",
    "QueueEnrichment",
    "ReviewSession",
    "TaggedRegistry",
    "area_names",
    "display_table",
    "error_probabilities",
    "evidence_html",
    "explain_uncertainty",
    "filter_rows",
    "index_registry",
    "load_registry",
    "marked_sentences",
    "out_of_fold",
    "queue_enrichment",
    "review_priority",
    "row_error_probability",
    "signal_disagreement",
    "tag_registry",
]
