"""The library's front door: `Tagger.load()`, `tagger.tag(text)`, `tagger.tag_many(texts)`, `Tagger.train(...)`."""

from __future__ import annotations

import math
import platform
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecs_tagger.config import default_model_dir
from ecs_tagger.corpus import data_hash
from ecs_tagger.embedding.encoder import Embedder, EmbedderSettings
from ecs_tagger.embedding.precision import same_vectors
from ecs_tagger.errors import ModelError
from ecs_tagger.model.card import render_model_card
from ecs_tagger.model.classifier import AreaClassifier, AreaFeatures
from ecs_tagger.model.evidence import build_evidence
from ecs_tagger.model.features import LemmaTfidf
from ecs_tagger.model.files import ModelParts, load_model, save_model
from ecs_tagger.model.metrics import MultiLabelReport, multilabel_report
from ecs_tagger.model.results import STATUS_EMPTY, STATUS_OK, STATUS_TRUNCATED, TagResult
from ecs_tagger.model.taxonomy import Taxonomy, default_taxonomy
from ecs_tagger.model.training import (
    TrainingSet,
    TrainSettings,
    combine_training_frames,
    cross_validate,
    document_context,
    document_lengths,
    fit_classifier,
    prepare,
    tuned_preparation,
)
from ecs_tagger.model.vectors import TrainingVectors, model_training_vectors, prefill_cache
from ecs_tagger.preprocess import PreprocessedText, Preprocessor, PreprocessSettings
from ecs_tagger.preprocess.cache import PreprocessCache
from ecs_tagger.preprocess.language import dominant_language, is_reliable
from ecs_tagger.statuses import check_text, language_status

#: Languages the shipped training data covers; others are tagged but flagged.
TRAINED_LANGUAGES = ("sv", "en")

ProgressCallback = Callable[[int], None]


def _library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in (
        "ecs-tagger",
        "scikit-learn",
        "sentence-transformers",
        "torch",
        "spacy",
        "numpy",
    ):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


