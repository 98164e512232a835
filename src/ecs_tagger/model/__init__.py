"""The model: what a trained tagger is made of and how it is trained, stored and described.

:mod:`~ecs_tagger.model.taxonomy`    the areas (codes, Swedish and English names, descriptions);
:mod:`~ecs_tagger.model.features`    lemma TF-IDF features;
:mod:`~ecs_tagger.model.classifier`  the stacked per-area classifier (embedding + lexical signal);
:mod:`~ecs_tagger.model.training`    TrainSettings, training rows, cross-validation;
:mod:`~ecs_tagger.model.recipes`     the shipped recipe's training data (corpus labels, title copies);
:mod:`~ecs_tagger.model.metrics`     precision, recall and F1 per area, macro and micro;
:mod:`~ecs_tagger.model.files`       model folders: JSON + safetensors with sha256 checksums;
:mod:`~ecs_tagger.model.card`        the model card (README.md of a model folder);
:mod:`~ecs_tagger.model.evidence`    sentences and terms that support each tag;
:mod:`~ecs_tagger.model.results`     TagResult, what tagging one text returns.

Nothing here imports the Tagger (:mod:`ecs_tagger.tagger`), which puts these parts together.
"""
