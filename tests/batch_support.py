"""Shared data of the batch tests (tests/test_batch_*.py).

The texts the tests tag, the result columns they expect, and the training set of the small model
that the `batch_model` and `tagger` fixtures (tests/conftest.py) train once per session, and
`train_model`, which trains such a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

CODES = ("food", "health", "energy", "industry")
RESULT_COLUMNS = [
    "areas",
    *(f"score_{c}" for c in CODES),
    "model_version",
    "tag_status",
]

TRAINING = [
    ("Projektet utvecklar lokalproducerad mat och gårdsbutiker för små livsmedelsföretag.", "food"),
    (
        "Stöd till jordbruk och lantbruk för hållbar livsmedelsförsörjning och matproduktion.",
        "food",
    ),
    ("Vattenbruk och fiske ska bli mer hållbart genom ny teknik för odling av fisk.", "food"),
    ("Offentliga måltider i skolor ska använda lokala livsmedel och minska matsvinn.", "food"),
    ("Livsmedelsindustrin i regionen förädlar mjölk och kött till nya produkter.", "food"),
    (
        "Projektet inför välfärdsteknik i äldreomsorgen, till exempel trygghetslarm och sensorer.",
        "health",
    ),
    ("E-hälsa och digitala vårdtjänster gör sjukvården mer tillgänglig på landsbygden.", "health"),
    ("Testbädd för medicinteknik och diagnostik i samarbete med hälso- och sjukvården.", "health"),
    ("Telemedicin och digitala vårdbesök för patienter med kroniska sjukdomar.", "health"),
    ("Robotar och hjälpmedel i omsorgen för personer med funktionsnedsättning.", "health"),
    (
        "Solceller och energieffektivisering i fastigheter minskar utsläppen av växthusgaser.",
        "energy",
    ),
    ("Vindkraft och förnybar energi ska byggas ut i regionen med lokala företag.", "energy"),
    ("Biogas från restprodukter ersätter fossila bränslen i transporter.", "energy"),
    ("Energilagring och smarta elnät för omställningen till fossilfri energi.", "energy"),
    ("Tillverkningsindustrin digitaliseras med automation och robotar i produktionen.", "industry"),
    ("Industriföretag inför cirkulära affärsmodeller och ny produktionsteknik.", "industry"),
    (
        "Verkstadsindustrin utvecklar avancerad tillverkning och industriell digitalisering.",
        "industry",
    ),
    ("Projektet stärker kulturlivet och turismen med nya evenemang och festivaler.", ""),
    ("Ungdomar får stöd att starta eget företag genom coachning och nätverk.", ""),
    ("Utbildning i svenska för nyanlända och integration på arbetsmarknaden.", ""),
    (
        "Biogas från matavfall och gödsel från lantbruk ger förnybar energi till gårdar.",
        "food;energy",
    ),
    ("Sensorer i industriproduktionen används för digital hälsa hos anställda.", "industry;health"),
]

FOOD = "Skolor och kommuner ska servera mer lokalproducerad mat från jordbruk i länet."
HEALTH = "Digitala vårdtjänster och välfärdsteknik för äldre i hemtjänsten."
NORWEGIAN = (
    "Prosjektet skal styrke små og mellomstore bedrifter i regionen gjennom digitalisering og "
    "bærekraftig matproduksjon. Kommunene samarbeider om nye arbeidsplasser og bedre "
    "helsetjenester for eldre."
)
DANISH = (
    "Projektet styrker små og mellemstore virksomheder i regionen med digitale løsninger og "
    "bæredygtig fødevareproduktion. Kommunerne samarbejder om nye arbejdspladser og bedre "
    "sundhed for ældre borgere."
)
ENGLISH = "The project develops telemedicine and digital health services for elderly people."
MIXED = "Projektet utvecklar e-hälsa för äldre. The project develops telemedicine for rural areas."


def train_model(training: Sequence[tuple[str, str]], folder: Path) -> Path:
    """A small model trained on (text, areas) pairs without cross-validation, saved to `folder`."""
    from ecs_tagger.model.training import TrainSettings
    from ecs_tagger.tagger import Tagger

    frame = pd.DataFrame({"text": [t for t, _ in training], "areas": [a for _, a in training]})
    tagger = Tagger.train(
        frame, cross_validation=False, settings=TrainSettings(inner_folds=2, min_df=1)
    )
    return tagger.save(folder)
