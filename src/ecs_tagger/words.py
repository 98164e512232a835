"""The words the notebooks show people, in English or Swedish (``LANGUAGE = "sv"``).

>>> say("Tags are right", "sv")
'Taggarna stämmer'
>>> say("{n} of {total} rows", "sv", n=3, total=10)
'3 av 10 rader'
>>> say_count(1, "{n} reviewed row", "{n} reviewed rows", "en")
'1 reviewed row'
>>> number(0.876, "sv"), number(0.876, "en"), percent(0.16, "sv"), percent(0.16, "en")
('0,88', '0.88', '16\xa0%', '16%')

The English text is the key: code reads as it shows, and a phrase without a Swedish entry is shown
in English rather than failing. Numbers are written as each language writes them
(:func:`number`, :func:`percent`): a decimal point and a thousands comma in English (``0.88``,
``8,283``), a decimal comma and a no-break space in Swedish (``0,88``, ``8 283``, ``16 %``).
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
    "Saved {id}: {areas} ({done}).": "Sparat {id}: {areas} ({done}).",
    "withdrawn": "återkallad",
    # similar initiatives
    "Similar to": "Likt",
    "a project": "ett projekt",
    "an actor": "en aktör",
    "Project": "Projekt",
    "Actor": "Aktör",
    "type an id, part of a title, or a description": "skriv ett id, en del av en titel eller en beskrivning",
    "type an actor's name, or part of it": "skriv en aktörs namn, eller en del av det",
    "show the nearest anyway (marked weak)": "visa de närmaste ändå (markerade som svaga)",
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
    "{n} row": "{n} rad",
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
    "Index: {rows} projects in {regions} regions (tags from model {model}; meaning compared by "
    "the text model {embeddings}).": "Index: {rows} projekt i {regions} län (taggar från modellen "
    "{model}; betydelsen jämförs av textmodellen {embeddings}).",
    "This run: {added} added, {changed} changed, {unchanged} unchanged (reused), {removed} removed, {skipped} skipped (no text).": "Den här körningen: {added} nya, {changed} ändrade, {unchanged} oförändrade (återanvända), {removed} borttagna, {skipped} överhoppade (ingen text).",
    # similar initiatives table
    "rank": "plats",
    "closest sentences": "närmaste meningar",
    "shared key words": "gemensamma nyckelord",
    # retraining report (ecs_tagger.coordinators.corrections.retrain)
    "Retrained with {n} reviewed row in {time}": "Omtränad med {n} granskad rad på {time}",
    "Retrained with {n} reviewed rows in {time}": "Omtränad med {n} granskade rader på {time}",
    ": {n} row added to the training data": ": {n} rad tillagd i träningsdata",
    ": {n} rows added to the training data": ": {n} rader tillagda i träningsdata",
    ", {n} in place of a training label": ", {n} i stället för en träningsetikett",
    ", {n} in place of training labels": ", {n} i stället för träningsetiketter",
    ", {n} review left out": ", {n} granskning utelämnad",
    ", {n} reviews left out": ", {n} granskningar utelämnade",
    "Tags in the registry: {changed} of {rows} rows changed": "Taggar i registret: {changed} av {rows} rader ändrade",
    " ({n} tag added or removed).": " ({n} tagg tillagd eller borttagen).",
    " ({n} tags added or removed).": " ({n} taggar tillagda eller borttagna).",
    "Cross-validation was skipped: no metrics after retraining.": "Korsvalideringen hoppades över: inga mått efter omträningen.",
    "No metrics before retraining ({source}).": "Inga mått före omträningen ({source}).",
    "Left out: {n} review: {reason}.": "Utelämnad: {n} granskning: {reason}.",
    "Left out: {n} reviews: {reason}.": "Utelämnade: {n} granskningar: {reason}.",
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
    # what a similarity means (ecs_tagger.coordinators.widgets.similar, regional.levels)
    "close match": "nära träff",
    "related": "besläktad",
    "weak": "svag",
    "match": "träff",
    "How to read the similarity: 1 is the same text; {closeness}{related} or more is related; "
    "below {related} it is weak, probably unrelated. (The levels come from 1,638 pairs of "
    "projects read and graded by a person: at and above {related}, most pairs were "
    "related.)": "Så läser du likheten: 1 är samma text; {closeness}{related} eller mer är "
    "besläktat; under {related} är det svagt, troligen obesläktat. (Nivåerna kommer från 1 638 "
    "par av projekt som en person läst och bedömt: från {related} och uppåt var de flesta paren "
    "besläktade.)",
    "{close} or more is a close match; ": "{close} eller mer är en nära träff; ",
    "No close match in this registry": "Ingen nära träff i det här registret",
    "for {about}{where}: the most similar initiative has a similarity of {best}, below "
    "{related}, the level from which most pairs read by a person were related.": "för "
    "{about}{where}: det mest lika initiativet har likheten {best}, under {related}, den nivå "
    "från vilken de flesta par som en person läst var besläktade.",
    "No initiative in this registry for {about}{where} passes the filters.": "Inget initiativ i "
    "registret passar filtren för {about}{where}.",
    "Show the nearest anyway ({n}, marked weak)": "Visa de närmaste ändå ({n}, markerade som "
    "svaga)",
    "{n} weaker hits (below {related}, probably unrelated)": "{n} svagare träffar (under "
    "{related}, troligen obesläktade)",
    "{n} initiatives most like {about}{where}, all weak (below {related}: probably "
    "unrelated):": "{n} initiativ som mest liknar {about}{where}, alla svaga (under {related}: "
    "troligen obesläktade):",
    # similar actors
    "Actors most like {actor}:": "Aktörer som mest liknar {actor}:",
    "Actors most like {actor}: none.": "Aktörer som mest liknar {actor}: inga.",
    "No other actor works outside its regions ({regions}).": "Ingen annan aktör arbetar "
    "utanför dess län ({regions}).",
    "The one other actor compared does not reach the minimum similarity {minimum}: {nearest} "
    "has {value}.": "Den enda andra aktören som jämförts når inte den lägsta likheten {minimum}: "
    "{nearest} har {value}.",
    "None of the {n} other actors compared reaches the minimum similarity {minimum}; the "
    "closest, {nearest}, has {value}.": "Ingen av de {n} andra aktörerna som jämförts når den "
    "lägsta likheten {minimum}; den närmaste, {nearest}, har {value}.",
    "There is no other actor to compare with.": "Det finns ingen annan aktör att jämföra med.",
    "«{typed}» names {n} actors; this is the search for {actor}, the one with the most "
    "projects. The others: {others} (type one of them to search for it).": "«{typed}» passar "
    "{n} aktörer; det här är sökningen för {actor}, den med flest projekt. De andra: {others} "
    "(skriv en av dem för att söka på den).",
    "{actor} ({value}) works in the same region: untick «only other regions» to see actors "
    "there.": "{actor} ({value}) arbetar i samma län: kryssa ur «bara andra län» för att se "
    "aktörer där.",
    "How to read the similarity of actors: how alike their projects are in content and areas, "
    "0 to 1; actors below {minimum} are not presented as similar.": "Så läser du aktörernas "
    "likhet: hur lika deras projekt är i innehåll och områden, 0 till 1; aktörer under {minimum} "
    "visas inte som lika.",
    # the status line and progress (ecs_tagger.coordinators.notebook_help)
    "The cells are running: what they do is shown here.": "Cellerna körs: vad de gör visas här.",
    "{what}: {done} of {total} texts ({share})": "{what}: {done} av {total} texter ({share})",
    ", about {time} left": ", ungefär {time} kvar",
    "{what}: {n} text": "{what}: {n} text",
    "{what}: {n} texts": "{what}: {n} texter",
    "{what}: {n} text in {time}.": "{what}: {n} text på {time}.",
    "{what}: {n} texts in {time}.": "{what}: {n} texter på {time}.",
    "All cells have run: review in section 3, then click Export to Excel in section 6.": "Alla "
    "celler har körts: granska i avsnitt 3 och klicka sedan på Exportera till Excel i avsnitt 6.",
    "All cells have run: search in section 2.": "Alla celler har körts: sök i avsnitt 2.",
    # how long a retraining takes (ecs_tagger.coordinators.corrections.estimate)
    "Retraining reads {texts} training texts; {cached} of them are already in the embedding "
    "cache of this machine or saved with the model, {to_read} still to read: it will take about "
    "{time}.": "Omträningen läser {texts} träningstexter; {cached} av dem finns redan i den här "
    "datorns cache eller sparade med modellen, {to_read} återstår att läsa: det tar ungefär "
    "{time}.",
    "The first retraining on a machine is the long one: later retrainings find the texts in the "
    "cache and take about {time}.": "Den första omträningen på en dator är den långa: senare "
    "omträningar hittar texterna i cachen och tar ungefär {time}.",
    "To keep your reviews and these tags in a file, click Export to Excel in section 6 (each "
    "click writes a new file).": "Klicka på Exportera till Excel i avsnitt 6 för att spara dina "
    "granskningar och de här taggarna i en fil (varje klick skriver en ny fil).",
    # the export button (ecs_tagger.coordinators.widgets.export)
    "Export to Excel": "Exportera till Excel",
    "write a new Excel file with the reviews saved so far": "skriv en ny Excel-fil med "
    "granskningarna som sparats hittills",
    "with the tags of the retrained tagger (section 5)": "med taggarna från den omtränade "
    "modellen (avsnitt 5)",
    "Nothing exported yet. Click the button after reviewing (and retraining): the file holds the "
    "reviews saved by then. Each click writes a new file.": "Inget exporterat än. Klicka på "
    "knappen när du har granskat (och tränat om): filen innehåller granskningarna som sparats "
    "till dess. Varje klick skriver en ny fil.",
    "No retrained tagger yet: retrain in section 5 first, or untick the box to export the tags "
    "of the tagger that tagged the rows.": "Ingen omtränad modell än: träna om i avsnitt 5 först, "
    "eller kryssa ur rutan för att exportera taggarna från modellen som taggade raderna.",
    "{n} reviewed row; tags from model {model}": "{n} granskad rad; taggar från modellen {model}",
    "{n} reviewed rows; tags from model {model}": "{n} granskade rader; taggar från modellen "
    "{model}",
}


def say(text: str, language: str = "en", **values: Any) -> str:
    """`text` in `language` ("sv": Swedish where known, else English), formatted with `values`."""
    chosen = SWEDISH.get(text, text) if language == "sv" else text
    return chosen.format(**values) if values else chosen


def say_count(n: int, one: str, many: str, language: str = "en", **values: Any) -> str:
    """`one` when `n` is 1, else `many` (each an English key of :func:`say`), in `language`, with
    ``{n}`` written by :func:`number` ("1 reviewed row", "3 reviewed rows"; "3 granskade rader")."""
    return say(one if n == 1 else many, language, n=number(n, language, digits=0), **values)


#: Written for a missing number (NaN, None, pd.NA).
MISSING = "–"
#: Swedish groups thousands with a space that never breaks a number over two lines.
_NO_BREAK_SPACE = "\u00a0"


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, and pd.NA (whose comparison raises in bool())
    except TypeError:
        return True


def number(value: Any, language: str = "en", digits: int = 2, *, sign: bool = False) -> str:
    """`value` with `digits` decimals as `language` writes numbers: ``0.88`` / ``8,283`` in
    English, ``0,88`` / ``8 283`` in Swedish (decimal comma, a no-break space between thousands).
    `sign`: a plus sign before positive numbers (changes: ``+0.02``). A missing value is "–"."""
    if _missing(value):
        return MISSING
    text = f"{float(value):{'+' if sign else ''},.{max(digits, 0)}f}"
    if text.lstrip("+-").strip("0.,") == "" and text.startswith("-"):
        text = ("+" if sign else "") + text[1:]  # -0.00 reads as a change where there is none
    if language == "sv":
        text = text.replace(",", _NO_BREAK_SPACE).replace(".", ",")
    return text


def percent(share: Any, language: str = "en", digits: int = 0) -> str:
    """A share (0-1) as a percentage: ``16%`` in English, ``16 %`` in Swedish (with a no-break
    space, as Swedish writes it). A missing value is "–"."""
    if _missing(share):
        return MISSING
    value = number(100 * float(share), language, digits)
    return f"{value}{_NO_BREAK_SPACE}%" if language == "sv" else f"{value}%"


def duration(seconds: float, language: str = "en") -> str:
    """A time for people, rounded: "40 s", "3 min", "1 h 5 min" (the same units in Swedish)."""
    seconds = max(float(seconds), 0.0)
    if seconds < 90:
        return f"{round(seconds):.0f}{_NO_BREAK_SPACE}s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes}{_NO_BREAK_SPACE}min"
    hours, minutes = divmod(minutes, 60)
    hours_text = f"{hours}{_NO_BREAK_SPACE}h"
    return f"{hours_text} {minutes}{_NO_BREAK_SPACE}min" if minutes else hours_text


__all__ = ["MISSING", "SWEDISH", "duration", "number", "percent", "say", "say_count"]
