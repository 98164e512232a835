"""The Excel export as a button: a new file each time the coordinator asks, with the reviews saved
by then and the model that tagged the rows.

>>> ExportButton(session, "../out", "projektbanken_oms", retrained=lambda: report)

Writing the export when the notebook runs gave a file without the reviews made afterwards (*Run
All* writes it before any review). The button writes the registry as it stands when it is
clicked: every review saved until then (the corrections file is read again), tagged by the
tagger of the session or, with the box ticked, by the tagger retrained with the reviews. Every
click writes a new file named by the registry and the time
(:func:`ecs_tagger.coordinators.export.timestamped_export_path`): an earlier export is never
replaced.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ecs_tagger.coordinators.export import export_reviewed, timestamped_export_path
from ecs_tagger.coordinators.review.registry import REGISTRY_COLUMNS
from ecs_tagger.coordinators.review.session import (
    REVIEW_ACCEPTED,
    REVIEW_CORRECTED,
    ReviewSession,
    tag_registry,
)
from ecs_tagger.coordinators.widgets.base import Displayable, ipywidgets_module, wrapping_row
from ecs_tagger.errors import EcsTaggerError
from ecs_tagger.words import say, say_count

if TYPE_CHECKING:
    from ecs_tagger.tagger import Tagger


def _tagger_of(retrained: Any) -> Tagger | None:
    """A tagger from what `retrained()` returns: a RetrainReport (its tagger), a Tagger, None."""
    if retrained is None:
        return None
    return getattr(retrained, "tagger", retrained)


class ExportButton(Displayable):
    """A button that writes the reviewed registry to a new Excel file (see the module).

    `session`: the review session; `directory` and `name`: where the files go and the registry's
    name in them; `retrained`: a function giving the retrained tagger or its report (None before
    any retraining), read at each click; `with_retrained`: the box "tags of the retrained tagger"
    ticked at the start; `registry`: the registry frame to tag again (default: the registry
    columns of the session's rows); `swedish`: Swedish headings (default: `language` is "sv")."""

    def __init__(
        self,
        session: ReviewSession,
        directory: str | Path,
        name: str,
        *,
        retrained: Callable[[], Any] | None = None,
        with_retrained: bool = False,
        registry: pd.DataFrame | None = None,
        language: str = "en",
        swedish: bool | None = None,
    ) -> None:
        w = ipywidgets_module()
        self.session = session
        self.directory = Path(directory)
        self.name = name
        self.retrained = retrained
        self.registry = registry
        self.language = lang = language
        self.swedish = language == "sv" if swedish is None else swedish
        self.written: list[Path] = []
        self._retagged: dict[str, ReviewSession] = {}
        self.button = w.Button(
            description=say("Export to Excel", lang),
            button_style="primary",
            icon="download",
            tooltip=say("write a new Excel file with the reviews saved so far", lang),
            layout=w.Layout(width="auto", min_width="12em", flex="0 0 auto"),
        )
        self.use_retrained = w.Checkbox(
            value=with_retrained,
            description=say("with the tags of the retrained tagger (section 5)", lang),
            indent=False,
            layout=w.Layout(width="auto"),
        )
        self.message = w.HTML(
            say(
                "Nothing exported yet. Click the button after reviewing (and retraining): the file "
                "holds the reviews saved by then. Each click writes a new file.",
                lang,
            )
        )
        self.progress = w.Output()
        self.button.on_click(lambda _b: self.export())
        self.widget = w.VBox(
            [
                w.HBox([self.button, self.use_retrained], layout=wrapping_row(w)),
                self.progress,
                self.message,
            ]
        )

    def _session(self) -> ReviewSession | None:
        """The session to export: the notebook's, or its rows tagged again by the retrained
        tagger (once per retrained model); None when that tagger is asked for but missing."""
        if not self.use_retrained.value:
            return self.session
        tagger = _tagger_of(self.retrained() if self.retrained is not None else None)
        if tagger is None:
            return None
        version = str(tagger.model_version)
        if version not in self._retagged:
            from ecs_tagger.coordinators.notebook_help import ProgressBar

            frame = self.session.tagged.frame
            registry = (
                self.registry
                if self.registry is not None
                else frame[[c for c in REGISTRY_COLUMNS if c in frame.columns]]
            )
            with (
                self.progress,
                ProgressBar(
                    len(registry), "Tagging again with the retrained tagger", language=self.language
                ) as bar,
            ):
                tagged = tag_registry(registry, tagger, progress=bar)
            self._retagged[version] = ReviewSession(
                tagged, self.session.store, reviewer=self.session.reviewer
            )
        return self._retagged[version]

    def export(self) -> Path | None:
        """Write a new file (what the button does); its path, or None when nothing was written
        (the message says why)."""
        lang = self.language
        self.button.disabled = True
        try:
            session = self._session()
            if session is None:
                self.message.value = (
                    "<span style='color:#8a4b00'>"
                    + html.escape(
                        say(
                            "No retrained tagger yet: retrain in section 5 first, or untick "
                            "the box to export the tags of the tagger that tagged the rows.",
                            lang,
                        )
                    )
                    + "</span>"
                )
                return None
            path = export_reviewed(
                session,
                timestamped_export_path(self.directory, self.name),
                swedish=self.swedish,
                overwrite=False,
            )
        except (EcsTaggerError, OSError, ValueError) as error:
            self.message.value = f"<span style='color:#c0392b'>{html.escape(str(error))}</span>"
            return None
        finally:
            self.button.disabled = False
        self.written.append(path)
        status = session.status()["review_status"]
        reviewed = int(status.isin([REVIEW_ACCEPTED, REVIEW_CORRECTED]).sum())
        retrained = session is not self.session
        self.message.value = html.escape(
            say("Wrote {path}", lang, path=path.resolve())
            + " — "
            + say_count(
                reviewed,
                "{n} reviewed row; tags from model {model}",
                "{n} reviewed rows; tags from model {model}",
                lang,
                model=session.tagged.model_version,
            )
            + (say(" (retrained with your reviews).", lang) if retrained else ".")
        )
        return path


__all__ = ["ExportButton"]
