"""ecs-tagger: tag descriptions with the smart-specialisation areas of East Central Sweden.

>>> from ecs_tagger import Tagger
>>> tagger = Tagger.load()                       # the shipped default model
>>> result = tagger.tag("Projektet utvecklar biogas av gödsel på gårdar i Örebro län.")
>>> result.areas, result.scores, result.evidence
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Heavy modules (torch, spaCy) load on first use, not at `import ecs_tagger`.
_LAZY = {
    "Tagger": "ecs_tagger.tagger",
    "TagResult": "ecs_tagger.model.results",
    "Taxonomy": "ecs_tagger.model.taxonomy",
    "Area": "ecs_tagger.model.taxonomy",
    "default_taxonomy": "ecs_tagger.model.taxonomy",
    "TrainSettings": "ecs_tagger.model.training",
    "Embedder": "ecs_tagger.embedding.encoder",
    "EmbedderSettings": "ecs_tagger.embedding.encoder",
    "Preprocessor": "ecs_tagger.preprocess",
    "PreprocessSettings": "ecs_tagger.preprocess",
    "RegistryIndex": "ecs_tagger.index",
    "TaggingJob": "ecs_tagger.batch",
    "tag_file": "ecs_tagger.batch",
}

__all__ = [
    "Area",
    "Embedder",
    "EmbedderSettings",
    "PreprocessSettings",
    "Preprocessor",
    "RegistryIndex",
    "TagResult",
    "Tagger",
    "TaggingJob",
    "Taxonomy",
    "TrainSettings",
    "__version__",
    "default_taxonomy",
    "tag_file",
]

if TYPE_CHECKING:
    from ecs_tagger.batch import TaggingJob, tag_file
    from ecs_tagger.embedding.encoder import Embedder, EmbedderSettings
    from ecs_tagger.index import RegistryIndex
    from ecs_tagger.model.results import TagResult
    from ecs_tagger.model.taxonomy import Area, Taxonomy, default_taxonomy
    from ecs_tagger.model.training import TrainSettings
    from ecs_tagger.preprocess import Preprocessor, PreprocessSettings
    from ecs_tagger.tagger import Tagger


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ecs_tagger' has no attribute {name!r}")
