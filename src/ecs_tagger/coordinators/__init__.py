"""The coordinators' tools, used from Jupyter notebooks.

:mod:`~ecs_tagger.coordinators.review`         review queue, tagged-registry session, HTML rendering;
:mod:`~ecs_tagger.coordinators.corrections`    corrections store, report, retraining with reviews;
:mod:`~ecs_tagger.coordinators.widgets`        ipywidgets: review panel, similar-initiative search,
                                               similar actors, the export button;
:mod:`~ecs_tagger.coordinators.plots`          figures (matplotlib);
:mod:`~ecs_tagger.coordinators.export`         the Excel export of a reviewed registry;
:mod:`~ecs_tagger.coordinators.notebook_help`  small helpers the notebooks call (status line,
                                               progress bars, actor suggestions).

Wording in Swedish and English is :mod:`ecs_tagger.words`.
"""
