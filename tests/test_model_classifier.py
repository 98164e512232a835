from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ecs_tagger.model.classifier import AreaClassifier, AreaFeatures, best_threshold, folds_for


def _synthetic(n: int = 240, seed: int = 0) -> tuple[AreaFeatures, np.ndarray]:
    """Two areas: area 0 is visible in the embedding, area 1 in the lexical features."""
    rng = np.random.default_rng(seed)
    Y = rng.random((n, 2)) < np.array([0.3, 0.25])
    embeddings = rng.normal(size=(n, 16))
    embeddings[:, 0] += 2.5 * Y[:, 0]
    lexical = rng.random((n, 30)) * (rng.random((n, 30)) < 0.2)
    lexical[:, 3] += 1.5 * Y[:, 1]
    return AreaFeatures(embeddings.astype(np.float32), sp.csr_matrix(lexical)), Y


def test_learns_each_area_from_the_signal_that_carries_it() -> None:
    X, Y = _synthetic()
    model = AreaClassifier(inner_folds=3).fit(X.subset(np.arange(160)), Y[:160])
    test = X.subset(np.arange(160, 240))
    predicted = model.predict(test)
    accuracy = (predicted == Y[160:]).mean(axis=0)
    assert (accuracy > 0.85).all(), accuracy
    # The stacking weighs the informative signal more for each area.
    assert model.stack_coef_[0, 0] > model.stack_coef_[0, 1]
    assert model.stack_coef_[1, 1] > model.stack_coef_[1, 0]
    proba = model.predict_proba(test)
    assert proba.shape == (80, 2) and ((proba >= 0) & (proba <= 1)).all()
    emb_p, lex_p = model.signal_probabilities(test)
    assert emb_p.shape == lex_p.shape == (80, 2)


