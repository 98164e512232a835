"""Derive the word-form tables of true case and diacritic restoration (``src/ecs_tagger/data/``).

``python -m benchmarks.derive_word_forms`` writes ``cased_words.txt``, ``cased_words_en.txt`` and
``accented_words.txt``
(:mod:`ecs_tagger.preprocess.word_forms` says what they hold and how they are learned) from every
text of the corpus: Projektbanken descriptions, SweCRIS abstracts
(Swedish and English), H2020 titles, Interreg project names; and as names (every word counts as
written) the place fields of every record (Projektbanken's county, municipalities and programme
area, the Interreg partners' län). English texts (by language detection) make the English cased
table. No label is read: the tables hold how words are written, learned from the labelled
records' texts too (without them most Projektbanken names would be missing). So cross-validation
of the true-case variants sees tables that know how its test texts write their words, as a
registry of the corpus would; a registry from elsewhere has more words the tables lack.

Reproducible from ``../shared/corpus``; rerun after the corpus changes (models record the
tables' digest and refuse other tables).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "src" / "ecs_tagger" / "data"
HEADER = "# derived by benchmarks/derive_word_forms.py from the corpus; do not edit by hand\n"


def _strings(column: pd.Series) -> Iterator[str]:
    for value in column:
        if isinstance(value, str) and value.strip():
            yield value


def corpus_texts(root: Path | None = None) -> tuple[list[str], list[str], list[str]]:
    """Every corpus text, not in English and in English (by `detect_language`), and the names
    of the registries' place fields, in a fixed order."""
    from ecs_tagger.corpus import (
        load_h2020,
        load_interreg_partners,
        load_projektbanken,
        load_swecris,
    )
    from ecs_tagger.preprocess.language import detect_language

    projects = load_projektbanken(root)
    swecris = load_swecris(root)
    h2020 = load_h2020(root)
    interreg = load_interreg_partners(root)
    texts: list[str] = []
    texts += _strings(projects["text"])
    texts += _strings(swecris["text_sv"])
    texts += _strings(swecris["text_en"])
    texts += _strings(h2020["title"])
    texts += _strings(interreg["projektnamn"].drop_duplicates())
    names: list[str] = []
    for column in ("county", "municipalities", "programme_area"):
        for value in _strings(projects[column]):
            names += [part.strip() for part in value.split(",") if part.strip()]
    names += _strings(interreg["nuts3"])
    english = [text for text in texts if detect_language(text).code == "en"]
    others = [text for text in texts if detect_language(text).code != "en"]
    return others, names, english


def main(argv: list[str] | None = None) -> int:
    from ecs_tagger.preprocess.word_forms import DATA_FILES, learn_word_forms

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder")
    args = parser.parse_args(argv)
    texts, names, english = corpus_texts(args.corpus)
    forms = learn_word_forms(texts, names, english)
    tables = forms.lines()
    for name, lines in zip(DATA_FILES, tables, strict=True):
        (OUT / name).write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    print(
        f"{len(texts)} texts, {len(english)} in English, {len(names)} place names: "
        f"{len(tables[0])} cased words, {len(tables[1])} accented, {len(tables[2])} cased in English"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
