"""``python -m benchmarks``: every figure of benchmarks/RESULTS.md, in one command.

    python -m benchmarks                   # everything (over an hour on 2 cores): rewrites RESULTS.md
    python -m benchmarks --only speed      # one section; the others are kept from results.json
    python -m benchmarks --only variants --variants baseline,titles,baseline@ft
    python -m benchmarks --render          # rewrite RESULTS.md from results.json, run nothing
    python -m benchmarks --smoke --out-dir /tmp/b   # tiny sizes, no Annif install (CI, ~1 min)

Sections: quality (ecs-tagger and ablations), zeroshot, variants (changes of the training recipe,
scored by kind of text; fine-tuned encoder layers on request), perturbations (tag flips when a
text is rewritten in capitals, without diacritics, …), annif (installs Annif into
benchmarks/.annif-venv on first use), speed (installs ONNX Runtime into benchmarks/.ort-venv), setfit
(time-boxed, one fold by default).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from benchmarks.common import BENCH_DIR, RunOptions, command_line, log, save_json
from benchmarks.variants import DEFAULT_VARIANTS, parse_variant

SECTIONS = ("quality", "zeroshot", "variants", "perturbations", "annif", "speed", "setfit")


def parse(argv: list[str]) -> RunOptions:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes (25 labelled texts, 3 variant texts, no variant re-embedding), for CI",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=None,
        help="where results.json and RESULTS.md go (default: benchmarks/; a smoke run needs one)",
    )
    parser.add_argument(
        "--only", default="", help=f"comma-separated sections of {', '.join(SECTIONS)}"
    )
    parser.add_argument("--skip", default="", help="comma-separated sections to leave out")
    parser.add_argument(
        "--render", action="store_true", help="run nothing: rewrite RESULTS.md from results.json"
    )
    parser.add_argument(
        "--annif",
        choices=("auto", "never", "installed"),
        default="auto",
        help="auto: install Annif's venv when missing (not with --smoke); "
        "installed: only use an existing one",
    )
    parser.add_argument("--onnx", choices=("auto", "never", "installed"), default="auto")
    parser.add_argument("--speed-docs", type=int, default=1000)
    parser.add_argument(
        "--variant-docs",
        type=int,
        default=100,
        help="descriptions each encoder variant encodes (speed)",
    )
    parser.add_argument("--setfit-minutes", type=float, default=5.0)
    parser.add_argument("--setfit-folds", type=int, default=1)
    parser.add_argument(
        "--variant-folds",
        type=int,
        default=0,
        help="variants: train and score only the first K of the 5 folds (a screen; 0: all)",
    )
    parser.add_argument(
        "--variants",
        default="",
        help="comma-separated variants for the variants section, e.g. "
        "baseline,titles+kind-thresholds,baseline@ft (modifiers joined by +, vectors after @: "
        "shipped, fp32, int8, ft); default: " + ",".join(DEFAULT_VARIANTS),
    )
    parser.add_argument(
        "--compare-model",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="perturbations: also run this model folder on the same texts (repeatable)",
    )
    args = parser.parse_args(argv)
    variants = tuple(v for v in args.variants.split(",") if v)
    for name in variants:
        try:
            parse_variant(name)
        except ValueError as error:
            parser.error(str(error))
    sections = tuple(s for s in (args.only.split(",") if args.only else SECTIONS) if s)
    unknown = set(sections) | {s for s in args.skip.split(",") if s}
    unknown -= set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    sections = tuple(s for s in sections if s not in set(args.skip.split(",")))
    if args.render:
        sections = ()
    if args.smoke and args.out_dir is None:
        parser.error("--smoke writes elsewhere than benchmarks/: give --out-dir")
    out_dir = args.out_dir or BENCH_DIR
    return RunOptions(
        smoke=args.smoke,
        out_dir=out_dir,
        sections=sections,
        annif=args.annif,
        onnx=args.onnx,
        speed_docs=args.speed_docs,
        variant_docs=args.variant_docs,
        setfit_minutes=0.05 if args.smoke else args.setfit_minutes,
        setfit_folds=args.setfit_folds,
        variant_folds=args.variant_folds,
        variants=variants,
        compare_models=tuple(args.compare_model),
        command=command_line(argv),
    )


def meta() -> dict[str, Any]:
    from benchmarks.speed import cpu_description

    info: dict[str, Any] = {"python": platform.python_version(), "cpu": cpu_description()}
    try:
        import torch

        info["torch"] = torch.__version__
    except ImportError:
        pass
    return info


def run_section(name: str, options: RunOptions, results: dict[str, Any]) -> Any:
    if name == "quality":
        from benchmarks.quality import check_folds_match, run_ecs

        data = run_ecs(options)
        data.pop("oof_probabilities", None)
        data["folds_match_cross_validate"] = check_folds_match(options)
        return data
    if name == "zeroshot":
        from benchmarks.quality import run_zeroshot

        return run_zeroshot(options)
    if name == "variants":
        from benchmarks.variants import run_variants

        return run_variants(options)
    if name == "perturbations":
        from benchmarks.perturbations import run_perturbations

        return run_perturbations(options)
    if name == "annif":
        from benchmarks import annif_bench

        info = annif_bench.ensure_annif(options)
        if "skipped" in info:
            log(f"annif: {info['skipped']}")
            return {"install": info, "skipped": info["skipped"]}
        return {"install": info, "quality": annif_bench.run_quality(options, info)}
    if name == "speed":
        from benchmarks.speed import run_speed

        return run_speed(options)
    if name == "setfit":
        from benchmarks.setfit_bench import run_setfit

        return run_setfit(options)
    raise ValueError(name)


def _smoke_threads(options: RunOptions) -> AbstractContextManager[Any]:
    """In a smoke run, one BLAS thread in this process: its classifiers fit on a few dozen texts,
    where threads cost more than they give (about 4x the CPU time with two). Child processes and
    full runs are left as they are."""
    if not options.smoke:
        return nullcontext()
    import scipy.optimize  # noqa: F401  (load every BLAS first: limits cover loaded ones only)
    import sklearn.linear_model  # noqa: F401
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _merge_variants(
    earlier: dict[str, Any] | None, data: dict[str, Any], command: str
) -> dict[str, Any]:
    """The variants of this run added to (or replacing) those of an earlier run on the same rows,
    so that variants run one `--variants` list at a time share one table; each variant keeps the
    command that ran it."""
    for record in data.get("variants", {}).values():
        record.setdefault("command", command)
    if not earlier or earlier.get("data", {}).get("rows") != data.get("rows"):
        return data
    old = earlier["data"]
    for record in old.get("variants", {}).values():
        record.setdefault("command", earlier.get("command", ""))
    merged = {**old, **data, "variants": {**old.get("variants", {}), **data.get("variants", {})}}
    if old.get("finetuning") and data.get("finetuning"):
        merged["finetuning"] = old["finetuning"] + data["finetuning"]
    return merged


def main(argv: list[str] | None = None) -> int:
    from benchmarks.report import render

    options = parse(sys.argv[1:] if argv is None else argv)
    options.out_dir.mkdir(parents=True, exist_ok=True)
    results_path = options.out_dir / "results.json"
    results: dict[str, Any] = {}
    if results_path.exists():
        results = json.loads(results_path.read_text(encoding="utf-8"))
        if bool(results.get("meta", {}).get("smoke")) != options.smoke:
            results = {}  # never mix smoke figures with real ones
    results.setdefault("sections", {})
    results["meta"] = {**meta(), "smoke": options.smoke}
    failures = []
    with tempfile.TemporaryDirectory(prefix="ecs-bench-") as tmp:
        options.work_dir = Path(tmp)
        started_all = time.perf_counter()
        for name in options.sections:
            log(f"== {name} ==")
            started = time.perf_counter()
            try:
                with _smoke_threads(options):
                    data = run_section(name, options, results)
            except Exception as error:  # one broken peer must not lose the other sections
                log(f"{name} FAILED: {type(error).__name__}: {error}")
                failures.append(name)
                continue
            if name == "variants":
                data = _merge_variants(results["sections"].get(name), data, options.command)
            results["sections"][name] = {
                "command": options.command,
                "finished": time.strftime("%Y-%m-%d %H:%M"),
                "seconds": round(time.perf_counter() - started, 1),
                "data": data,
            }
            save_json(results_path, results)
            (options.out_dir / "RESULTS.md").write_text(render(results), encoding="utf-8")
        log(f"all sections in {time.perf_counter() - started_all:.0f} s")
    save_json(results_path, results)
    (options.out_dir / "RESULTS.md").write_text(render(results), encoding="utf-8")
    log(f"wrote {options.out_dir / 'RESULTS.md'}")
    if failures:
        log(f"failed sections: {', '.join(failures)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
