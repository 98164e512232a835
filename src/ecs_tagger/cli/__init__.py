"""The `ecs-tagger` command line (Typer).

:mod:`~ecs_tagger.cli.main`     `tag`, `train`, `evaluate`, `info` and the app that holds every command;
:mod:`~ecs_tagger.cli.similar`  `index build|update`, `similar`, `match`, `actors`, `portfolio`;
:mod:`~ecs_tagger.cli.options`  options shared by the commands, errors in the CLI's words, model loading;
:mod:`~ecs_tagger.cli.output`   the output options of every command that writes results (-o FILE or -).

The console script is ``ecs_tagger.cli:app``.
"""

from ecs_tagger.cli.main import app

__all__ = ["app"]
