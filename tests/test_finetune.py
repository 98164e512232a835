"""Tuned top layers (adapter) and the int8 encoder: identity, round trip, refusal of bad files."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from ecs_tagger.config import cache_dir
from ecs_tagger.embedding.encoder import Embedder, EmbedderSettings
from ecs_tagger.embedding.finetune import ADAPTER_FILE, apply_adapter, save_adapter
from ecs_tagger.errors import ModelError
from ecs_tagger.tagger import Tagger

TEXTS = ["Vätgas i Mälardalen", "Robotar i monteringen hos tillverkande företag i Örebro län."]


@pytest.fixture(scope="module")
def adapter_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """An adapter: the base model's two top layers, slightly changed."""
    import torch

    folder = tmp_path_factory.mktemp("adapter")
    layers = Embedder(use_cache=False).model[0].auto_model.encoder.layer
    top = [layers[10], layers[11]]
    import copy

    top = [copy.deepcopy(layer) for layer in top]
    with torch.no_grad():
        top[1].output.dense.weight.mul_(1.05)
    sha = save_adapter(top, 10, folder / ADAPTER_FILE)
    return folder, sha


def _embedder(folder: Path, sha: str, **settings: object) -> Embedder:
    return Embedder(
        EmbedderSettings(adapter=sha, **settings),  # type: ignore[arg-type]
        use_cache=False,
        adapter_dir=folder,
        cache_directory=cache_dir(),
    )


def test_adapter_changes_vectors_and_identity(adapter_dir: tuple[Path, str]) -> None:
    folder, sha = adapter_dir
    base = Embedder(EmbedderSettings(precision="fp32"), use_cache=False)
    tuned = _embedder(folder, sha, precision="fp32")
    assert tuned.model_id == f"{base.model_id}:top-{sha[:12]}"
    assert _embedder(folder, sha, precision="bf16").model_id == f"{tuned.model_id}:bf16"
    a, b = base.embed_documents(TEXTS), tuned.embed_documents(TEXTS)
    cosine = (a * b).sum(axis=1)
    assert (cosine < 0.99999).all() and (cosine > 0.5).all()


def test_tampered_adapter_is_refused(adapter_dir: tuple[Path, str], tmp_path: Path) -> None:
    folder, sha = adapter_dir
    data = bytearray((folder / ADAPTER_FILE).read_bytes())
    data[-10] ^= 0xFF
    (tmp_path / ADAPTER_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match its checksum"):
        _embedder(tmp_path, sha).embed_documents(TEXTS)
    with pytest.raises(ModelError, match="is missing"):
        _embedder(tmp_path / "nowhere", sha).embed_documents(TEXTS)


def test_adapter_for_other_layers_is_refused(tmp_path: Path) -> None:
    layers = Embedder(use_cache=False).model[0].auto_model.encoder.layer
    sha = save_adapter([layers[8], layers[9]], 8, tmp_path / ADAPTER_FILE)
    model = Embedder(use_cache=False).model
    with pytest.raises(ModelError, match="do not end at the top"):
        apply_adapter(model, tmp_path / ADAPTER_FILE, sha)


def test_tagger_with_adapter_round_trips(
    small_tagger: Tagger, adapter_dir: tuple[Path, str], tmp_path: Path
) -> None:
    folder, sha = adapter_dir
    embedder = _embedder(folder, sha)
    manifest = dict(small_tagger.manifest)
    settings = dict(manifest["settings"])
    settings["embedder"] = dataclasses.asdict(embedder.settings)
    manifest["settings"] = settings
    manifest["embedding_model_id"] = embedder.model_id
    tagger = Tagger(
        small_tagger.taxonomy,
        small_tagger.lexical,
        small_tagger.classifier,
        manifest,
        embedder=embedder,
    )
    before = tagger.tag_many(TEXTS)
    tagger.save(tmp_path / "model")
    assert (tmp_path / "model" / ADAPTER_FILE).exists()
    loaded = Tagger.load(tmp_path / "model", use_cache=False)
    assert [r.scores for r in loaded.tag_many(TEXTS)] == [r.scores for r in before]
    # a changed adapter in the folder is refused when the model loads
    path = tmp_path / "model" / ADAPTER_FILE
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="checksum"):
        Tagger.load(tmp_path / "model")


def test_int8_encoder_has_its_own_identity_and_close_vectors() -> None:
    fp32 = Embedder(EmbedderSettings(precision="fp32"), use_cache=False)
    int8 = Embedder(EmbedderSettings(quantize="int8"), use_cache=False)  # int8 computes in fp32
    assert int8.model_id == fp32.model_id + ":int8"
    cosine = (fp32.embed_documents(TEXTS) * int8.embed_documents(TEXTS)).sum(axis=1)
    assert (cosine > 0.9).all() and (cosine < 0.99999).all()
    assert np.isfinite(cosine).all()


