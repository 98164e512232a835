"""A human-readable model card (README.md) rendered from a model's manifest."""

from __future__ import annotations

from typing import Any

from ecs_tagger.embedding.precision import BF16_SUFFIX
from ecs_tagger.model.metrics import MultiLabelReport


def render_model_card(manifest: dict[str, Any]) -> str:
    taxonomy = manifest.get("taxonomy", {})
    training = manifest.get("training_data", {})
    classifier = manifest.get("classifier", {})
    lines = [
        f"# {manifest.get('name', 'ecs-tagger model')}",
        "",
        f"- model version: `{manifest.get('model_version', '')}`",
        f"- created: {manifest.get('created', '')}",
        f"- taxonomy: {taxonomy.get('name', '')} v{taxonomy.get('version', '')} "
        f"({', '.join(taxonomy.get('codes', []))})",
        f"- embedding model: `{manifest.get('embedding_model_id', '')}`",
        f"- training documents: {training.get('documents', 0)} labelled"
        f" (+{training.get('extra_documents', 0)} extra), data sha256 `{training.get('sha256', '')[:16]}…`",
        f"- label counts: {training.get('label_counts', {})}, none: {training.get('none_count', 0)}",
        *(
            [
                f"- learned from the corpus labels files: {', '.join(sorted(training['label_files']))}"
            ]
            if training.get("label_files")
            else []
        ),
        *(
            f"- left out by the recipe: {name} ({why})"
            for name, why in sorted((training.get("label_files_left_out") or {}).items())
        ),
        *(
            [
                f"- texts under {classifier['short_text_chars']} characters are decided by a "
                "short-text head trained with the title-only copies"
            ]
            if classifier.get("short_text_chars")
            else []
        ),
        f"- thresholds: {manifest.get('thresholds', {})}",
        "",
        "The classifier per area stacks a logistic regression on the document embedding and one on",
        "lemma TF-IDF; thresholds maximise out-of-fold F1. Files load without executing code",
        "(JSON, TOML and safetensors), each checked against the sha256 in `manifest.json`.",
        "",
    ]
    vectors = manifest.get("training_vectors")
    if vectors:
        lines += [
            f"Training texts' vectors: {vectors.get('texts', 0)} distinct texts,"
            f" {vectors.get('dimension', 0)} dimensions, {vectors.get('dtype', 'float32')}"
            " (exactly as the embedding cache holds them), encoder identity"
            f" `{vectors.get('embedding_model_id', '')}`, in `training_vectors.safetensors`:"
            " retraining copies them into the embedding cache first, so it embeds only texts"
            " not among them.",
            "",
        ]
    timings = manifest.get("training_time")
    if timings:
        total = sum(float(v) for v in timings.values())
        parts = ", ".join(
            f"{k.removesuffix('_s').replace('_', ' ')} {v:.0f} s" for k, v in timings.items()
        )
        lines += [f"Training time: {total / 60:.1f} min ({parts}).", ""]
    encoder = manifest.get("settings", {}).get("embedder", {})
    if encoder:
        identity = str(manifest.get("embedding_model_id", ""))
        computed = "bf16" if identity.endswith(BF16_SUFFIX) else "fp32"
        lines += [
            f"Encoder: `{encoder.get('model', '')}`, quantisation {encoder.get('quantize', 'none')},"
            f" identity `{identity}` (cached vectors of another identity are never used). Trained"
            f" on vectors computed in {computed}; precision setting"
            f" `{encoder.get('precision', 'auto')}` (auto: bf16 where the CPU computes it natively,"
            " else fp32; the two give vectors within cosine 0.9999 and serve the same model).",
            "",
        ]
    tuned = manifest.get("settings", {}).get("finetune")
    if tuned and encoder.get("adapter"):
        tuning = manifest.get("finetuning") or {}
        folds = sum(str(r.get("part", "")).startswith("fold") for r in tuning.get("runs", []))
        lines += [
            f"Task-tuned encoder: layers {tuned.get('cut')} and up tuned on the training rows"
            f" ({tuned.get('epochs')} epochs, {tuned.get('train_tokens')} tokens, lr"
            f" {tuned.get('learning_rate')}), shipped in `encoder_top.safetensors` (sha256"
            f" `{str(encoder['adapter'])[:12]}…`) and applied over the base encoder at load."
            + (
                f" Cross-validation tuned a copy inside each of {folds} folds; each fold's stacker"
                " learned from its own copy's vectors of its training rows (not cross-fitted), so"
                " the metrics below understate a cross-fitted model."
                if folds
                else ""
            )
            + (
                " The final stacker learned from each row's vector of the fold copy that held it"
                " out (cross-fitting)."
                if tuning.get("stacker_cross_fitted")
                else " The final stacker learned from the tuned encoder's vectors of its own"
                " training rows (not cross-fitted: trained without cross-validation or with"
                " crossfit off)."
            ),
            "",
        ]
    cv = manifest.get("cross_validation")
    if cv:
        report = MultiLabelReport.from_dict(cv["report"])
        lines += [
            f"## Cross-validated metrics ({cv.get('folds', 5)}-fold, grouped, out of fold)",
            "",
            "```",
            report.format_table(),
            "```",
            "",
        ]
        by_kind = cv.get("by_kind") or {}
        if by_kind:
            codes = list(report.areas)
            lines += [
                "Out of fold by kind of text (every row predicted by the fold that held out its"
                " record; `english` are the English parallel abstracts, `title` the title alone):",
                "",
                "| kind | rows | " + " | ".join(f"{c} F1" for c in codes) + " | macro-F1 |",
                "| --- | --- | " + " | ".join("---" for _ in codes) + " | --- |",
            ]
            for kind, data in by_kind.items():
                kind_report = MultiLabelReport.from_dict(data)
                f1 = " | ".join(f"{kind_report.areas[c].f1:.3f}" for c in codes)
                lines.append(
                    f"| {kind} | {kind_report.n_documents} | {f1} | {kind_report.macro_f1:.3f} |"
                )
            lines.append("")
    versions = manifest.get("versions", {})
    if versions:
        lines += ["## Versions", ""] + [f"- {k}: {v}" for k, v in sorted(versions.items())] + [""]
    return "\n".join(lines)
