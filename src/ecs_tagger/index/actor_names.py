"""Actor names: the key that every spelling of one organisation shares, and how merges read.

Registries spell one organisation in several ways: ``"IUC Z-GROUP AB"`` / ``"Iuc Z-Group AB"``,
``"Agro Öst Ideellförening"`` / ``"AgroÖst Ideell förening"``, ``"Energikontor Norr AB"`` /
``"Energikontor Norr"``, ``"Stiftelsen Jamtli"`` / ``"Jamtli"``. :func:`actor_key` gives every
spelling of one organisation the same key, by

1. Unicode NFKC and case folding; ``&`` read as ``och``;
2. splitting into words of letters and digits (punctuation and hyphens dropped);
3. dropping *legal-form* words at the end (``AB``, ``aktiebolag``, ``(publ)``, ``ek. för.``,
   ``ekonomisk förening``, ``ideell förening``/``ideellförening``, ``HB``, ``KB``, ``UPA``, and
   the Nordic/English ``A/S``, ``ASA``, ``ApS``, ``Oy``, ``Oyj``, ``GmbH``, ``Ltd``, ``Inc``),
   matched on whole words, also when a form is written as one word or two
   (``Ideellförening`` = ``Ideell förening``) or cut short by a field limit (``Ekonomisk
   Fören``), and a leading ``Stiftelsen`` or ``AB``;
4. place spellings: a county's ``län``/``läns`` after its name and the genitive s
   (``"Länsstyrelsen i Västmanlands län"`` = ``"Länsstyrelsen i Västmanland"``), a genitive s
   before ``kommun``/``stad`` (``"Västerviks kommun"`` = ``"Västervik kommun"``), and the word
   ``i`` inside a name (``"Högskolan i Skövde"`` = ``"Högskolan Skövde"``);
5. joining the remaining words *without* spaces (``Agro Öst`` = ``AgroÖst``).

There is no fuzzy matching: names one letter apart are often different bodies (``"Alvesta
kommun"``/``"Avesta kommun"``, ``"Skellefteå kommun"``/``"Sollefteå kommun"``, ``"Mora
kommun"``/``"Orsa kommun"``, ``"Industriellt Utvecklingscentrum i Halland AB"``/``"... i Kalmar
AB"``). What the key keeps: every word that tells organisations apart, among them ``kommun``,
``stad``, ``region``, ``landsting``, ``länsstyrelsen``, ``regionförbundet``, ``universitet``,
``högskola`` and every place name, so ``"Örebro kommun"``, ``"Region Örebro län"``,
``"Regionförbundet Örebro län"``, ``"Örebro läns landsting"`` and ``"Länsstyrelsen i Örebro
län"`` stay five actors, as do ``"Uppsala universitet"`` and ``"Sveriges lantbruksuniversitet"``,
``"Almi Företagspartner Mitt AB"`` and ``"Almi Företagspartner Nord AB"``. Letters keep their
diacritics (``Ö`` is not ``O``). Renamed organisations (``"Västerbottens läns landsting"`` ->
``"Region Västerbotten"``), synonyms (``"Malmö stad"`` = ``"Malmö kommun"``) and abbreviations
(``"KTH"``, ``"Kungl"``) are *not* merged: they are not spelling variants, and a rule that merged
them would also merge distinct bodies. Known risk: an association and a company that share a name
except for the legal form (``"X ek. för."`` and ``"X AB"``) become one actor.

How it is checked (tests/test_index_actor_names.py): real variant groups taken from Projektbanken's
``beneficiary`` and the Interreg partners' ``organisationsnamn`` must merge; real distinct names
from the same lists that look alike must stay apart; and on the whole corpus (1,342 distinct
spellings -> 1,170 actors: 172 spellings merged into 149 groups, 56 of them beyond case and
punctuation, all read by eye) every merged group must be close as strings. :func:`merge_report`
lists the merges for eyeballing.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ecs_tagger.regions import SWEDISH_COUNTIES

#: Legal forms dropped from the end of a name, written as their words without spaces.
LEGAL_FORMS: frozenset[str] = frozenset(
    {
        "ab",
        "abpubl",
        "publ",
        "aktiebolag",
        "aktiebolaget",
        "ekför",
        "ekförening",
        "ekonomiskförening",
        "ekonomiskaförening",
        "ekonomiskaföreningen",
        "ekonomiskföreningupa",
        "upa",
        "ef",
        "ideellförening",
        "ideellaförening",
        "ideellaföreningen",
        "idéellförening",
        "hb",
        "handelsbolag",
        "kb",
        "kommanditbolag",
        "as",
        "asa",
        "aps",
        "oy",
        "oyj",
        "gmbh",
        "ltd",
        "limited",
        "inc",
        "llc",
    }
)
#: Words dropped from the start of a name.
LEADING_FORMS: frozenset[str] = frozenset({"stiftelsen", "ab"})
#: Letters a typed word must have to find the words it starts ("Öre" finds "Örebro").
MIN_PREFIX = 3
_LONGEST_FORM = 4  # words a legal form may be spelled with ("ek", "för", ...)
_WORD = re.compile(r"[^\W_]+")


#: Full association forms: a name cut short inside one ("Ekonomisk Fören") still ends in it.
_CUT_FORMS = ("ekonomiskförening", "ekonomiskaföreningen", "ideellförening", "ideellaföreningen")
_COUNTIES = frozenset(county.casefold().replace(" ", "") for county in SWEDISH_COUNTIES)
#: Words after which a genitive s is dropped ("Västerviks kommun" = "Västervik kommun").
_GENITIVE_BEFORE = frozenset({"kommun", "stad", "län", "läns"})


def _is_legal_form(squashed: str) -> bool:
    if squashed in LEGAL_FORMS:
        return True
    return squashed.startswith(("ekonomisk", "ideell")) and any(
        form.startswith(squashed) for form in _CUT_FORMS
    )


def _place_words(words: list[str]) -> list[str]:
    """Spellings of places and prepositions that vary: "västmanlands län" -> "västmanland",
    "västra götalands" -> "västragötaland", "västerviks kommun" -> "västervik kommun", and the
    word "i" dropped ("Högskolan i Gävle" = "Högskolan Gävle")."""
    joined: list[str] = []
    for word in words:
        if joined and joined[-1] == "västra" and word in ("götaland", "götalands"):
            joined[-1] = "västra" + word
        else:
            joined.append(word)
    out: list[str] = []
    for position, word in enumerate(joined):
        following = joined[position + 1] if position + 1 < len(joined) else ""
        if word == "i" and 0 < position < len(joined) - 1:
            continue
        if word in ("län", "läns") and out and out[-1] in _COUNTIES:
            continue
        if following in _GENITIVE_BEFORE and word.endswith("s") and len(word) > 3:
            word = word[:-1]
        out.append(word)
    return out


def actor_words(name: str) -> list[str]:
    """The words of a name after steps 1-4 of the normalisation (see the module docstring)."""
    text = unicodedata.normalize("NFKC", name).casefold().replace("&", " och ")
    words = _WORD.findall(text)
    changed = True
    while changed and len(words) > 1:
        changed = False
        for size in range(min(_LONGEST_FORM, len(words) - 1), 0, -1):
            if _is_legal_form("".join(words[-size:])):
                words = words[:-size]
                changed = True
                break
    if len(words) > 1 and words[0] in LEADING_FORMS:
        words = words[1:]
    return _place_words(words)


def actor_key(name: Any) -> str | None:
    """The key that all spellings of one organisation share; None for an empty name.

    >>> actor_key("Agro Öst Ideellförening") == actor_key("AgroÖst Ideell förening")
    True
    >>> actor_key("Örebro kommun") == actor_key("Region Örebro län")
    False
    """
    if name is None or (isinstance(name, float) and np.isnan(name)):
        return None
    words = actor_words(str(name))
    return "".join(words) or None


def _names_in_part(typed: str, words: list[str]) -> bool:
    """True when every word of `typed` is a word of the name and the last may be the start of
    one (the words as :func:`actor_words` gives them)."""
    wanted = actor_words(typed)
    if not wanted or not words:
        return False
    *whole, last = wanted
    if not all(word in words for word in whole):
        return False
    return last in words or (len(last) >= MIN_PREFIX and any(w.startswith(last) for w in words))


def actors_named_in_part(names: Iterable[Any], typed: str) -> list[str]:
    """The actors (one display name per :func:`actor_key`) that `typed` names in part, most
    mentioned first: every word of `typed` is a word of the actor's name, the last one may be the
    start of a word, as one types. "Örebro" finds "Örebro kommun", "Region Örebro län" and
    "Örebro universitet"; "Regionförbundet Upp" finds "Regionförbundet Uppsala län"; "Region
    Örebro" finds "Region Örebro län" but not "Regionförbundet Örebro län" (whole words before
    the last: the two are different bodies); a start of a word needs MIN_PREFIX letters. An
    actor that `typed` names whole (same key) comes first."""
    mentions = Counter(str(n).strip() for n in names if isinstance(n, str) and actor_key(n))
    groups: dict[str, Counter[str]] = {}
    for name, count in mentions.items():
        key = actor_key(name)
        if key is not None:
            groups.setdefault(key, Counter())[name] += count
    exact = actor_key(typed)
    found = [
        (key == exact, sum(spellings.values()), display_name(spellings.elements()))
        for key, spellings in groups.items()
        if key == exact or any(_names_in_part(typed, actor_words(n)) for n in spellings)
    ]
    found.sort(key=lambda item: (not item[0], -item[1], item[2]))
    return [name for _, _, name in found]


def display_name(variants: Iterable[str]) -> str:
    """The spelling to show for an actor: the most frequent, preferring mixed case to CAPITALS."""
    counts = Counter(variants)

    def rank(name: str) -> tuple[int, int, int, str]:
        shouting = name.isupper()
        return (-counts[name], int(shouting), -sum(c.islower() for c in name), name)

    return min(counts, key=rank)


def merge_report(names: Iterable[Any]) -> pd.DataFrame:
    """The groups of distinct spellings that :func:`actor_key` merges, largest first.

    Columns: key, actor (display name), variants (list), spellings (count), mentions.
    """
    mentions = Counter(str(n).strip() for n in names if actor_key(n))
    groups: dict[str, list[str]] = {}
    for name in mentions:
        key = actor_key(name)
        if key:
            groups.setdefault(key, []).append(name)
    rows = [
        {
            "key": key,
            "actor": display_name(Counter({v: mentions[v] for v in variants}).elements()),
            "variants": sorted(variants),
            "spellings": len(variants),
            "mentions": sum(mentions[v] for v in variants),
        }
        for key, variants in groups.items()
        if len(variants) > 1
    ]
    frame = pd.DataFrame(rows, columns=["key", "actor", "variants", "spellings", "mentions"])
    return frame.sort_values(
        ["spellings", "mentions", "key"], ascending=[False, False, True], ignore_index=True
    )