def test_lower_states_are_the_full_models_states_at_the_cut() -> None:
    """Only the layers below the cut run, and the encoder is whole again afterwards."""
    import torch

    from ecs_tagger.embedding.finetune import lower_states

    embedder = Embedder(EmbedderSettings(precision="fp32"), use_cache=False)
    bert = embedder.model[0].auto_model
    lower = lower_states(embedder, TEXTS[1:], cut=8)
    assert len(bert.encoder.layer) == 12
    ids = embedder.model.tokenizer("passage: " + TEXTS[1], return_tensors="pt")
    with torch.inference_mode():
        full = bert(**ids, output_hidden_states=True).hidden_states[8][0].numpy()
    assert lower.states.shape == full.shape
    np.testing.assert_allclose(lower.states.astype(np.float32), full, atol=2e-2)


@pytest.mark.slow
def test_a_small_fine_tune_round_trips_through_the_adapter_file(tmp_path: Path) -> None:
    """The training path end to end on a few texts (what CI can afford): tune the top two layers
    with the protocol's settings, save them, and embed with the saved file: the library's
    vectors equal the training code's, and they differ from the base encoder's."""
    from ecs_tagger.embedding.finetune import (
        TOP4_PROTOCOL,
        embed_with_layers,
        lower_states,
        tune_top_layers,
    )

    texts = [*TEXTS, "Lokal mat från gårdar i Sörmland.", "Digitala trygghetslarm i hemtjänsten."]
    labels = np.array([[0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0]], dtype=bool)
    settings = dataclasses.replace(TOP4_PROTOCOL, cut=10, epochs=2.0, batch_size=2)
    base = Embedder(EmbedderSettings(precision="fp32"), use_cache=False)
    lower = lower_states(base, texts, settings.cut)
    layers_before = base.model[0].auto_model.encoder.layer
    layers, record = tune_top_layers(
        [layers_before[10], layers_before[11]], lower, labels, np.arange(4), settings
    )
    assert record["steps"] == 4 and np.isfinite(record["loss_last"])
    vectors = embed_with_layers(layers, lower, len(texts))
    sha = save_adapter(layers, settings.cut, tmp_path / ADAPTER_FILE)
    shipped = _embedder(tmp_path, sha, precision="fp32").embed_documents(texts)
    np.testing.assert_allclose(shipped, vectors, atol=5e-3)
    assert ((shipped * base.embed_documents(texts)).sum(axis=1) < 0.99999).all()


@pytest.fixture(scope="module")
def tuned_tagger(small_training_frame: object, tmp_path_factory: pytest.TempPathFactory) -> Tagger:
    """A tagger trained with the top layer fine-tuned (a few steps on the small subset), with
    5-fold cross-validation tuning inside each fold: the training path CI can afford."""
    from ecs_tagger.embedding.finetune import FineTuneSettings
    from ecs_tagger.model.training import TrainSettings

    settings = TrainSettings(
        name="small-tuned",
        inner_folds=3,
        min_df=1,
        embedder=EmbedderSettings(precision="fp32"),
        finetune=FineTuneSettings(cut=11, epochs=1.0, train_tokens=64, batch_size=16),
    )
    embedder = Embedder(settings.embedder, cache_directory=tmp_path_factory.mktemp("cache"))
    return Tagger.train(small_training_frame, settings=settings, embedder=embedder)  # type: ignore[arg-type]


def test_training_with_finetune_tunes_every_fold_and_the_final_encoder(
    tuned_tagger: Tagger,
) -> None:
    manifest = tuned_tagger.manifest
    sha = manifest["settings"]["embedder"]["adapter"]
    assert len(sha) == 64 and tuned_tagger.embedder.settings.adapter == sha
    assert manifest["embedding_model_id"].endswith(f":top-{sha[:12]}")
    parts = [run["part"] for run in manifest["finetuning"]["runs"]]
    assert parts == ["all rows", *(f"fold {f}" for f in range(5))]
    assert all(run["steps"] >= 1 for run in manifest["finetuning"]["runs"])
    assert manifest["settings"]["finetune"]["cut"] == 11
    from ecs_tagger.model.card import render_model_card

    card = render_model_card(manifest)
    assert "Task-tuned encoder: layers 11 and up" in card and "each of 5 folds" in card
    assert manifest["finetuning"]["stacker_cross_fitted"] is True and "(cross-fitting)" in card
    uncrossed = {
        **manifest,
        "finetuning": {**manifest["finetuning"], "stacker_cross_fitted": False},
    }
    assert "not cross-fitted" in render_model_card(uncrossed)
    assert tuned_tagger.metrics is not None and 0.0 <= tuned_tagger.metrics.macro_f1 <= 1.0


