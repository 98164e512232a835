"""The regional view over a registry index (:class:`ecs_tagger.index.RegistryIndex`).

:mod:`~ecs_tagger.regional.similarity`  similar initiatives: hybrid dense + lexical ranking;
:mod:`~ecs_tagger.regional.reasons`     why two texts match (closest sentences, shared key words);
:mod:`~ecs_tagger.regional.matching`    cross-region pairs of similar projects;
:mod:`~ecs_tagger.regional.actors`      actors (stödmottagare) by content and areas;
:mod:`~ecs_tagger.regional.portfolio`   each region's areas: counts, shares, location quotients.

Regions and län names are :mod:`ecs_tagger.regions`; the index, its ANN backends and actor-name
normalisation are :mod:`ecs_tagger.index`.
"""
