"""Shared pieces of the notebook widgets: the ipywidgets import and the display protocol."""

from __future__ import annotations

from typing import Any

from ecs_tagger.errors import MissingDependencyError


def ipywidgets_module() -> Any:
    """The ipywidgets module, or a clear error naming the `notebook` extra."""
    try:
        import ipywidgets
    except ImportError:
        raise MissingDependencyError("ipywidgets", "the review widgets", "notebook") from None
    return ipywidgets


class Displayable:
    """Shows `self.widget` when the object is the last value of a notebook cell."""

    widget: Any

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:  # older front ends
        from IPython.display import display

        display(self.widget)


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def wrapping_row(w: Any) -> Any:
    """The layout of a row of controls that wraps to a new line when the page is narrow, rather
    than squeezing the controls until their labels are cut ("searchi…")."""
    return w.Layout(flex_flow="row wrap", align_items="center")
