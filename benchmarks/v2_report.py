"""Markdown tables of the tagger-v2 CV variants (benchmarks/v2_cv.py results) and speed runs.

PYTHONPATH=src:. python -m benchmarks.v2_report [--cv scratch/v2/cv] [--speed scratch/v2/speed.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

AREAS = ("food", "health", "energy", "industry")


def cv_tables(directory: Path, order: list[str] | None = None) -> str:
    records = {p.stem: json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))}
    records = {k: v for k, v in records.items() if "scores" in v}
    names = [n for n in (order or []) if n in records] + sorted(set(records) - set(order or []))
    lines = [
        "| variant | food F1 | health F1 | energy F1 | industry F1 | macro-F1 labelled (OOF) | per fold mean ± sd | Projektbanken | SweCRIS sv | English abstracts | titles only | CV s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in names:
        s = records[name]["scores"]
        lab = s["labelled"]
        folds = np.array(s["per_fold_macro"])
        f1 = " | ".join(f"{lab['areas'][a]['f1']:.3f}" for a in AREAS)
        lines.append(
            f"| {name} | {f1} | **{lab['macro_f1']:.4f}** | {folds.mean():.3f} ± {folds.std():.3f} | "
            f"{s['pb']['macro_f1']:.3f} | {s['swecris_sv']['macro_f1']:.3f} | "
            f"{s['en']['macro_f1']:.3f} | {s['title']['macro_f1']:.3f} | "
            f"{records[name]['seconds']:.0f} |"
        )
    lines += ["", "Precision / recall per area and kind (P/R):", ""]
    lines.append("| variant | kind | " + " | ".join(f"{a} P/R" for a in AREAS) + " |")
    lines.append("| --- | --- | " + " | ".join("---" for _ in AREAS) + " |")
    for name in names:
        s = records[name]["scores"]
        for kind in ("pb", "swecris_sv", "en", "title"):
            cells = " | ".join(
                f"{s[kind]['areas'][a]['precision']:.2f}/{s[kind]['areas'][a]['recall']:.2f}"
                for a in AREAS
            )
            lines.append(f"| {name} | {kind} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cv", type=Path, default=Path("scratch/v2/cv"))
    parser.add_argument("--order", default="")
    args = parser.parse_args()
    print(cv_tables(args.cv, [o for o in args.order.split(",") if o]))


if __name__ == "__main__":
    main()
