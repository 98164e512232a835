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