class Tagger:
    """A trained tagger: preprocessing, embedding model, lexical features and area classifier."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        lexical: LemmaTfidf,
        classifier: AreaClassifier,
        manifest: dict[str, Any],
        *,
        embedder: Embedder | None = None,
        preprocessor: Preprocessor | None = None,
        training_vectors: TrainingVectors | None = None,
        directory: Path | None = None,
    ) -> None:
        """A tagger of these parts (`Tagger.load` and `Tagger.train` make them): `training_vectors`
        are the vectors of its training texts when it was trained in this process, `directory`
        the model folder it was loaded from (where they are saved)."""
        self.taxonomy = taxonomy
        self.lexical = lexical
        self.classifier = classifier
        self.manifest = manifest
        settings = manifest.get("settings", {})
        self.embedder = embedder or Embedder(EmbedderSettings(**settings.get("embedder", {})))
        self.preprocessor = preprocessor or Preprocessor(
            PreprocessSettings.from_dict(settings.get("preprocess", {}))
        )
        self._terms = lexical.terms_
        self._embedder_checked = False
        self._preprocess_cache: PreprocessCache | None = None
        self._training_vectors = training_vectors
        #: The model folder this tagger was loaded from (None: trained in this process).
        self.directory = Path(directory) if directory is not None else None

    # -- identity ------------------------------------------------------------------------------
    @property
    def model_version(self) -> str:
        return str(self.manifest.get("model_version", "unsaved"))

    @property
    def codes(self) -> tuple[str, ...]:
        return self.taxonomy.codes

    @property
    def metrics(self) -> MultiLabelReport | None:
        """Cross-validated metrics recorded at training time."""
        cv = self.manifest.get("cross_validation")
        return MultiLabelReport.from_dict(cv["report"]) if cv else None

    def _check_embedder(self) -> None:
        if self._embedder_checked:
            return
        expected = self.manifest.get("embedding_model_id")
        actual = self.embedder.model_id
        if expected and not same_vectors(actual, expected):
            raise ModelError(
                f"this model was trained on embeddings of {expected!r}, but the embedding model "
                f"given is {actual!r}: use the same embedding model, or train a new model"
            )
        self._embedder_checked = True

    # -- loading and saving --------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        *,
        taxonomy: Taxonomy | None = None,
        embedder: Embedder | None = None,
        cache_directory: Path | None = None,
        use_cache: bool = True,
    ) -> Tagger:
        """Load a model folder (default: the shipped model in models/default).

        `taxonomy`, when given, must be the one the model was trained for; an `embedder`, when
        given, must produce the embeddings the model was trained on (checked at first use).
        """
        directory = Path(path) if path is not None else default_model_dir()
        parts = load_model(directory, expected_taxonomy=taxonomy)
        if embedder is None:
            settings = EmbedderSettings(**parts.manifest.get("settings", {}).get("embedder", {}))
            embedder = Embedder(
                settings,
                cache_directory=cache_directory,
                use_cache=use_cache,
                adapter_dir=directory,
            )
        return cls(
            parts.taxonomy,
            parts.lexical,
            parts.classifier,
            parts.manifest,
            embedder=embedder,
            directory=directory,
        )

    def training_vectors(self) -> TrainingVectors | None:
        """The vectors of this tagger's training texts, as its embedding cache keys them: those
        computed when it was trained in this process, else those saved in its model folder
        (checked against the manifest's sha256; ModelError when damaged), else None."""
        if self._training_vectors is None:
            self._training_vectors = model_training_vectors(self.directory, self.manifest)
        return self._training_vectors

    def prefill_embedding_cache(self) -> int:
        """Copy the training texts' vectors into this tagger's embedding cache when they are of
        its embedding identity (`ecs_tagger.model.vectors.prefill_cache`), so that training on
        the same texts again embeds none of them. Returns how many vectors were offered (0: none
        usable). Raises ModelError when the saved vectors do not match their checksum."""
        return prefill_cache(self.embedder, self.training_vectors())

    def save(self, path: str | Path, *, training_vectors: bool = True) -> Path:
        """Write the model folder; the model version is derived from its learned numbers.

        With `training_vectors` (and vectors known, :meth:`training_vectors`), the training texts'
        vectors are saved too (about 1.5 KB per distinct text), so that retraining the saved
        model reads only new texts."""
        adapter = None
        if self.embedder.settings.adapter:
            from ecs_tagger.embedding.finetune import ADAPTER_FILE

            if self.embedder.adapter_dir is None:
                raise ModelError("the tuned encoder layers of this tagger are not on disk")
            adapter = Path(self.embedder.adapter_dir) / ADAPTER_FILE
        vectors = self.training_vectors() if training_vectors else None
        parts = ModelParts(
            self.taxonomy, self.lexical, self.classifier, self.manifest, adapter, vectors
        )
        self.manifest = save_model(parts, Path(path), "")
        self.directory = Path(path)
        (Path(path) / "README.md").write_text(render_model_card(self.manifest), encoding="utf-8")
        return Path(path)

    # -- tagging -------------------------------------------------------------------------------
    def features(
        self, documents: Sequence[PreprocessedText], progress: ProgressCallback | None = None
    ) -> AreaFeatures:
        self._check_embedder()
        embeddings = self.embedder.embed_documents(
            [d.model_text for d in documents], progress=progress
        )
        lexical = self.lexical.transform([d.lemmas for d in documents])
        context = document_context(documents) if self.classifier.context_features else None
        return AreaFeatures(embeddings, lexical, context, document_lengths(documents))

    def tag(self, text: Any, *, evidence: bool = True) -> TagResult:
        """Tag one text; `evidence` adds supporting sentences and terms for each tag."""
        return self.tag_many([text], evidence=evidence)[0]

    def tag_many(
        self,
        texts: Iterable[Any] | pd.Series,
        *,
        evidence: bool = False,
        progress: ProgressCallback | None = None,
        short_text_language: str | None = None,
    ) -> list[TagResult]:
        """Tag many texts in one batch; one result per input, in order, untaggable ones marked.

        Texts too short for a reliable language guess are taken to be in `short_text_language`
        (default: the language most of `texts` are detected in, else Swedish); see
        `ecs_tagger.statuses`. A single string, a DataFrame or a dict is a `TypeError` (they
        iterate as characters, column names and keys): pass a list or a Series of texts.
        """
        values = _text_list(texts, "tag_many")
        coerced = [check_text(value) for value in values]
        rows = [i for i, (text, _, _) in enumerate(coerced) if text is not None]
        documents = self._preprocess([coerced[i][0] or "" for i in rows])
        for row, document in zip(rows, documents, strict=True):
            if document.language == "empty":  # no word was left after cleaning
                coerced[row] = (None, STATUS_EMPTY, "no words left after cleaning")
        documents = [d for d in documents if d.language != "empty"]
        rows = [i for i in rows if coerced[i][0] is not None]
        reliable = [is_reliable(d.clean) for d in documents]
        fallback = short_text_language or dominant_language(
            Counter(d.language for d, sure in zip(documents, reliable, strict=True) if sure)
        )
        results: list[TagResult | None] = [None] * len(values)
        for i, (text, status, message) in enumerate(coerced):
            if text is None:
                results[i] = TagResult(
                    areas=(),
                    scores={code: math.nan for code in self.codes},
                    language="",
                    model_version=self.model_version,
                    status=status,
                    message=message,
                )
                if progress is not None:
                    progress(1)
        if rows:
            features = self.features(documents, progress=progress)
            probabilities = self.classifier.predict_proba(features)
            decisions = probabilities >= self.classifier.thresholds_
            sentence_vectors = self._sentence_vectors(documents, decisions) if evidence else None
            for position, (row, document) in enumerate(zip(rows, documents, strict=True)):
                results[row] = self._result(
                    document,
                    probabilities[position],
                    decisions[position],
                    features.lexical[position],
                    None if sentence_vectors is None else sentence_vectors[position],
                    evidence,
                    language_status(
                        document.language, reliable[position], fallback, TRAINED_LANGUAGES
                    ),
                )
        return [result for result in results if result is not None]

    def _preprocess(self, texts: list[str]) -> list[PreprocessedText]:
        """Preprocessed texts, read from the preprocessing cache beside the vector cache (when
        the embedder caches) so that re-tagging unchanged texts runs no spaCy."""
        if not self.embedder.use_cache or not texts:
            return self.preprocessor.process_many(texts)
        if self._preprocess_cache is None:
            directory = Path(self.embedder.cache_directory) / "preprocessed"
            self._preprocess_cache = PreprocessCache(directory)
        return self._preprocess_cache.process_many(self.preprocessor, texts)

    def _sentence_vectors(
        self, documents: Sequence[PreprocessedText], decisions: np.ndarray
    ) -> list[np.ndarray | None]:
        """Embeddings of the sentences of every document that got at least one tag."""
        wanted = [i for i, row in enumerate(decisions) if row.any() and documents[i].sentences]
        sentences = [s.text for i in wanted for s in documents[i].sentences]
        vectors = self.embedder.embed_sentences(sentences) if sentences else np.zeros((0, 0))
        out: list[np.ndarray | None] = [None] * len(documents)
        offset = 0
        for i in wanted:
            count = len(documents[i].sentences)
            out[i] = vectors[offset : offset + count]
            offset += count
        return out

    def _result(
        self,
        document: PreprocessedText,
        probabilities: np.ndarray,
        decisions: np.ndarray,
        lexical_row: Any,
        sentence_vectors: np.ndarray | None,
        evidence: bool,
        language_decision: tuple[str, str, str],
    ) -> TagResult:
        language, status, message = language_decision
        if status == STATUS_OK and document.truncated:
            status, message = STATUS_TRUNCATED, "text cut to its first part before tagging"
        areas = tuple(code for code, on in zip(self.codes, decisions, strict=True) if on)
        tagged = [self.codes.index(code) for code in areas]
        return TagResult(
            areas=areas,
            scores={
                code: round(float(p), 4) for code, p in zip(self.codes, probabilities, strict=True)
            },
            language=language,
            model_version=self.model_version,
            status=status,
            message=message,
            evidence=(
                build_evidence(
                    self.classifier,
                    self.codes,
                    self._terms,
                    document,
                    lexical_row,
                    sentence_vectors,
                    tagged,
                    embed_words=self.embedder.embed_sentences,
                )
                if evidence
                else {}
            ),
            clean_text=document.clean,
        )

    def predict_frame(self, texts: Iterable[Any] | pd.Series) -> pd.DataFrame:
        """Tags as a DataFrame: `areas`, `score_<code>` per area, `tag_status`, `model_version`.

        `texts` is a list or a Series of texts (one row per text, the Series' index kept); a
        single string or a DataFrame is a `TypeError` that says what to pass.
        """
        results = self.tag_many(_text_list(texts, "predict_frame"))
        index = texts.index if isinstance(texts, pd.Series) else None
        return results_frame(results, self.codes, index=index)

    # -- training and evaluation ---------------------------------------------------------------
    @classmethod
    def train(
        cls,
        data: pd.DataFrame,
        text_col: str = "text",
        labels_col: str = "areas",
        *,
        taxonomy: Taxonomy | None = None,
        settings: TrainSettings | None = None,
        extra: pd.DataFrame | None = None,
        embedder: Embedder | None = None,
        cross_validation: bool = True,
        progress: ProgressCallback | None = None,
        label_files: Mapping[str, str] | None = None,
        label_files_left_out: Mapping[str, str] | None = None,
    ) -> Tagger:
        """Train a tagger on a labelled DataFrame (areas as lists or ';'-separated codes).

        `extra` rows (same columns) are added to training only: corrections, translations or weakly
        labelled texts; they carry optional `group`, `weight` and `evaluate` columns and by default
        are not scored in the cross-validation. With `cross_validation`, 5-fold out-of-fold metrics
        are computed and stored in the manifest. `label_files` ({file name: sha256}, see
        :func:`ecs_tagger.corpus.label_file_digests`) records which corpus labels files `data`
        came from, so that `info` can tell when the corpus holds labels the model has not seen;
        `label_files_left_out` ({file name: why}) the corpus labels files the recipe leaves out.
        """
        taxonomy = taxonomy or default_taxonomy()
        settings = settings or TrainSettings()
        frame = combine_training_frames(data, extra)
        training = TrainingSet.from_frame(frame, taxonomy, text_col, labels_col)
        embedder = embedder or Embedder(settings.embedder)
        preprocessor = Preprocessor(settings.preprocess)
        clock = time.perf_counter()
        tuning = None
        if settings.finetune is not None:
            tuning, embedder, prepared = tuned_preparation(
                training, preprocessor, embedder, settings.finetune, progress
            )
            settings = replace(settings, embedder=embedder.settings)
        else:
            prepared = prepare(training.texts, preprocessor, embedder, progress)
        timings = {"prepare_s": round(time.perf_counter() - clock, 1)}
        manifest: dict[str, Any] = {
            "name": settings.name,
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "versions": _library_versions(),
            "embedding_model": settings.embedder.model,
            "embedding_model_id": embedder.model_id,
            "settings": settings.to_dict(),
            "training_data": {
                "documents": int(training.evaluate.sum()),
                "extra_documents": int((~training.evaluate).sum()),
                "sha256": data_hash(
                    frame.assign(_areas=frame[labels_col].astype(str)), [text_col, "_areas"]
                ),
                "label_counts": {
                    code: int(training.labels[training.evaluate, i].sum())
                    for i, code in enumerate(taxonomy.codes)
                },
                "none_count": int((~training.labels[training.evaluate].any(axis=1)).sum()),
                **({"label_files": dict(sorted(label_files.items()))} if label_files else {}),
                **(
                    {"label_files_left_out": dict(sorted(label_files_left_out.items()))}
                    if label_files_left_out
                    else {}
                ),
                **(
                    {
                        "kinds": {
                            str(k): int((training.kinds == k).sum()) for k in set(training.kinds)
                        }
                    }
                    if training.kinds is not None
                    else {}
                ),
            },
        }
        if cross_validation:
            by_kind: dict[str, Any] = {}
            started = time.perf_counter()
            report, per_fold, _ = cross_validate(
                training,
                prepared,
                settings,
                taxonomy.codes,
                by_kind=by_kind,
                fold_embeddings=tuning.cross_fitted_embeddings if tuning is not None else None,
            )
            manifest["cross_validation"] = {
                "folds": settings.cv_folds,
                "report": report.to_dict(),
                "per_fold": per_fold,
                "by_kind": by_kind,
                "seconds": round(time.perf_counter() - started, 1),
            }
        everything = np.arange(len(training.texts))
        clock = time.perf_counter()
        crossfit = settings.crossfit and cross_validation
        if tuning is not None and crossfit:
            # the stacker learns from each row's vector of the CV encoder not tuned on it
            prepared = replace(prepared, stack_embeddings=tuning.out_of_fold_vectors())
        lexical, classifier = fit_classifier(
            prepared,
            training.labels,
            settings,
            everything,
            training.weights,
            training.groups,
            training.kinds,
        )
        timings["fit_s"] = round(time.perf_counter() - clock, 1)
        if cross_validation:
            timings["cross_validation_s"] = manifest["cross_validation"]["seconds"]
        if tuning is not None:
            manifest["finetuning"] = {
                "lower_states_s": tuning.lower_states_s,
                "runs": tuning.records,
                # whether the stacker learned from cross-fitted vectors (needs cross-validation)
                "stacker_cross_fitted": crossfit,
            }
        manifest["training_time"] = timings
        manifest["thresholds"] = {
            code: float(t) for code, t in zip(taxonomy.codes, classifier.thresholds_, strict=True)
        }
        vectors = TrainingVectors.of_texts(
            embedder, [doc.model_text for doc in prepared.documents], prepared.embeddings
        )
        tagger = cls(
            taxonomy,
            lexical,
            classifier,
            manifest,
            embedder=embedder,
            preprocessor=preprocessor,
            training_vectors=vectors,
        )
        tagger._embedder_checked = True
        return tagger

    def evaluate(
        self,
        data: pd.DataFrame,
        text_col: str = "text",
        labels_col: str = "areas",
        *,
        progress: ProgressCallback | None = None,
    ) -> MultiLabelReport:
        """Precision, recall and F1 of this tagger on labelled data (`progress` as `tag_many`)."""
        training = TrainingSet.from_frame(data, self.taxonomy, text_col, labels_col)
        results = self.tag_many(training.texts, progress=progress)
        predicted = np.array(
            [[code in r.areas for code in self.codes] for r in results], dtype=bool
        )
        return multilabel_report(self.codes, training.labels, predicted)

    def with_settings(self, **embedder_settings: Any) -> Tagger:
        """A copy using other embedder settings (e.g. batch_size); the model stays the same."""
        embedder = Embedder(
            replace(self.embedder.settings, **embedder_settings),
            cache_directory=self.embedder.cache_directory,
            use_cache=self.embedder.use_cache,
            adapter_dir=self.embedder.adapter_dir,
        )
        return Tagger(
            self.taxonomy,
            self.lexical,
            self.classifier,
            self.manifest,
            embedder=embedder,
            preprocessor=self.preprocessor,
            training_vectors=self._training_vectors,
            directory=self.directory,
        )


def _text_list(texts: Any, method: str) -> list[Any]:
    """`texts` as a list, one item per row; `TypeError` for the shapes that would be guessed at
    (a string iterates as characters, a DataFrame as its column names, a dict as its keys)."""
    if isinstance(texts, str | bytes):
        raise TypeError(
            f"{method}() takes a list or a pandas Series of texts, one per row, not a single "
            f"{type(texts).__name__} (it would be tagged character by character): use "
            f"tag(text) for one text, or {method}([text])"
        )
    if isinstance(texts, pd.DataFrame):
        names = [str(c) for c in texts.columns]
        example = f"frame[{names[0]!r}]" if names else "frame['text']"
        raise TypeError(
            f"{method}() takes one column of texts, not a DataFrame (it would tag the column "
            f"names {', '.join(repr(n) for n in names[:5])}): pass the text column, e.g. "
            f"{method}({example}); to tag several columns, join them into one first, or tag "
            "the file with ecs_tagger.batch.tag_file"
        )
    if isinstance(texts, Mapping):
        raise TypeError(
            f"{method}() takes a list or a pandas Series of texts, not a {type(texts).__name__} "
            f"(it would tag its keys): pass {method}(list(d.values())) or a Series"
        )
    try:
        return list(texts)
    except TypeError:
        raise TypeError(
            f"{method}() takes a list or a pandas Series of texts, one per row, not a value of "
            f"type {type(texts).__name__!r}"
        ) from None


def results_frame(
    results: Sequence[TagResult], codes: Sequence[str], index: Any = None
) -> pd.DataFrame:
    """The output columns of the `tag` contract for a list of results."""
    frame = pd.DataFrame(
        {
            "areas": [";".join(r.areas) for r in results],
            **{f"score_{code}": [r.scores.get(code, math.nan) for r in results] for code in codes},
            "model_version": [r.model_version for r in results],
            "tag_status": [r.status_text for r in results],
        },
        index=index,
    )
    return frame
