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
    "Regions × areas ({source}).\nColour: {colour}; numbers: {numbers}": "Län × områden ({source}).\nFärg: {colour}; tal: {numbers}",
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
    "This registry names no regions: no heat map to draw.": "Registret anger inga län: ingen värmekarta att rita.",
    "No row of the registry lies in the regions asked for ({regions}).": "Ingen rad i registret ligger i de efterfrågade länen ({regions}).",
    "Area portfolio by region: {colour}, cells: {cells}": "Områdesportfölj per län: {colour}, rutor: {cells}",
    " and the location quotient": " och lokaliseringskvoten",
    "funding specialisation (location quotient)": "finansieringsspecialisering (lokaliseringskvot)",
    "share of funding": "andel av finansieringen",
    "funding": "finansiering",
    "count": "antal",
    "share": "andel",
    # the areas of the shipped taxonomy, as short words (table headings, tag lists, reasons)
    "food": "livsmedel",
    "health": "hälsa",
    "energy": "energi",
    "industry": "industri",
    "none": "inget område",
    # why a row is uncertain (ecs_tagger.coordinators.review.queue.Uncertainty.words)
    "{area} tagged: score {score}, threshold {limit}": "{area} taggad: poäng {score}, tröskel {limit}",
    "{area} not tagged: score {score}, threshold {limit}": "{area} ej taggad: poäng {score}, tröskel {limit}",
    "{area}: meaning says {meaning}, words say {words}": "{area}: betydelsen säger {meaning}, orden säger {words}",
    "clear": "tydlig",
    "not tagged (no text)": "ej taggad (ingen text)",
    "{n} rows": "{n} rader",
    # review actions (corrections file)
    "accept": "godkänd",
    "correct": "rättad",
    "withdraw": "återkallad",
    # session and notebooks
    "{done} of {tagged} tagged rows reviewed: {accepted} accepted, {corrected} corrected": "{done} av {tagged} taggade rader granskade: {accepted} godkända, {corrected} rättade",
    "; {n} reviewed rows whose text has changed since": "; {n} granskade rader vars text har ändrats sedan dess",
    " (file {path}).": " (fil {path}).",
    "Tagging": "Taggar",
    "Retraining (texts read)": "Tränar om (lästa texter)",
    "Tagging again with the retrained tagger": "Taggar igen med den omtränade modellen",
    "Reading the projects (new or changed only)": "Läser projekten (bara nya eller ändrade)",
    "{n} rows tagged with model {model}.": "{n} rader taggade med modellen {model}.",
    "Saved the retrained tagger in {path}: set MODEL = {quoted} above to use it.": "Sparade den omtränade modellen i {path}: sätt MODEL = {quoted} ovan för att använda den.",
    "No reviews yet: review some rows in section 3, then run this cell again.": "Inga granskningar än: granska några rader i avsnitt 3 och kör sedan den här cellen igen.",
    "Wrote {path}": "Skrev {path}",
    "Tags from model {model}": "Taggar från modellen {model}",
    " (retrained with your reviews).": " (omtränad med dina granskningar).",
    "The project names no actor: set ACTOR in the settings cell.": "Projektet anger ingen aktör: sätt ACTOR i inställningscellen.",
    "Index: {rows} projects in {regions} regions (model {model}, embeddings {embeddings}).": "Index: {rows} projekt i {regions} län (modell {model}, inbäddningar {embeddings}).",
    "This run: {added} added, {changed} changed, {unchanged} unchanged (reused), {removed} removed, {skipped} skipped (no text).": "Den här körningen: {added} nya, {changed} ändrade, {unchanged} oförändrade (återanvända), {removed} borttagna, {skipped} överhoppade (ingen text).",
    # similar initiatives table
    "rank": "plats",
    "closest sentences": "närmaste meningar",
    "shared key words": "gemensamma nyckelord",
    # retraining report (ecs_tagger.coordinators.corrections.retrain)
    "Retrained with {used} reviewed rows in {seconds} s: {added} added to the training data, "
    "{replaced} replacing a training label": "Omtränad med {used} granskade rader på {seconds} s: "
    "{added} tillagda i träningsdata, {replaced} ersätter en träningsetikett",
    ", {n} left out": ", {n} utelämnade",
    "Tags in the registry: {changed} of {rows} rows changed ({tags} single tags added or removed).": "Taggar i registret: {changed} av {rows} rader ändrade ({tags} enskilda taggar tillagda eller borttagna).",
    "Cross-validation was skipped: no metrics after retraining.": "Korsvalideringen hoppades över: inga mått efter omträningen.",
    "No metrics before retraining ({source}).": "Inga mått före omträningen ({source}).",
    "Left out: {n} review(s): {reason}.": "Utelämnade: {n} granskning(ar): {reason}.",
    "accepted tags left out (include_accepted=False)": "godkända taggar utelämnade (include_accepted=False)",
    "not in the registry loaded (no text to train on)": "finns inte i det inlästa registret (ingen text att träna på)",
    "the text changed since it was reviewed": "texten har ändrats sedan granskningen",
    "cross-validated when the model was trained": "korsvaliderat när modellen tränades",
    "stored with the model, which was trained on other data": "sparat med modellen, som tränades på andra data",
    "the model has no stored metrics": "modellen har inga sparade mått",
    "cross-validated now, without the reviews": "korsvaliderat nu, utan granskningarna",
    "not computed": "inte beräknat",
    "Agreement with the labelled texts (F1 averaged over the areas, 0 to 1, tested on texts each "
    "tagger was not trained on): {before} before ({source}), {after} after ({change}).": "Överensstämmelse "
    "med de märkta texterna (F1 i medeltal över områdena, 0 till 1, testat på texter som respektive "
    "modell inte tränats på): {before} före ({source}), {after} efter ({change}).",
    "drawing the texts again by chance, the change lies between {low} and {high} in 95% of draws": "om "
    "texterna dras på nytt slumpvis ligger ändringen mellan {low} och {high} i 95 % av dragningarna",
    "This change is within chance ({interval}, which includes no change): your reviews have neither "
    "helped nor hurt the tagger measurably; they still fix the rows you reviewed.": "Ändringen ryms "
    "inom slumpen ({interval}, vilket inkluderar ingen ändring): dina granskningar har varken hjälpt "
    "eller skadat modellen mätbart; de rättar ändå raderna du granskat.",
    "This is larger than chance ({interval}): the retrained tagger is better.": "Det är mer än "
    "slumpen ({interval}): den omtränade modellen är bättre.",
    "This is larger than chance ({interval}): the retrained tagger is worse; check the reviews whose "
    "tags changed below before saving it.": "Det är mer än slumpen ({interval}): den omtränade "
    "modellen är sämre; kontrollera granskningarna vars taggar ändrats nedan innan du sparar den.",
    "How well the tagger agrees with the labelled texts, before and after (tested on texts it was "
    "not trained on; 1 is perfect)": "Hur väl modellen stämmer med de märkta texterna, före och "
    "efter (testat på texter den inte tränats på; 1 är perfekt)",
    "Rows whose tags changed ({n})": "Rader vars taggar ändrats ({n})",
    "area": "område",
    "before": "före",
    "after": "efter",
    "change": "ändring",
    "added": "tillagda",
    "removed": "borttagna",
    "right among given tags": "rätt bland givna taggar",
    "found among true tags": "hittade bland rätta taggar",
    "balance (F1)": "balans (F1)",
    "labelled texts with the area": "märkta texter med området",
    "all areas (average)": "alla områden (medel)",
    "all tags together": "alla taggar tillsammans",
}


def say(text: str, language: str = "en", **values: Any) -> str:
    """`text` in `language` ("sv": Swedish where known, else English), formatted with `values`."""
    chosen = SWEDISH.get(text, text) if language == "sv" else text
    return chosen.format(**values) if values else chosen


__all__ = ["SWEDISH", "say"]
