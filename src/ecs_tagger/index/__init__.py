"""A registry index: every row of a registry embedded and tagged once, stored in open formats.

>>> index = RegistryIndex.build(frame, tagger, ["title", "description"], "id", "county",
...                             actor_col="beneficiary", funding_col="granted_sek")
>>> index.save("out/index")
>>> index = RegistryIndex.load("out/index")
>>> similar(index, "TVV-12345", k=10, other_regions=True)    # ecs_tagger.regional.similarity.similar

The index is data; what it answers lives in the modules that take one
(:mod:`ecs_tagger.regional.similarity`, :mod:`ecs_tagger.regional.matching`, :mod:`ecs_tagger.regional.actors`,
:mod:`ecs_tagger.regional.portfolio`). Its parts:

:mod:`~ecs_tagger.index.rows`      which registry columns hold what, the checks, each row's
                                   text and metadata;
:mod:`~ecs_tagger.index.build`     embedding and tagging the rows once, reusing unchanged rows;
:mod:`~ecs_tagger.index.storage`   the folder: manifest, rows.parquet, vectors.npy;
:mod:`~ecs_tagger.index.space`     the similarity space: group means, centring, idf;
:mod:`~ecs_tagger.index.registry`  :class:`RegistryIndex`, which holds them together.
"""

from __future__ import annotations

from ecs_tagger.index.build import UpdateSummary
from ecs_tagger.index.registry import RegistryIndex, build_or_update
from ecs_tagger.index.rows import IndexColumns, text_hash

__all__ = ["IndexColumns", "RegistryIndex", "UpdateSummary", "build_or_update", "text_hash"]
