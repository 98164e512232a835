"""Derive the word-form tables of true case and diacritic restoration (``src/ecs_tagger/data/``).

``python -m benchmarks.derive_word_forms`` writes ``cased_words.txt`` and ``accented_words.txt``
(:mod:`ecs_tagger.preprocess.word_forms` says what they hold and how they are learned) from every
text of the corpus that is NOT a labelled record: Projektbanken descriptions, SweCRIS abstracts
(Swedish and English), H2020 titles, Interreg project names; and as names (every word counts as
written) the place and organisation fields of every record (Projektbanken's county,
municipalities, programme area and stödmottagare, the Interreg partners and their län). Leaving the
labelled records out keeps cross-validation and the perturbation benchmark honest: no table has
seen how a text it is scored on writes its words.

Reproducible from ``../shared/corpus``; rerun after the corpus changes (models record the
tables' digest and refuse other tables).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "src" / "ecs_tagger" / "data"
HEADER = "# derived by benchmarks/derive_word_forms.py from the corpus's unlabelled texts; do not edit by hand\n"


def _strings(column: pd.Series) -> Iterator[str]:
    for value in column:
        if isinstance(value, str) and value.strip():
            yield value


def unlabelled_texts(root: Path | None = None) -> tuple[list[str], list[str]]:
    """Every corpus text whose record has no label in any labels file, and the names of the
    registries' place and organisation fields (of every record: names, not texts), in a fixed
    order."""
    from ecs_tagger.corpus import (
        load_h2020,
        load_interreg_partners,
        load_labels,
        load_projektbanken,
        load_swecris,
    )

    labelled = set(load_labels(root)["id"])
    projects = load_projektbanken(root)
    swecris = load_swecris(root)
    h2020 = load_h2020(root)
    interreg = load_interreg_partners(root)
    texts: list[str] = []
    texts += _strings(projects.loc[~projects["id"].isin(labelled), "text"])
    free = swecris[~swecris["id"].isin(labelled)]
    texts += _strings(free["text_sv"])
    texts += _strings(free["text_en"])
    texts += _strings(h2020["title"])
    texts += _strings(interreg["projektnamn"].drop_duplicates())
    names: list[str] = []
    for column in ("county", "municipalities", "programme_area", "beneficiary"):
        for value in _strings(projects[column]):
            names += [part.strip() for part in value.split(",") if part.strip()]
    names += _strings(interreg["organisationsnamn"])
    names += _strings(interreg["nuts3"])
    return texts, names


def main(argv: list[str] | None = None) -> int:
    from ecs_tagger.preprocess.word_forms import learn_word_forms

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder")
    args = parser.parse_args(argv)
    texts, names = unlabelled_texts(args.corpus)
    forms = learn_word_forms(texts, names)
    cased, accented = forms.lines()
    for name, lines in (("cased_words.txt", cased), ("accented_words.txt", accented)):
        (OUT / name).write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    print(
        f"{len(texts)} texts, {len(names)} names: {len(cased)} cased words, "
        f"{len(accented)} accented words"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
