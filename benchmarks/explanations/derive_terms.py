"""Derive the words that are never shown as evidence (``src/ecs_tagger/data/``).

``python -m benchmarks.explanations.derive_terms`` writes

``generic_terms.txt``
    project and verb vocabulary: lemmas of at least ``MIN_DF`` labelled texts (both labelling
    rounds, with their Projektbanken/SweCRIS texts) whose rate of occurrence is spread evenly over
    the five classes food, health, energy, industry and none (the highest class rate, shrunk
    toward the overall rate by ``SMOOTHING`` pseudo-texts, at most ``MAX_RATIO`` times the mean
    class rate), or that occur in more than ``COMMON_SHARE`` of the
    labelled texts.
``place_names.txt``
    the gazetteer: every county, municipality and programme area named in Projektbanken's
    ``county``/``municipalities``/``programme_area`` fields, the Norwegian counties of the H2020
    records and the län of the Interreg partners (each name and each of its words), plus every
    word of the corpus texts written with a capital inside a sentence in at least ``PROPER_SHARE``
    of at least ``PROPER_MIN`` occurrences (proper names: places, organisations), lower-cased,
    and the lemma the preprocessing gives each of them unless that lemma is a common word (known
    to the lexicon and mostly written in lower case in the corpus).

Both lists are reproducible from ``../shared/corpus``; rerun after the corpus changes.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parents[2] / "src" / "ecs_tagger" / "data"
CLASSES = ("food", "health", "energy", "industry", "none")
MIN_DF = 15
MAX_RATIO = 1.6
#: Pseudo-texts that shrink a class's rate toward the lemma's overall rate (the food class has
#: under 100 texts: six food texts with "böra" must not make it a food word).
SMOOTHING = 50
COMMON_SHARE = 0.25
PROPER_SHARE = 0.9
PROPER_MIN = 3
_WORD = re.compile(r"[A-Za-zÅÄÖÉÜåäöéüæøÆØ][\wåäöÅÄÖ-]*")


def labelled_texts() -> pd.DataFrame:
    from ecs_tagger.corpus import load_labels, load_projektbanken, load_swecris

    labels = load_labels()
    labels = labels[
        labels["label_file"].isin(("train_labels.jsonl", "train_labels_round2.jsonl"))
    ].copy()
    projects = load_projektbanken().set_index("id")["text"]
    swecris = load_swecris().set_index("id")["text_sv"]
    labels["text"] = [
        projects.get(i) if source == "projektbanken" else swecris.get(i)
        for i, source in zip(labels["id"], labels["source"], strict=True)
    ]
    return labels[labels["text"].notna()].reset_index(drop=True)


def generic_terms(labels: pd.DataFrame) -> list[str]:
    from ecs_tagger.preprocess import Preprocessor

    documents = Preprocessor().process_many(labels["text"].tolist())
    df: dict[str, Counter[str]] = defaultdict(Counter)
    sizes: Counter[str] = Counter()
    for areas, document in zip(labels["areas"], documents, strict=True):
        classes = list(areas) or ["none"]
        sizes.update(classes)
        for lemma in set(document.words):
            df[lemma].update(classes)
    n = len(labels)
    out = []
    for lemma, counts in df.items():
        total = sum(counts.values())
        if total < MIN_DF:
            continue
        overall = total / sum(sizes.values())
        rates = np.array(
            [(counts[c] + SMOOTHING * overall) / (sizes[c] + SMOOTHING) for c in CLASSES]
        )
        if rates.max() <= MAX_RATIO * rates.mean() or total > COMMON_SHARE * n:
            out.append(lemma)
    return sorted(out)


def place_names() -> list[str]:
    from ecs_tagger.corpus import corpus_path, load_h2020, load_interreg_partners

    names: set[str] = set()
    capital: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    with open(corpus_path("projektbanken/projects.jsonl"), encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            for field in ("county", "municipalities", "programme_area"):
                for name in str(record.get(field) or "").split(","):
                    names.add(name.strip().lower())
            for sentence in re.split(r"[.!?:\n]+", f"{record.get('description') or ''}"):
                for k, word in enumerate(_WORD.findall(sentence)):
                    if k == 0:
                        continue
                    seen[word.lower()] += 1
                    capital[word.lower()] += word[0].isupper()
    for column in ("norwegian_fylker",):
        frame = load_h2020()
        if column in frame:
            for value in frame[column].dropna():
                names.update(n.strip().lower() for n in re.split(r"[;,|]", str(value)))
    partners = load_interreg_partners()
    if "nuts3" in partners:
        names.update(str(v).strip().lower() for v in partners["nuts3"].dropna())
    words = {w for name in names for w in re.findall(r"[\wåäöæø-]+", name) if len(w) > 2}
    words -= {
        "län",
        "och",
        "the",
        "county",
        "region",
        "kommun",
        "nedre",
        "övre",
        "norra",
        "södra",
        "östra",
        "västra",
        "mellersta",
    }
    proper = {
        w
        for w, count in seen.items()
        if count >= PROPER_MIN and capital[w] >= PROPER_SHARE * count and len(w) > 2
    }
    found = {n for n in names if n} | words | proper
    # Their lemmas too ("Bergslagen" -> "bergslag"), unless the lemma is a common word: one the
    # lexicon knows whose forms in the corpus are mostly written in lower case ("Ånge" ->
    # "ånga", steam; "Print" -> "print").
    from ecs_tagger.preprocess import Preprocessor, get_lexicon

    lexicon = get_lexicon("sv")
    documents = Preprocessor().process_many(sorted(words | proper))
    candidates = {
        lemma
        for document in documents
        if len(document.lemmas) == 1
        for lemma in document.lemmas
        if lemma not in found
    }

    def mostly_capitalised(lemma: str) -> bool:
        forms = [w for w in seen if w.startswith(lemma)]
        total = sum(seen[w] for w in forms)
        return total > 0 and sum(capital[w] for w in forms) >= PROPER_SHARE * total

    lemmas = {c for c in candidates if not lexicon.is_known(c) or mostly_capitalised(c)}
    return sorted(found | lemmas)


def main() -> None:
    generic = generic_terms(labelled_texts())
    places = place_names()
    header = "# derived by benchmarks/explanations/derive_terms.py; do not edit by hand\n"
    (OUT / "generic_terms.txt").write_text(header + "\n".join(generic) + "\n", encoding="utf-8")
    (OUT / "place_names.txt").write_text(header + "\n".join(places) + "\n", encoding="utf-8")
    print(f"{len(generic)} generic terms, {len(places)} place and proper names")


if __name__ == "__main__":
    main()