def test_fit_is_deterministic() -> None:
    X, Y = _synthetic()
    a = AreaClassifier(inner_folds=3).fit(X, Y)
    b = AreaClassifier(inner_folds=3).fit(X, Y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    np.testing.assert_array_equal(a.thresholds_, b.thresholds_)


def test_area_without_positives_is_never_tagged() -> None:
    X, Y = _synthetic()
    Y[:, 1] = False
    model = AreaClassifier(inner_folds=3).fit(X, Y)
    assert not model.predict(X)[:, 1].any()


def test_groups_stay_together_in_folds() -> None:
    y = np.array([True, False] * 20)
    groups = np.repeat(np.arange(20), 2)
    for train, test in folds_for(y, groups, 5, 0):
        assert not set(groups[train]) & set(groups[test])


def test_best_threshold_separates_clean_scores() -> None:
    y = np.array([False] * 50 + [True] * 50)
    scores = np.concatenate([np.linspace(0.0, 0.3, 50), np.linspace(0.6, 1.0, 50)])
    threshold = best_threshold(y, scores)
    assert 0.3 < threshold <= 0.6


def test_context_stacker_learns_a_kind_specific_bias() -> None:
    """A kind whose positives score lower (short texts) gets its own calibration from the context."""
    X, Y = _synthetic(400, seed=1)
    rng = np.random.default_rng(2)
    short = rng.random(len(Y)) < 0.4
    embeddings = X.embeddings.copy()
    embeddings[short, 0] -= 1.5 * Y[short, 0]  # area 0 is fainter in short texts
    context = np.column_stack([np.zeros(len(Y)), short.astype(float)])
    with_context = AreaFeatures(embeddings, X.lexical, context)
    plain = AreaFeatures(embeddings, X.lexical)
    a = AreaClassifier(inner_folds=3, context_features=2).fit(with_context, Y)
    b = AreaClassifier(inner_folds=3).fit(plain, Y)
    assert a.stack_coef_.shape == (2, a.n_stack_inputs + 1) == (2, 5)
    assert b.stack_coef_.shape == (2, 3)
    # the short kind gets a positive shift, so its positives are recalled more often
    recall_a = (a.predict(with_context)[short, 0] & Y[short, 0]).sum() / Y[short, 0].sum()
    recall_b = (b.predict(plain)[short, 0] & Y[short, 0]).sum() / Y[short, 0].sum()
    assert recall_a > recall_b
    interacting = AreaClassifier(inner_folds=3, context_features=2, context_interactions=True)
    interacting.fit(with_context, Y)
    assert interacting.stack_coef_.shape == (2, 2 + 2 + 4 + 1)
    assert interacting.predict_proba(with_context.subset(np.arange(5))).shape == (5, 2)


def test_context_classifier_needs_the_context() -> None:
    import pytest

    X, Y = _synthetic()
    context = np.zeros((len(Y), 2))
    model = AreaClassifier(inner_folds=3, context_features=2).fit(
        AreaFeatures(X.embeddings, X.lexical, context), Y
    )
    with pytest.raises(ValueError, match="context"):
        model.predict_proba(X)


def test_text_context_columns() -> None:
    from ecs_tagger.model.features import text_context

    context = text_context(["sv", "en", "sv"], [30, 2000, 224])
    np.testing.assert_allclose(context[:, 0], [0, 1, 0])
    assert context[0, 1] == 1.0 and context[1, 1] == 0.0 and 0.4 < context[2, 1] < 0.6


def _short_and_long(n: int = 400, seed: int = 3) -> tuple[AreaFeatures, np.ndarray, np.ndarray]:
    """Area 0 shows in dimension 0 of long texts but in dimension 1 of short ones."""
    X, Y = _synthetic(n, seed)
    rng = np.random.default_rng(seed + 1)
    short = rng.random(n) < 0.5
    embeddings = X.embeddings.copy()
    embeddings[short, 0] = rng.normal(size=short.sum())
    embeddings[short, 1] += 2.5 * Y[short, 0]
    lengths = np.where(short, 60, 1500)
    return AreaFeatures(embeddings, X.lexical, None, lengths), Y, short


def test_short_text_head_decides_short_texts() -> None:
    X, Y, short = _short_and_long()
    train, test = np.arange(300), np.arange(300, 400)
    plain = AreaClassifier(inner_folds=3).fit(
        X.subset(train[~short[train]]), Y[train][~short[train]]
    )
    routed = AreaClassifier(inner_folds=3, short_text_chars=200)
    routed.fit(X.subset(train[~short[train]]), Y[train][~short[train]])
    routed.fit_short_head(X.subset(train), Y[train])
    assert routed.short_head_ is not None
    # long texts: exactly the main head's probabilities
    long_test = test[~short[test]]
    np.testing.assert_array_equal(
        routed.predict_proba(X.subset(long_test)), plain.predict_proba(X.subset(long_test))
    )
    # short texts: the short head's decisions at its own thresholds, through the main thresholds
    short_test = test[short[test]]
    head = routed.short_head_
    np.testing.assert_array_equal(
        routed.predict(X.subset(short_test)), head.predict(X.subset(short_test))
    )
    accuracy = lambda m: (m.predict(X.subset(short_test))[:, 0] == Y[short_test, 0]).mean()  # noqa: E731
    assert accuracy(routed) > accuracy(plain) + 0.1
    emb_p, _ = routed.signal_probabilities(X.subset(short_test))
    np.testing.assert_array_equal(emb_p, head.signal_probabilities(X.subset(short_test))[0])


def test_short_text_head_needs_lengths() -> None:
    import pytest

    X, Y, _ = _short_and_long()
    routed = AreaClassifier(inner_folds=3, short_text_chars=200).fit(X, Y)
    routed.fit_short_head(X, Y)
    with pytest.raises(ValueError, match="lengths"):
        routed.predict_proba(AreaFeatures(X.embeddings, X.lexical))
    with pytest.raises(ValueError, match="short_text_chars"):
        AreaClassifier(inner_folds=3).fit(X, Y).fit_short_head(X, Y)


def test_stack_embeddings_set_the_stackers_trust_in_the_embedding_signal() -> None:
    """Training vectors that give away their labels (as an encoder tuned on those very rows
    would) make the stacker trust the embedding signal; cross-fitted vectors that carry nothing
    make it lean on the lexical signal, while the final embedding head still learns from
    `embeddings`."""
    X, Y = _synthetic()
    rng = np.random.default_rng(1)
    leaky = X.embeddings.copy()
    leaky[:, 1] += 4.0 * Y[:, 1]  # area 1 shows in the training vectors only
    honest = rng.normal(size=X.embeddings.shape).astype(np.float32)
    overfit = AreaClassifier(inner_folds=3).fit(AreaFeatures(leaky, X.lexical), Y)
    crossfit = AreaClassifier(inner_folds=3).fit(
        AreaFeatures(leaky, X.lexical, None, None, honest), Y
    )
    # weight of the embedding signal (its logit) and of the lexical one in area 1's stacker
    assert crossfit.stack_coef_[1, 0] < 0.25 * overfit.stack_coef_[1, 0]
    assert crossfit.stack_coef_[1, 1] > overfit.stack_coef_[1, 1]
    np.testing.assert_array_equal(crossfit.embedding_coef_, overfit.embedding_coef_)
    # the stacking view swaps the vectors; subsets keep them row for row
    features = AreaFeatures(leaky, X.lexical, None, None, honest)
    np.testing.assert_array_equal(features.for_stacking().embeddings, honest)
    np.testing.assert_array_equal(features.subset(np.arange(5)).stack_embeddings, honest[:5])
