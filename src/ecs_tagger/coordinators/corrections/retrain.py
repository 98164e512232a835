"""Retraining the tagger with reviewers' corrections, and the report that compares the tagger
before and after (cross-validated metrics, tags of the registry that changed; the report itself is
:mod:`ecs_tagger.coordinators.corrections.report`, re-exported here).

>>> print(estimate_retraining(tagger, store.latest(), registry_texts).words("sv"))  # how long
>>> report = retrain_with_corrections(tagger, store.latest(), registry_texts)

Retraining (:func:`retrain_with_corrections`) adds the reviewed rows to the training data as extra
rows (weight 2 by default, never scored in the cross-validation); a reviewed id that is already a
training id has its label replaced instead (and so do its parallel texts, e.g. the English
abstract of a SweCRIS record, found by their ``group``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ecs_tagger.coordinators.corrections.report import (
    CorrectedTraining,
    RetrainReport,
    change_in_words,
    change_interval,
)
from ecs_tagger.coordinators.corrections.store import ACTION_WITHDRAW, Correction, text_hash
from ecs_tagger.words import duration, number, say

if TYPE_CHECKING:
    from ecs_tagger.model.metrics import MultiLabelReport
    from ecs_tagger.model.training import TrainSettings
    from ecs_tagger.tagger import Tagger

#: Weight of a reviewed row in training (the corpus labels weigh 1).
DEFAULT_WEIGHT = 2.0


def apply_corrections(
    data: pd.DataFrame,
    extra: pd.DataFrame | None,
    corrections: Mapping[str, Correction] | Iterable[Correction],
    texts: Mapping[str, Any] | pd.Series,
    *,
    weight: float = DEFAULT_WEIGHT,
    include_accepted: bool = True,
    text_col: str = "text",
    labels_col: str = "areas",
    id_col: str = "id",
) -> CorrectedTraining:
    """Fold reviews into training data (`data`: scored rows, `extra`: rows only trained on).

    A reviewed id found among the training ids (or as the ``group`` of training rows, such as a
    translation) gets its label replaced and its weight raised to `weight`. Any other reviewed
    id becomes an extra row with the text of `texts` (id -> registry text), weight `weight`,
    ``evaluate=False`` and its own CV group; it is skipped when `texts` lacks it or its text
    changed since the review (the text hash differs). Accepted tags count as labels too
    (`include_accepted`): a reviewer confirmed them.
    """
    reviews = list(corrections.values()) if isinstance(corrections, Mapping) else list(corrections)
    latest = {c.id: c for c in reviews if c.action != ACTION_WITHDRAW}
    data = data.copy()
    extra = extra.copy() if extra is not None else data.iloc[0:0].copy()
    for frame in (data, extra):
        if "weight" not in frame.columns:
            frame["weight"] = 1.0
        if "group" not in frame.columns:
            frame["group"] = frame[id_col].astype(str)
    extra["evaluate"] = extra["evaluate"] if "evaluate" in extra.columns else False
    lookup = texts.to_dict() if isinstance(texts, pd.Series) else dict(texts)
    result = CorrectedTraining(data, extra)
    new_rows: list[dict[str, Any]] = []
    for ident, review in latest.items():
        if not review.changed and not include_accepted:
            result.skipped[ident] = "accepted tags left out (include_accepted=False)"
            continue
        areas = list(review.new_areas)
        hit = False
        for frame in (result.data, result.extra):
            rows = (frame[id_col].astype(str) == ident) | (frame["group"].astype(str) == ident)
            if rows.any():
                hit = True
                frame.loc[rows, labels_col] = pd.Series(
                    [areas] * int(rows.sum()), index=frame.index[rows], dtype=object
                )
                raised = np.maximum(frame.loc[rows, "weight"].astype(float), weight)
                frame.loc[rows, "weight"] = raised
        if hit:
            result.replaced.append(ident)
            continue
        text = lookup.get(ident)
        if not isinstance(text, str) or not text.strip():
            result.skipped[ident] = "not in the registry loaded (no text to train on)"
            continue
        if review.text_hash and text_hash(text) != review.text_hash:
            result.skipped[ident] = "the text changed since it was reviewed"
            continue
        new_rows.append(
            {
                id_col: ident,
                text_col: text,
                labels_col: areas,
                "group": ident,
                "weight": weight,
                "evaluate": False,
            }
        )
        result.added.append(ident)
    if new_rows:
        added = pd.DataFrame(new_rows)
        result.extra = (
            pd.concat([result.extra, added], ignore_index=True) if len(result.extra) else added
        )
    return result


def settings_of(tagger: Tagger) -> TrainSettings:
    """The training settings stored in a tagger's manifest (to retrain it the same way). A tagger
    with tuned encoder layers keeps them as they are: retraining refits the classifier on their
    vectors and does not tune again (`finetune` is None)."""
    from ecs_tagger.model.training import TrainSettings

    settings = TrainSettings.from_dict(dict(tagger.manifest.get("settings", {})))
    return replace(settings, finetune=None)


def training_hash(
    data: pd.DataFrame,
    extra: pd.DataFrame | None,
    text_col: str = "text",
    labels_col: str = "areas",
) -> str:
    """The sha256 `Tagger.train` records for this training data (to match stored metrics)."""
    from ecs_tagger.corpus import data_hash

    frame = data.copy()
    if "evaluate" not in frame.columns:
        frame["evaluate"] = True
    if extra is not None and len(extra):
        frame = pd.concat([frame, extra], ignore_index=True)
    return data_hash(frame.assign(_areas=frame[labels_col].astype(str)), [text_col, "_areas"])


BeforeMode = Literal["auto", "stored", "recompute", "none"]


def _announce_total(progress: Callable[[int], None] | None, total: int) -> None:
    """Tell a progress callback with a ``set_total(n)`` method (e.g. the notebooks' ProgressBar)
    how many texts the retraining will report, so that it can show n of N."""
    set_total = getattr(progress, "set_total", None)
    if callable(set_total):
        set_total(total)


def _areas_of(tagger: Tagger, texts: list[Any]) -> list[tuple[str, ...]]:
    return [r.areas for r in tagger.tag_many(texts)]


def base_label_files(base: Tagger) -> list[str]:
    """The corpus labels files a retraining of `base` reads: those `base` learned from (as its
    manifest records them), else those of the shipped recipe."""
    from ecs_tagger.model.recipes import shipped_label_files

    learned = base.manifest.get("training_data", {}).get("label_files")
    return sorted(learned) if learned else shipped_label_files()


def retrain_with_corrections(
    base: Tagger,
    corrections: Mapping[str, Correction] | Iterable[Correction],
    registry_texts: Mapping[str, Any] | pd.Series,
    *,
    data: pd.DataFrame | None = None,
    extra: pd.DataFrame | None = None,
    weight: float = DEFAULT_WEIGHT,
    include_accepted: bool = True,
    cross_validation: bool = True,
    before: BeforeMode = "auto",
    settings: TrainSettings | None = None,
    old_areas: Mapping[str, tuple[str, ...]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> RetrainReport:
    """Retrain `base`'s classifier on its training data plus the reviews; compare before/after.

    `data`/`extra` default to the shipped model's recipe (the corpus labels and their English
    parallel texts, :func:`ecs_tagger.model.recipes.corpus_training_frames`), `settings` to the ones
    stored in `base`. `registry_texts` (id -> text) gives the texts of reviewed rows and of the
    registry whose tag changes are counted; `old_areas` (id -> tags of `base`) saves tagging it
    again with `base`.

    ``before``: ``"stored"`` takes the cross-validated metrics stored in `base` (they are for
    its own training data), ``"recompute"`` cross-validates the training data without the reviews
    (as long again as the retraining), ``"auto"`` takes the stored ones when `base` was trained
    on exactly `data` + `extra` and recomputes otherwise (only with `cross_validation`),
    ``"none"`` skips them. The "after" metrics score the same labelled rows (with any replaced
    labels); note that adding rows also moves rows between folds, so differences of about ±0.01
    are noise.

    `progress(n)`: n more texts read (embedded) by the training; a callback with a
    ``set_total(n)`` method is first told how many texts that will be in all.

    The vectors of `base`'s training texts saved with it (:meth:`Tagger.training_vectors`) are
    copied into the embedding cache first when they are of `base`'s embedding identity, so only
    texts they lack are embedded. Raises ModelError when those saved vectors are damaged.
    """
    import time

    from ecs_tagger.tagger import Tagger

    started = time.perf_counter()
    # The training texts' vectors saved with `base` go into the embedding cache first, so that
    # only the texts they lack (the reviewed rows, changed labels files) are embedded.
    base.prefill_embedding_cache()
    learned_from: dict[str, str] | None = None
    left_out: dict[str, str] | None = None
    if data is None:
        from ecs_tagger.corpus import label_file_digests
        from ecs_tagger.model.recipes import SHIPPED_TITLES, corpus_training_frames

        names = base_label_files(base)
        data, default_extra = corpus_training_frames(titles=SHIPPED_TITLES, label_files=names)
        extra = default_extra if extra is None else extra
        learned_from = label_file_digests(names=names)
        left_out = base.manifest.get("training_data", {}).get("label_files_left_out")
    settings = settings or settings_of(base)
    folded = apply_corrections(
        data, extra, corrections, registry_texts, weight=weight, include_accepted=include_accepted
    )
    before_report: MultiLabelReport | None = None
    stored = base.metrics
    same_data = base.manifest.get("training_data", {}).get("sha256") == training_hash(data, extra)
    use_stored = before == "stored" or (before == "auto" and stored is not None and same_data)
    recompute = not use_stored and (
        before == "recompute" or (before == "auto" and cross_validation)
    )
    _announce_total(
        progress,
        len(folded.data)
        + len(folded.extra)
        + (len(data) + (len(extra) if extra is not None else 0) if recompute else 0),
    )
    if use_stored:
        before_report = stored
        before_source = (
            "cross-validated when the model was trained"
            if same_data
            else "stored with the model, which was trained on other data"
        )
        if stored is None:
            before_source = "the model has no stored metrics"
    elif recompute:
        without = Tagger.train(
            data,
            extra=extra,
            taxonomy=base.taxonomy,
            settings=settings,
            embedder=base.embedder,
            cross_validation=True,
            progress=progress,
        )
        before_report = without.metrics
        before_source = "cross-validated now, without the reviews"
    else:
        before_source = "not computed"
    retrained = Tagger.train(
        folded.data,
        extra=folded.extra if len(folded.extra) else None,
        taxonomy=base.taxonomy,
        settings=replace(settings, name=f"{settings.name}+reviews"),
        embedder=base.embedder,
        cross_validation=cross_validation,
        progress=progress,
        label_files=learned_from,
        label_files_left_out=left_out,
    )
    retrained.manifest["reviews"] = {
        "added": len(folded.added),
        "replaced": len(folded.replaced),
        "skipped": len(folded.skipped),
        "weight": weight,
        "base_model": base.model_version,
    }
    lookup = (
        registry_texts.to_dict() if isinstance(registry_texts, pd.Series) else dict(registry_texts)
    )
    ids = list(lookup)
    texts = [lookup[i] for i in ids]
    old = (
        [tuple(old_areas.get(i, ())) for i in ids]
        if old_areas is not None
        else _areas_of(base, texts)
    )
    new = _areas_of(retrained, texts)
    changes = pd.DataFrame(
        [
            {
                "id": i,
                "before": ";".join(o),
                "after": ";".join(n),
                "added": tuple(a for a in n if a not in o),
                "removed": tuple(a for a in o if a not in n),
            }
            for i, o, n in zip(ids, old, new, strict=True)
            if set(o) != set(n)
        ],
        columns=["id", "before", "after", "added", "removed"],
    )
    return RetrainReport(
        tagger=retrained,
        training=folded,
        before=before_report,
        after=retrained.metrics if cross_validation else None,
        before_source=before_source,
        changes=changes,
        registry_rows=len(ids),
        seconds=time.perf_counter() - started,
        taxonomy=base.taxonomy,
    )


# -- how long a retraining takes ------------------------------------------------------------------
# Retraining reads (preprocesses and embeds) every training text; a text whose vector is already in
# the embedding cache costs nothing to read. Measured (issue 18, a fresh machine, cross-validation
# off): before models carried their training texts' vectors, the first retraining read the 8,283
# training texts of the recipe of then in 686 s, a later one, with every vector cached, about 60 s.
# A model now carries those vectors (`ecs_tagger.model.vectors`), which the retraining copies into
# the cache first: on a 2-core AMD EPYC shared with other work (load ≈ 4), with an empty cache
# (ECS_TAGGER_CACHE a new folder) and the review notebook's registry tagged, the first retraining
# took 136 s and a later one 129 s (cross-validation off; 5,586 texts, 111 registry rows), both
# the "later" figure. Which texts need no embedding is counted, not guessed: a seeded sample of at
# most SAMPLE training texts is cleaned as training cleans it and looked up in the embedder's cache
# and among the vectors saved with the model (without loading the embedding model); only where
# those are missing or of another encoder identity (say, a CPU without bf16) is the first
# retraining the long one.

#: Seconds of a retraining whose texts are all in the embedding cache (fitting the classifier,
#: tagging the registry again), cross-validation off: about 60 s (issue 18); 129-136 s on a
#: 2-core machine busy with other work (load ≈ 4).
CACHED_SECONDS = 60.0
#: Seconds to read one training text that is not in the cache (preprocessing and embedding):
#: (686 s - 60 s) / 8,283 texts, the first retraining on a fresh machine (issue 18).
SECONDS_PER_TEXT = (686.0 - 60.0) / 8283
#: Cross-validation fits the classifier again on each of 5 folds. Measured on the first 300
#: training texts of the corpus (vectors cached, two runs each on a busy 2-core machine): 32 s and
#: 43 s without, 119 s and 72 s with cross-validation, 2.5 times as long on average.
CROSS_VALIDATION_FACTOR = 2.5
#: Training texts whose cache entries are looked up (a seeded sample of the training data).
SAMPLE = 400
SEED = 0


@dataclass(frozen=True)
class RetrainEstimate:
    """How many texts a retraining reads, how many of them are already in the embedding cache,
    and about how many seconds it will take."""

    texts: int
    cached: int
    seconds: float
    cross_validation: bool

    @property
    def to_read(self) -> int:
        return self.texts - self.cached

    def words(self, language: str = "en") -> str:
        """One or two sentences for people (in `language`)."""
        lang = language
        text = say(
            "Retraining reads {texts} training texts; {cached} of them are already in the "
            "embedding cache of this machine or saved with the model, {to_read} still to read: "
            "it will take about {time}.",
            lang,
            texts=number(self.texts, lang, 0),
            cached=number(self.cached, lang, 0),
            to_read=number(self.to_read, lang, 0),
            time=duration(self.seconds, lang),
        )
        if self.to_read > 0.5 * self.texts:
            text += " " + say(
                "The first retraining on a machine is the long one: later retrainings find the "
                "texts in the cache and take about {time}.",
                lang,
                time=duration(_seconds(0, self.cross_validation), lang),
            )
        return text

    def __str__(self) -> str:
        return self.words("en")


def _seconds(to_read: int, cross_validation: bool) -> float:
    fitting = CACHED_SECONDS * (CROSS_VALIDATION_FACTOR if cross_validation else 1.0)
    return fitting + SECONDS_PER_TEXT * to_read


def cached_share(tagger: Tagger, texts: list[str], *, sample: int = SAMPLE) -> float:
    """The share of `texts` (a seeded sample of at most `sample`) whose document vectors
    training will not compute: those in the embedding cache of `tagger`'s embedder, as training
    would look them up, and those saved with `tagger` (:meth:`Tagger.training_vectors`, of its
    embedding identity), which a retraining copies into the cache first."""
    from ecs_tagger.embedding.cache import EmbeddingCache, text_key
    from ecs_tagger.model.vectors import usable_by

    if not texts:
        return 1.0
    embedder = tagger.embedder
    if not embedder.use_cache:
        return 0.0
    rng = np.random.default_rng(SEED)
    picked = sorted(rng.choice(len(texts), size=min(sample, len(texts)), replace=False))
    # The key of a document vector: its prompt kind (as Embedder.embed_documents names it) and
    # the text the model reads (as Preprocessor.process_many cleans it).
    kind = embedder.document_kind
    preprocessor = tagger.preprocessor
    keys = [
        text_key(kind, preprocessor.model_text(preprocessor.clean(str(texts[i])))) for i in picked
    ]
    # The cache file itself, not `embedder.cache`: that one loads the embedding model to learn
    # the vectors' dimension when the file is new.
    cache = EmbeddingCache(embedder.cache_directory / "embeddings", embedder.model_id)
    try:
        found = set(cache.get_many(keys))
    finally:
        cache.close()
    shipped = tagger.training_vectors()
    if shipped is not None and usable_by(shipped, embedder):
        found |= set(shipped.keys)
    return sum(1 for key in keys if key in found) / len(keys)


def estimate_retraining(
    base: Tagger,
    corrections: Mapping[str, Correction] | Iterable[Correction],
    registry_texts: Mapping[str, Any] | pd.Series,
    *,
    data: pd.DataFrame | None = None,
    extra: pd.DataFrame | None = None,
    cross_validation: bool = True,
    sample: int = SAMPLE,
) -> RetrainEstimate:
    """How long :func:`~ecs_tagger.coordinators.corrections.retrain.retrain_with_corrections` with
    these arguments will take (see the module): the training texts it reads, how many of them the
    embedding cache holds (counted on a sample), and the seconds that makes."""
    if data is None:
        from ecs_tagger.model.recipes import SHIPPED_TITLES, corpus_training_frames

        data, default_extra = corpus_training_frames(
            titles=SHIPPED_TITLES, label_files=base_label_files(base)
        )
        extra = default_extra if extra is None else extra
    folded = apply_corrections(data, extra, corrections, registry_texts)
    texts = [str(t) for t in folded.data["text"]] + [str(t) for t in folded.extra["text"]]
    cached = round(len(texts) * cached_share(base, texts, sample=sample))
    return RetrainEstimate(
        texts=len(texts),
        cached=cached,
        seconds=_seconds(len(texts) - cached, cross_validation),
        cross_validation=cross_validation,
    )


__all__ = [
    "CACHED_SECONDS",
    "CROSS_VALIDATION_FACTOR",
    "DEFAULT_WEIGHT",
    "SECONDS_PER_TEXT",
    "BeforeMode",
    "CorrectedTraining",
    "RetrainEstimate",
    "RetrainReport",
    "apply_corrections",
    "cached_share",
    "change_in_words",
    "change_interval",
    "estimate_retraining",
    "retrain_with_corrections",
    "settings_of",
    "training_hash",
]