def test_tuned_model_round_trips_and_refuses_other_layers(
    tuned_tagger: Tagger, adapter_dir: tuple[Path, str], tmp_path: Path
) -> None:
    folder = tuned_tagger.save(tmp_path / "model")
    assert (folder / ADAPTER_FILE).exists()
    before = tuned_tagger.tag_many(TEXTS)
    loaded = Tagger.load(folder, use_cache=False)
    assert loaded.model_version == tuned_tagger.model_version
    assert [r.scores for r in loaded.tag_many(TEXTS)] == [r.scores for r in before]
    # the tuned layers of another model in the folder are refused, naming the file
    (folder / ADAPTER_FILE).write_bytes((adapter_dir[0] / ADAPTER_FILE).read_bytes())
    with pytest.raises(ModelError, match=ADAPTER_FILE):
        Tagger.load(folder, use_cache=False).tag_many(TEXTS)


def test_retraining_a_tuned_model_keeps_its_layers(tuned_tagger: Tagger) -> None:
    from ecs_tagger.coordinators.corrections import settings_of
    from ecs_tagger.model.training import TrainSettings

    settings = settings_of(tuned_tagger)
    assert settings.finetune is None
    assert settings.embedder.adapter == tuned_tagger.embedder.settings.adapter
    stored = TrainSettings.from_dict(tuned_tagger.manifest["settings"])
    assert stored.finetune is not None and stored.finetune.cut == 11


def test_finetuning_refuses_a_quantised_or_tuned_base() -> None:
    from ecs_tagger.embedding.finetune import tuning_texts

    with pytest.raises(ValueError, match="base encoder"):
        tuning_texts(Embedder(EmbedderSettings(quantize="int8"), use_cache=False), TEXTS, 10)


def test_cli_names_the_fine_tuning_protocols(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ecs_tagger.cli.main import app

    result = CliRunner().invoke(
        app, ["train", "-o", str(tmp_path / "m"), "--finetune", "top3", "--no-cross-validate"]
    )
    assert result.exit_code == 2
    assert "none, top2, top4" in result.output and "--finetune" in result.output
    assert not (tmp_path / "m").exists()


def test_a_shallower_tuned_encoder_drops_the_layers_above(tmp_path: Path) -> None:
    """An adapter saved with `drops_above` ends the encoder: layers 8-9 tuned, 10-11 removed."""
    import copy

    layers = Embedder(use_cache=False).model[0].auto_model.encoder.layer
    tuned = [copy.deepcopy(layers[8]), copy.deepcopy(layers[9])]
    sha = save_adapter(tuned, 8, tmp_path / ADAPTER_FILE, drops_above=True)
    shallow = _embedder(tmp_path, sha, precision="fp32")
    bert = shallow.model[0].auto_model
    assert len(bert.encoder.layer) == 10 and bert.config.num_hidden_layers == 10
    full = Embedder(EmbedderSettings(precision="fp32"), use_cache=False)
    cosine = (shallow.embed_documents(TEXTS) * full.embed_documents(TEXTS)).sum(axis=1)
    assert (cosine < 0.999).all()
    # without the mark, layers that do not reach the top are refused (test above)
    plain = save_adapter(tuned, 8, tmp_path / "plain.safetensors")
    with pytest.raises(ModelError, match="do not end at the top"):
        apply_adapter(Embedder(use_cache=False).model, tmp_path / "plain.safetensors", plain)


def test_cross_fitted_vectors_come_from_the_fold_that_held_each_row_out() -> None:
    from ecs_tagger.embedding.finetune import EncoderTuning, FineTuneSettings

    texts = [*TEXTS, "Lokal mat från gårdar i Sörmland.", "Digitala trygghetslarm i hemtjänsten."]
    labels = np.array([[0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0]], dtype=bool)
    base = Embedder(EmbedderSettings(precision="fp32"), use_cache=False)
    tuning = EncoderTuning(base, texts, labels, FineTuneSettings(cut=11, batch_size=2), log=print)
    first = tuning.cross_fitted_embeddings(0, np.array([2, 3]))
    with pytest.raises(ValueError, match="held out"):
        tuning.out_of_fold_vectors()
    second = tuning.cross_fitted_embeddings(1, np.array([0, 1]))
    oof = tuning.out_of_fold_vectors()
    np.testing.assert_array_equal(oof[:2], first[:2])
    np.testing.assert_array_equal(oof[2:], second[2:])
    assert not np.allclose(first, second)
