"""Robustness to how a text is written: the share of texts whose tag set flips under a rewrite.

    python -m benchmarks.perturbations [--n 320] [--model DIR ...] [--out FILE]

A seeded sample of labelled corpus texts (half Projektbanken descriptions, half SweCRIS abstracts,
every area present) is tagged as written and after each rewrite below; a text "flips" when its set
of areas differs from the one it got as written. Every model named is run on the same texts in the
same process (default: the shipped model), so the figures compare.

Rewrites (each deterministic):

``upper`` / ``title`` / ``lower``
    ``str.upper()``, ``str.title()``, ``str.lower()`` of the whole text.
``no_diacritics``
    Letters with diacritics written without them (å, ä → a, ö → o, é → e), as on keyboards
    and in systems without Swedish letters (Unicode NFKD, combining marks removed).
``html_entities``
    Every non-ASCII letter and ``&<>"`` written as an HTML entity (``&aring;``, ``&#246;``), as
    web exports do.
``whitespace``
    Every space doubled, a tab after each sentence end, blank lines and spaces around the text.
``bullets``
    Each sentence on its own line behind a bullet (``• ``).
``title_as_text``
    A registry whose description repeats its title: ``title + "\\n" + title`` against the title
    alone (the texts whose record has a title).

Goal of the tagger issue: no flips for case and white space, at most 2 % for diacritics.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.speed import cpu_description

PERTURBATIONS: dict[str, Callable[[str], str]] = {}
CASE_AND_SPACE = ("upper", "title", "lower", "whitespace")


def perturbation(name: str) -> Callable[[Callable[[str], str]], Callable[[str], str]]:
    def register(function: Callable[[str], str]) -> Callable[[str], str]:
        PERTURBATIONS[name] = function
        return function

    return register


@perturbation("upper")
def upper(text: str) -> str:
    return text.upper()


@perturbation("title")
def title_case(text: str) -> str:
    return text.title()


@perturbation("lower")
def lower(text: str) -> str:
    return text.lower()


@perturbation("no_diacritics")
def no_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(char for char in decomposed if not unicodedata.combining(char))
    )


_NAMED = {
    "å": "&aring;",
    "ä": "&auml;",
    "ö": "&ouml;",
    "Å": "&Aring;",
    "Ä": "&Auml;",
    "Ö": "&Ouml;",
}


@perturbation("html_entities")
def html_entities(text: str) -> str:
    escaped = html.escape(text, quote=True)
    return "".join(
        _NAMED.get(char, f"&#{ord(char)};" if ord(char) > 127 else char) for char in escaped
    )


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@perturbation("whitespace")
def extra_whitespace(text: str) -> str:
    spaced = text.replace(" ", "  ")
    spaced = _SENTENCE_END.sub(lambda m: m.group(0) + "\t", spaced)
    return f"\n\n   {spaced}  \n\n"


@perturbation("bullets")
def bullets(text: str) -> str:
    return "\n".join(f"• {part}" for part in _SENTENCE_END.split(text.strip()) if part)


def sample_texts(n: int, seed: int = 0) -> pd.DataFrame:
    """`n` labelled corpus texts (id, text, title, areas, source), half from each source, seeded."""
    from ecs_tagger.corpus import load_training_data

    data = load_training_data()
    rng = np.random.default_rng(seed)
    parts = []
    for source, group in data.groupby("source", sort=True):
        take = min(len(group), n // 2 if source == "projektbanken" else n - n // 2)
        parts.append(group.iloc[np.sort(rng.choice(len(group), take, replace=False))])
    return pd.concat(parts, ignore_index=True)[["id", "text", "title", "areas", "source"]]


def flip_rates(tagger: Any, sample: pd.DataFrame) -> dict[str, Any]:
    """Per rewrite: texts compared, texts whose tag set flipped, their share and ids (a few)."""
    texts = sample["text"].tolist()
    started = time.perf_counter()
    written = [r.areas for r in tagger.tag_many(texts)]
    out: dict[str, Any] = {"model_version": tagger.model_version, "texts": len(texts)}
    rates: dict[str, Any] = {}
    for name, rewrite in PERTURBATIONS.items():
        rewritten = [r.areas for r in tagger.tag_many([rewrite(t) for t in texts])]
        rates[name] = _flips(sample["id"].tolist(), written, rewritten)
    titled = sample[sample["title"].notna()]
    titles = titled["title"].tolist()
    alone = [r.areas for r in tagger.tag_many(titles)]
    doubled = [r.areas for r in tagger.tag_many([f"{t}\n{t}" for t in titles])]
    rates["title_as_text"] = _flips(titled["id"].tolist(), alone, doubled)
    out["flips"] = rates
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def _flips(
    ids: Sequence[str], before: Sequence[tuple[str, ...]], after: Sequence[tuple[str, ...]]
) -> dict[str, Any]:
    flipped = [i for i, a, b in zip(ids, before, after, strict=True) if set(a) != set(b)]
    return {
        "compared": len(ids),
        "flipped": len(flipped),
        "share": round(len(flipped) / max(1, len(ids)), 4),
        "examples": flipped[:5],
    }


def format_table(results: Sequence[dict[str, Any]]) -> str:
    """A Markdown table: one row per rewrite, one column per model (share flipped, n flipped)."""
    names = [*PERTURBATIONS, "title_as_text"]
    header = "| rewrite | " + " | ".join(f"`{r['model_version']}`" for r in results) + " |"
    lines = [header, "| --- |" + " --- |" * len(results)]
    for name in names:
        cells = []
        for result in results:
            flips = result["flips"][name]
            cells.append(f"{flips['share']:.1%} ({flips['flipped']}/{flips['compared']})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_perturbations(options: Any) -> dict[str, Any]:
    """The suite's section: the shipped model (then each of `options.compare_models`) on 320
    texts (10 in a smoke run)."""
    from ecs_tagger.tagger import Tagger

    sample = sample_texts(10 if options.smoke else 320)
    taggers = [Tagger.load(), *(Tagger.load(path) for path in options.compare_models)]
    return {"texts": len(sample), "models": [flip_rates(tagger, sample) for tagger in taggers]}


def main(argv: list[str] | None = None) -> int:
    from ecs_tagger.tagger import Tagger

    parser = argparse.ArgumentParser(prog="python -m benchmarks.perturbations", description=__doc__)
    parser.add_argument("--n", type=int, default=320, help="labelled texts in the sample")
    parser.add_argument(
        "--model", action="append", default=None, help="model folder (repeatable; default: shipped)"
    )
    parser.add_argument("--out", type=Path, default=None, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    sample = sample_texts(args.n)
    results = []
    for model in args.model or [None]:
        tagger = Tagger.load(model)
        results.append(flip_rates(tagger, sample))
    print(f"CPU: {cpu_description()}")
    print(
        f"{len(sample)} labelled texts ({', '.join(f'{s} {c}' for s, c in sample['source'].value_counts().sort_index().items())})"
    )
    print(format_table(results))
    if args.out:
        args.out.write_text(
            json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
