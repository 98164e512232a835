"""The words the notebooks show people, in English or Swedish (``LANGUAGE = "sv"``).

>>> say("Tags are right", "sv")
'Taggarna stämmer'
>>> say("{n} of {total} rows", "sv", n=3, total=10)
'3 av 10 rader'

The English text is the key: code reads as it shows, and a phrase without a Swedish entry is shown
in English rather than failing.
"""

from __future__ import annotations

from typing import Any

SWEDISH: dict[str, str] = {
    # registry browser
    "Region": "Län",
    "Area": "Område",
    "Score": "Poäng",
    "Review": "Granskning",
    "all regions": "alla län",
    "all": "alla",
    "any": "alla",
    "no area": "inget område",
    "uncertain only (≥ {p} chance of a wrong tag)": "bara osäkra (≥ {p} risk för fel tagg)",
    "Evidence of": "Belägg för",
    "{n} of {total} rows": "{n} av {total} rader",
    " (first {n} shown)": " (de första {n} visas)",
    # review statuses
    "not reviewed": "ej granskad",
    "accepted": "godkänd",
    "corrected": "rättad",
    "text changed": "texten ändrad sedan granskningen",
    # review panel
    "Reviewer": "Granskare",
    "your name": "ditt namn",
    "comment (optional)": "kommentar (frivillig)",
    "Tags are right": "Taggarna stämmer",
    "Save ticked areas": "Spara ikryssade områden",
    "Back": "Tillbaka",
    "Skip": "Hoppa över",
    "accept the tagger's tags": "godkänn modellens taggar",
    "the right areas are the ticked ones": "de rätta områdena är de ikryssade",
    "Queue done": "Kön är klar",
    "{n} of {total}": "{n} av {total}",
    "no region": "inget län",
    "chance of a wrong tag": "risk för fel tagg",
    "reviewed before by": "granskad tidigare av",
    "Saved": "Sparat",
    # similar initiatives
    "Similar to": "Likt",
    "a project": "ett projekt",
    "an actor": "en aktör",
    "Project": "Projekt",
    "Actor": "Aktör",
    "type an id, part of a title, or a description": "skriv ett id, en del av en titel eller en beskrivning",
    "type an actor's name": "skriv en aktörs namn",
    "How many": "Hur många",
    "only other regions": "bara andra län",
    "any area": "alla områden",
    "Find": "Sök",
    "searching…": "söker…",
    "{n} initiatives most like {about}{where}:": "{n} initiativ som mest liknar {about}{where}:",
    "project": "projekt",
    "the text": "texten",
    " in ": " i ",
    "actor unknown": "okänd aktör",
    "tags": "taggar",
    "similarity": "likhet",
    "Why: ": "Varför: ",
    "Shared key words: ": "Gemensamma nyckelord: ",
    # evidence
    "score": "poäng",
    "tag from": "tagg från",
    "key words": "nyckelord",
    "not tagged": "ej taggad",
    "No area tagged.": "Inget område taggat.",
    "Not tagged": "Ej taggad",
    # tables
    "regions": "län",
    "title": "titel",
    "chance wrong": "risk för fel",
    "why": "varför",
    "review status": "granskningsstatus",
    "final areas": "områden efter granskning",
    "comment": "kommentar",
    "actor": "aktör",
    "projects": "projekt",
    "shared areas": "gemensamma områden",
    "areas": "områden",
    # pictures
    "specialisation (location quotient)": "specialisering (lokaliseringskvot)",
    "share of projects": "andel av projekten",
    "number of projects": "antal projekt",
    "reviewed tags": "granskade taggar",
    "Regions × areas ({source}). Colour: {colour}; numbers: {numbers}": "Län × områden ({source}). Färg: {colour}; tal: {numbers}",
    " and the quotient": " och kvoten",
    "Grey hatched cells: fewer than {n} projects in the area, too few to tell a specialisation "
    "(only the number of projects is shown).": "Grå streckade rutor: färre än {n} projekt i området, för få för att tala om "
    "specialisering (bara antalet projekt visas).",
    "{area}: {n} of {total} tagged": "{area}: {n} av {total} taggade",
    "rows": "rader",
    "threshold": "tröskel",
    "not tagged (grey)": "ej taggade (grå)",
    "tagged (colour of the area)": "taggade (områdets färg)",
    "Scores per area ({n} rows, model {model})": "Poäng per område ({n} rader, modell {model})",
    "No reviews yet: nothing to compare with the tagger.": "Inga granskningar än: inget att jämföra modellen med.",
    "yes": "ja",
    "no": "nej",
    "reviewer says": "granskaren säger",
    "tagger said": "modellen sa",
    "Tagger against reviewers over {n} reviewed rows (red: the tagger's errors)": "Modellen mot granskarna över {n} granskade rader (rött: modellens fel)",
}


def say(text: str, language: str = "en", **values: Any) -> str:
    """`text` in `language` ("sv": Swedish where known, else English), formatted with `values`."""
    chosen = SWEDISH.get(text, text) if language == "sv" else text
    return chosen.format(**values) if values else chosen


__all__ = ["SWEDISH", "say"]
