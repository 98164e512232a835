"""Jupyter widgets (ipywidgets) for reviewing tags and finding similar initiatives.

>>> RegistryBrowser(session)     # filters, a table, and the evidence of a chosen row
>>> ReviewPanel(session)         # the review queue, one row at a time: accept or set the areas
>>> SimilarBrowser(index)        # similar initiatives (or actors) in other regions, and why
>>> ExportButton(session, "../out", "registry")   # a new Excel file at each click

The widgets hold no logic of their own: filtering is :func:`ecs_tagger.coordinators.review.filter_rows`, the
evidence :func:`ecs_tagger.coordinators.review.evidence_html`, and every button calls the
:class:`ecs_tagger.coordinators.review.ReviewSession` (``accept``, ``set_areas``), which appends the review to
the corrections file. The methods behind the buttons (:meth:`ReviewPanel.accept_current`,
:meth:`ReviewPanel.save_current`, ...) can be called directly, e.g. in tests.
"""

from ecs_tagger.coordinators.widgets.actors import (
    similar_actors_html,
    similar_actors_table,
    similar_actors_view,
)
from ecs_tagger.coordinators.widgets.export import ExportButton
from ecs_tagger.coordinators.widgets.review import RegistryBrowser, ReviewPanel
from ecs_tagger.coordinators.widgets.similar import (
    SimilarBrowser,
    similar_html,
    similar_table,
    similarity_legend,
)

__all__ = [
    "ExportButton",
    "RegistryBrowser",
    "ReviewPanel",
    "SimilarBrowser",
    "similar_actors_html",
    "similar_actors_table",
    "similar_actors_view",
    "similar_html",
    "similar_table",
    "similarity_legend",
]
