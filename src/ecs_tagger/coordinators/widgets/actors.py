"""Similar actors for people: the table, and why it is empty (no actor elsewhere, none alike
enough, the best one's figure), the nearest anyway (marked weak) and what the figures mean.

>>> similar_actors_view(index, "Örebro")      # part of a name finds the actors it names
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pandas as pd

from ecs_tagger.coordinators.notebook_help import unknown_actor_message
from ecs_tagger.coordinators.review.render import ScrollTable
from ecs_tagger.errors import EcsTaggerError, InputError
from ecs_tagger.regional.actors import ActorSearch, search_actors
from ecs_tagger.words import number, say, say_count

if TYPE_CHECKING:
    from ecs_tagger.index import RegistryIndex

_GREY = "color:#666"
#: The style of a message that says why there is nothing (or less) to show.
WARN_STYLE = "color:#8a4b00"
_WARN = WARN_STYLE


def shown_similarity(similarity: float, language: str) -> str:
    """A similarity as people read it: two decimals, and never below 0 (a cosine of -0.05 means
    "unrelated", as 0 does)."""
    return number(max(float(similarity), 0.0), language)


_shown = shown_similarity


def similar_actors_table(actors: pd.DataFrame, *, language: str = "en") -> pd.DataFrame:
    """:func:`ecs_tagger.regional.actors.similar_actors` for people: actor, regions, projects,
    similarity (as the language writes numbers), the areas both actors work in, and the actor's
    own areas."""

    def words(value: Any, areas: bool = False) -> str:
        if value is None or isinstance(value, float):
            return ""
        if isinstance(value, str):
            return value
        return ", ".join(say(str(v), language) if areas else str(v) for v in value)

    columns = {
        "actor": "actor",
        "regions": "regions",
        "projects": "projects",
        "similarity": "similarity",
        "shared_areas": "shared areas",
        "areas": "areas",
    }
    heading = {key: say(word, language) for key, word in columns.items()}
    present = [c for c in columns if c in actors.columns]
    out = actors[present].rename(columns=columns).copy()
    for column in ("regions", "shared areas", "areas"):
        if column in out.columns:
            out[column] = out[column].map(lambda v, c=column: words(v, areas=c != "regions"))
    if "similarity" in out.columns:
        out["similarity"] = out["similarity"].map(lambda v: _shown(v, language))
    return out.rename(columns={columns[k]: heading[k] for k in present}).reset_index(drop=True)


def _quoted(name: str) -> str:
    return f"«{html.escape(name)}»"


def similar_actors_html(
    found: ActorSearch, *, language: str = "en", show_weak: bool = False
) -> str:
    """An actor search for people: which actor was searched for (when the name was typed in
    part), the similar actors, or why there are none (no actor elsewhere, or none reaching the
    minimum similarity, with the closest one's figure), and the nearest anyway in a closed box
    (open with `show_weak`), marked as weak."""
    lang = language
    parts = ["<div style='font-family: sans-serif'>"]
    if found.also_named:
        others = ", ".join(_quoted(n) for n in found.also_named[:8])
        parts.append(
            "<p>"
            + say(
                "«{typed}» names {n} actors; this is the search for {actor}, the one with the "
                "most projects. The others: {others} (type one of them to search for it).",
                lang,
                typed=html.escape(found.typed),
                n=len(found.also_named) + 1,
                actor=_quoted(found.actor),
                others=others,
            )
            + "</p>"
        )
    minimum = number(found.min_similarity, lang)
    if len(found.table):
        table = ScrollTable(
            similar_actors_table(found.table, language=lang),
            caption=say("Actors most like {actor}:", lang, actor=found.actor),
            language=lang,
        )
        parts.append(table._repr_html_())
    else:
        if found.candidates == 0:
            why = say(
                "No other actor works outside its regions ({regions}).",
                lang,
                regions=html.escape(", ".join(found.regions) or say("no region", lang)),
            )
        elif found.nearest is not None:
            name, value = found.nearest
            why = say_count(
                found.candidates,
                "The one other actor compared does not reach the minimum similarity {minimum}: "
                "{nearest} has {value}.",
                "None of the {n} other actors compared reaches the minimum similarity {minimum}; "
                "the closest, {nearest}, has {value}.",
                lang,
                minimum=minimum,
                nearest=_quoted(name),
                value=_shown(value, lang),
            )
        else:
            why = say("There is no other actor to compare with.", lang)
        heading = say("Actors most like {actor}: none.", lang, actor=_quoted(found.actor))
        parts.append(f"<p style='{_WARN}'>{heading} {why}</p>")
    if found.held_back is not None and len(found.table) < 1:
        name, value = found.held_back
        parts.append(
            f"<p style='{_WARN}'>"
            + say(
                "{actor} ({value}) works in the same region: untick «only other regions» to see "
                "actors there.",
                lang,
                actor=_quoted(name),
                value=_shown(value, lang),
            )
            + "</p>"
        )
    if len(found.weak) and not len(found.table):
        weak = ScrollTable(similar_actors_table(found.weak, language=lang), language=lang)
        parts.append(
            f"<details{' open' if show_weak else ''}><summary style='{_GREY}; cursor: pointer'>"
            + html.escape(
                say("Show the nearest anyway ({n}, marked weak)", lang, n=len(found.weak))
            )
            + f"</summary><div style='opacity: 0.75'>{weak._repr_html_()}</div></details>"
        )
    parts.append(
        f"<p style='{_GREY}; font-size: 0.9em'>"
        + html.escape(
            say(
                "How to read the similarity of actors: how alike their projects are in content "
                "and areas, 0 to 1; actors below {minimum} are not presented as similar.",
                lang,
                minimum=minimum,
            )
        )
        + "</p></div>"
    )
    return "".join(parts)


def similar_actors_view(
    index: RegistryIndex,
    actor: str,
    k: int = 10,
    *,
    other_regions: bool = True,
    language: str = "en",
    show_weak: bool = False,
) -> Any:
    """The actors most like `actor` (any spelling, or part of the name) as HTML: the table, or why
    it is empty; when no actor has that name, a message naming the closest names instead: never a
    traceback."""
    from IPython.display import HTML

    try:
        found = search_actors(index, actor, k=k, other_regions=other_regions)
    except InputError as error:
        names = index.rows["actor"] if "actor" in index.rows.columns else []
        unknown = unknown_actor_message(names, actor, language)
        message = unknown if unknown is not None else html.escape(str(error))
        return HTML(f"<p style='{_WARN}'>{message}</p>")
    except EcsTaggerError as error:
        return HTML(f"<p style='{_WARN}'>{html.escape(str(error))}</p>")
    return HTML(similar_actors_html(found, language=language, show_weak=show_weak))


__all__ = [
    "WARN_STYLE",
    "shown_similarity",
    "similar_actors_html",
    "similar_actors_table",
    "similar_actors_view",
]
