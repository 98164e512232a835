"""Lemma error rate on a fixed sample of 300 content tokens from the Projektbanken descriptions.

``python -m benchmarks.lemma_check`` reads ``benchmarks/lemma_sample.tsv`` (one row per sampled
token: ``id`` of the project, ``position`` (token index in the description's spaCy tokenisation),
``token`` as written, ``context`` (the words around it) and ``expected``, the correct lemma judged
by reading the context; the judgements are ours, no corpus file is copied) and prints the error
rate of two lemmatisers on it: the raw ``spacy-lookups-data`` table (lower-cased look-up, the
word itself when missing) and :class:`ecs_tagger.preprocess.Lexicon` (the package's lemmas).
A token counts as wrong when its lemma differs from ``expected``; ``expected`` may list
accepted alternatives separated by ``|`` (``studie|studium``).

``python -m benchmarks.lemma_check --draw`` draws the sample again (seeded: the same 300 tokens
for the same corpus copy) and writes the TSV with the current lemma in ``expected`` as a draft
to be checked by hand; it refuses to overwrite a judged file without ``--overwrite``.

Content tokens: alphabetic, at least two letters, not a stop word, of a description detected as
Swedish; the sample is ``random.Random(SEED).sample`` of all such tokens in corpus order.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SEED = 20240612
SAMPLE_SIZE = 300
SAMPLE_PATH = Path(__file__).resolve().parent / "lemma_sample.tsv"
COLUMNS = ("id", "position", "token", "context", "expected")
_CONTEXT_WORDS = 4


@dataclass(frozen=True)
class SampleToken:
    """One judged token: where it is, how it is written, and its correct lemma(s)."""

    id: str
    position: int
    token: str
    context: str
    expected: tuple[str, ...]


def draw_sample(size: int = SAMPLE_SIZE, seed: int = SEED) -> list[SampleToken]:
    """``size`` content tokens drawn with ``seed`` from the Swedish Projektbanken descriptions;
    ``expected`` holds the package's current lemma (a draft to check by hand)."""
    from ecs_tagger.corpus import load_projektbanken
    from ecs_tagger.preprocess import Preprocessor, get_lexicon
    from ecs_tagger.preprocess.language import detect_language
    from ecs_tagger.preprocess.pipelines import get_pipeline

    frame = load_projektbanken()
    frame = frame[frame["description"].fillna("").str.strip() != ""]
    pre = Preprocessor()
    nlp = get_pipeline("sv")
    lexicon = get_lexicon("sv")
    candidates: list[tuple[str, int, str, str]] = []
    for project_id, description in zip(frame["id"], frame["description"], strict=True):
        clean = pre.clean(str(description))
        if detect_language(clean).code != "sv":
            continue
        doc = nlp(clean, disable=["lemmatizer"])
        words = [t.text for t in doc]
        for token in doc:
            text = token.text
            if not text.isalpha() or len(text) < 2 or token.lower_ in lexicon.stop_words:
                continue
            lo, hi = max(0, token.i - _CONTEXT_WORDS), token.i + _CONTEXT_WORDS + 1
            context = " ".join(" ".join(words[lo:hi]).split())
            candidates.append((str(project_id), token.i, text, context))
    chosen = sorted(random.Random(seed).sample(range(len(candidates)), size))
    return [
        SampleToken(pid, pos, text, context, (lexicon.lemma(text.lower()),))
        for pid, pos, text, context in (candidates[i] for i in chosen)
    ]


def write_sample(path: Path, sample: list[SampleToken]) -> None:
    """Write ``sample`` as a tab-separated file with the header :data:`COLUMNS`."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(COLUMNS)
        for item in sample:
            writer.writerow(
                (item.id, item.position, item.token, item.context, "|".join(item.expected))
            )


def read_sample(path: Path = SAMPLE_PATH) -> list[SampleToken]:
    """The judged sample of ``path`` (columns :data:`COLUMNS`)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        SampleToken(
            row["id"],
            int(row["position"]),
            row["token"],
            row["context"],
            tuple(row["expected"].split("|")),
        )
        for row in rows
    ]


def error_rate(
    sample: list[SampleToken], lemma: Callable[[str], str]
) -> tuple[float, list[tuple[SampleToken, str]]]:
    """Share of ``sample`` whose ``lemma(token.lower())`` is not expected, and the misses."""
    misses = [
        (item, got) for item in sample if (got := lemma(item.token.lower())) not in item.expected
    ]
    return len(misses) / len(sample), misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draw", action="store_true", help="draw the sample and write a draft")
    parser.add_argument("--overwrite", action="store_true", help="replace a judged sample file")
    parser.add_argument("--sample", type=Path, default=SAMPLE_PATH, help="the sample TSV")
    parser.add_argument("--show", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    if args.draw:
        if args.sample.exists() and not args.overwrite:
            print(f"{args.sample} exists (judged by hand); add --overwrite to replace it")
            return 1
        write_sample(args.sample, draw_sample())
        print(f"wrote {args.sample}: {SAMPLE_SIZE} tokens, seed {SEED}")
        return 0

    from ecs_tagger.preprocess import get_lexicon

    sample = read_sample(args.sample)
    lexicon = get_lexicon("sv")

    def raw_table(word: str) -> str:
        return (lexicon.lookup(word) or word).lower()

    for name, lemmatiser in (("lookup table", raw_table), ("Lexicon", lexicon.lemma)):
        rate, misses = error_rate(sample, lemmatiser)
        print(f"{name:>12}: {len(misses)}/{len(sample)} wrong = {rate:.1%}")
        if args.show:
            for item, got in misses:
                print(f"    {item.token!r:20} -> {got!r:20} expected {'|'.join(item.expected)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
