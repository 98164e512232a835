"""A human-readable model card (README.md) rendered from a model's manifest."""

from __future__ import annotations

from typing import Any

from ecs_tagger.metrics import MultiLabelReport


def render_model_card(manifest: dict[str, Any]) -> str:
    taxonomy = manifest.get("taxonomy", {})
    training = manifest.get("training_data", {})
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
        f"- thresholds: {manifest.get('thresholds', {})}",
        "",
        "The classifier per area stacks a logistic regression on the document embedding and one on",
        "lemma TF-IDF; thresholds maximise out-of-fold F1. Files load without executing code",
        "(JSON, TOML and safetensors), each checked against the sha256 in `manifest.json`.",
        "",
    ]
    cv = manifest.get("cross_validation")
    if cv:
        report = MultiLabelReport.from_dict(cv["report"])
        lines += [
            f"## Cross-validated metrics ({cv.get('folds', 5)}-fold, out of fold)",
            "",
            "```",
            report.format_table(),
            "```",
            "",
        ]
    versions = manifest.get("versions", {})
    if versions:
        lines += ["## Versions", ""] + [f"- {k}: {v}" for k, v in sorted(versions.items())] + [""]
    return "\n".join(lines)
