"""Reviewers' corrections: the log (:mod:`~ecs_tagger.coordinators.corrections.store`) and retraining the tagger
with it (:mod:`~ecs_tagger.coordinators.corrections.retrain`, which imports the store, never the other way;
its report for people is :mod:`~ecs_tagger.coordinators.corrections.report`).

>>> store = CorrectionStore("corrections/corrections.jsonl")
>>> store.record("TVV-123", text=text, old_areas=("energy",), new_areas=("energy", "industry"),
...              reviewer="Anna", comment="also about manufacturing")
>>> store.latest()["TVV-123"].new_areas
('energy', 'industry')
>>> estimate_retraining(tagger, store.latest(), registry_texts).words()   # how long it takes
>>> report = retrain_with_corrections(tagger, store.latest(), registry_texts)
"""

from __future__ import annotations

from ecs_tagger.coordinators.corrections.retrain import (
    DEFAULT_WEIGHT,
    CorrectedTraining,
    RetrainEstimate,
    RetrainReport,
    apply_corrections,
    estimate_retraining,
    retrain_with_corrections,
    settings_of,
    training_hash,
)
from ecs_tagger.coordinators.corrections.store import (
    ACTION_ACCEPT,
    ACTION_CORRECT,
    ACTION_WITHDRAW,
    ACTIONS,
    CORRECTIONS_ENV,
    Correction,
    CorrectionStore,
    default_corrections_path,
    text_hash,
)

__all__ = [
    "ACTIONS",
    "ACTION_ACCEPT",
    "ACTION_CORRECT",
    "ACTION_WITHDRAW",
    "CORRECTIONS_ENV",
    "DEFAULT_WEIGHT",
    "CorrectedTraining",
    "Correction",
    "CorrectionStore",
    "RetrainEstimate",
    "RetrainReport",
    "apply_corrections",
    "default_corrections_path",
    "estimate_retraining",
    "retrain_with_corrections",
    "settings_of",
    "text_hash",
    "training_hash",
]
