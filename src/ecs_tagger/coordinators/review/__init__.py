"""Reviewing tags: load and tag a registry, rank rows for review, show evidence, record reviews.

The functions behind notebooks/review_tags.ipynb; the notebook itself only calls them.

>>> registry = load_registry()                 # Projektbanken projects of Östra Mellansverige
>>> tagged = tag_registry(registry, Tagger.load())
>>> session = ReviewSession(tagged, CorrectionStore(), reviewer="Anna")
>>> session.queue(50)                          # the 50 rows most likely to carry a wrong tag
>>> session.set_areas("TVV-123", ["energy"], comment="not about industry")
>>> report = session.retrain()                 # the tagger learns from the reviews

The package's rooms (each imports only those above it in this list):

* :mod:`~ecs_tagger.coordinators.review.registry`: loading a registry (a coordinator's file or Projektbanken);
* :mod:`~ecs_tagger.coordinators.review.queue`: the chance of a wrong tag, the queue's ordering, filters, and
  the queue's error enrichment on labelled data;
* :mod:`~ecs_tagger.coordinators.review.render`: area names and colours, tables and evidence HTML for people;
* :mod:`~ecs_tagger.coordinators.review.session`: a tagged registry and the review session on it.
"""

from __future__ import annotations

from ecs_tagger.coordinators.review.queue import (
    NO_AREA,
    UNCERTAIN_P,
    OutOfFold,
    QueueEnrichment,
    error_probabilities,
    explain_uncertainty,
    filter_rows,
    out_of_fold,
    queue_enrichment,
    review_priority,
    row_error_probability,
    signal_disagreement,
)
from ecs_tagger.coordinators.review.registry import index_registry, load_registry
from ecs_tagger.coordinators.review.render import (
    area_names,
    display_table,
    evidence_html,
    marked_sentences,
)
from ecs_tagger.coordinators.review.session import (
    REVIEW_ACCEPTED,
    REVIEW_CORRECTED,
    REVIEW_NOT_REVIEWED,
    REVIEW_STALE,
    ReviewSession,
    TaggedRegistry,
    tag_registry,
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
