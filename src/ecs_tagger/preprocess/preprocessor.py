"""The preprocessor: cleaning, language routing, lemmatisation, compounds and sentences in turn.

A :class:`Preprocessor` turns a raw project description into a :class:`PreprocessedText`:

``clean``
    The text after cleaning; this is what the embedding model reads. Cleaning (in this order):
    truncation to ``max_chars``; control characters and Windows-1252 leftovers; HTML tags and
    entities (``strip_html``); Unicode NFC; UTF-8-read-as-Latin-1 mojibake (``fÃ¶r`` -> ``för``);
    the corpus's ``¿`` mojibake (``¿bra arbetsgivare¿`` -> ``"bra arbetsgivare"``, a free-standing
    ``¿`` -> ``–``); the ``[e-post]``/``[telefon]`` placeholders removed; soft hyphens removed;
    whitespace normalised (runs of spaces -> one space, line breaks kept, at most one blank line);
    a line that repeats the line before it dropped (``drop_repeated_lines``, the default: a
    description that is its title again); line-wrap hyphens repaired (``repair_hyphens``, see
    :meth:`Preprocessor.clean`).
``model_text``
    What the models read: the clean text, in :func:`~ecs_tagger.preprocess.cleaning.canonical_case`
    when it is written in an unusual case (``canonical_case="unusual"``, the default: UPPER CASE,
    Title Case or no capitals, :func:`~ecs_tagger.preprocess.cleaning.unusual_case`), so that
    such writing reads like ordinary sentences; ``"always"`` puts every text in canonical case
    (the same string whatever the capitals, at a cost in accuracy on registry descriptions:
    benchmarks/RESULTS.md). With ``true_case`` (the default) canonical case is true case
    (:func:`~ecs_tagger.preprocess.word_forms.true_case`: line starts capitalised too, names and
    acronyms written as the corpus usually writes them), still the same string whatever the
    capitals. With ``restore_diacritics`` (the default) a Swedish text typed without å, ä and ö
    gets them back first (:func:`~ecs_tagger.preprocess.word_forms.restore_diacritics`). Always
    the same length as ``clean``.
``language`` / ``language_confidence``
    From :func:`ecs_tagger.preprocess.language.detect_language` on ``model_text``.
``lemmas``
    Lower-cased lemmas from a spaCy blank pipeline of the detected language (Swedish for
    ``other`` and for Norwegian/Danish guesses below 0.8 confidence, which on short texts are
    mostly Swedish), with stop words (``remove_stop_words``), punctuation, numbers, URLs, e-mail
    addresses and abbreviations removed. With ``split_compounds`` the parts of Swedish compounds
    (``välfärdsteknik`` -> ``välfärd``, ``teknik``) and of hyphenated words (``e-hälsa`` ->
    ``hälsa``) follow the whole lemma, which stays. (Unknown Swedish compounds are lemmatised on
    their head either way: ``livsmedelsförsörjningen`` -> ``livsmedelsförsörjning``.)
``sentences``
    From spaCy's rule-based ``sentencizer`` (Swedish abbreviations such as ``bl.a.``, ``t.ex.``,
    ``m.m.``, ``ca.`` do not end a sentence) plus line breaks, run on ``model_text``; offsets and
    texts are those of ``clean`` (the writer's own capitals).

Each step has its module in this package: :mod:`~ecs_tagger.preprocess.cleaning`,
:mod:`~ecs_tagger.preprocess.lemmas` (with :mod:`~ecs_tagger.preprocess.compounds`),
:mod:`~ecs_tagger.preprocess.sentences`, and :mod:`~ecs_tagger.preprocess.pipelines` for the
spaCy pipelines and which language's pipeline analyses a text.

Everything is deterministic. spaCy pipelines and lexicons are loaded lazily, once per process.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ecs_tagger.errors import ModelError
from ecs_tagger.preprocess.cleaning import (
    canonical_case,
    drop_repeated_lines,
    normalise,
    repair_hyphens,
    truncate,
    unusual_case,
)
from ecs_tagger.preprocess.language import LanguageGuess, detect_language
from ecs_tagger.preprocess.lemmas import get_lexicon, lemmas_and_words
from ecs_tagger.preprocess.pipelines import get_pipeline, language_code, pipeline_lang
from ecs_tagger.preprocess.sentences import Sentence, sentences_in, sentences_of
from ecs_tagger.preprocess.word_forms import (
    get_word_forms,
    lacks_diacritics,
    restore_diacritics,
    true_case,
    word_forms_digest,
)

__all__ = ["PreprocessSettings", "PreprocessedText", "Preprocessor"]


@dataclass(frozen=True)
class PreprocessedText:
    """Result of :meth:`Preprocessor.process`."""

    original: str
    clean: str
    language: str
    language_confidence: float
    lemmas: tuple[str, ...]
    sentences: tuple[Sentence, ...]
    #: True when the input was longer than ``max_chars`` and was cut.
    truncated: bool = False
    #: The lemmas of the text's own words: ``lemmas`` without the compound and hyphen parts
    #: that are not also words of the text (``ring`` is not a word of "medicinering"). Evidence
    #: terms are drawn from these. None when unknown (then every lemma counts).
    words: frozenset[str] | None = None
    #: What the models read (the embedding model and spaCy) when it differs from ``clean``: the
    #: text in canonical case (see the preprocessor's ``canonical_case``); None: ``clean`` itself.
    canonical: str | None = None

    @property
    def model_text(self) -> str:
        """The text the embedding model reads (see the module docstring); same length as clean."""
        return self.clean if self.canonical is None else self.canonical


#: The values of `PreprocessSettings.canonical_case`.
CANONICAL_CASE_MODES = ("never", "unusual", "always")


@dataclass(frozen=True)
class PreprocessSettings:
    """Switches for each step, for ablation studies."""

    strip_html: bool = True
    repair_hyphens: bool = True
    split_compounds: bool = True
    remove_stop_words: bool = True
    #: Longer inputs are cut (at a word boundary) before anything else; see ``truncated``.
    max_chars: int = 100_000
    #: When models read the text in canonical case (``model_text``): ``"unusual"`` (texts in
    #: UPPER CASE, Title Case or without capitals, `cleaning.unusual_case`; ordinary writing is
    #: read as written), ``"always"`` or ``"never"``. (True and False mean always and never.)
    canonical_case: str = "unusual"
    #: Whether canonical case is true case (`word_forms.true_case`: names and acronyms written
    #: as the corpus usually writes them, line starts capitalised).
    true_case: bool = True
    #: Whether a line that repeats the line before it is dropped (a description that is its
    #: title again reads as the title alone).
    drop_repeated_lines: bool = True
    #: Whether a Swedish text typed without å, ä and ö gets them back (`word_forms`).
    restore_diacritics: bool = True
    #: Digest of the word tables (`word_forms.word_forms_digest`) when ``true_case`` or
    #: ``restore_diacritics`` uses them (filled in when left empty); "" otherwise.
    word_forms: str = ""

    def __post_init__(self) -> None:
        if self.max_chars <= 0:
            raise ValueError(f"max_chars must be positive, got {self.max_chars}")
        if isinstance(self.canonical_case, bool):
            object.__setattr__(self, "canonical_case", "always" if self.canonical_case else "never")
        if self.canonical_case not in CANONICAL_CASE_MODES:
            raise ValueError(
                f"canonical_case must be one of {', '.join(CANONICAL_CASE_MODES)}, "
                f"not {self.canonical_case!r}"
            )
        if self.uses_word_forms and not self.word_forms:
            object.__setattr__(self, "word_forms", word_forms_digest())
        elif not self.uses_word_forms and self.word_forms:
            object.__setattr__(self, "word_forms", "")

    @property
    def uses_word_forms(self) -> bool:
        """Whether the model text depends on the word tables of `word_forms`."""
        uses_true_case = self.true_case and self.canonical_case != "never"
        return uses_true_case or self.restore_diacritics

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> PreprocessSettings:
        """Settings as a model or index stored them; those stored before a switch existed read as
        it was then (``canonical_case`` never, no true case, no repeated lines dropped, no
        diacritics restored), so an older model reads texts as it was trained."""
        old = {
            "canonical_case": "never",
            "true_case": False,
            "drop_repeated_lines": False,
            "restore_diacritics": False,
        }
        return cls(**{**old, **stored})

    def describe(self) -> str:
        """How these settings read capitals, diacritics and repeated lines, in a short English
        phrase (e.g. ``ecs-tagger info``): "unusual case in true case, diacritics restored,
        repeated lines dropped (word tables 0093d0bb64a4)"."""
        mode = self.canonical_case
        case = {"never": "case as written", "unusual": "unusual case", "always": "every text"}[mode]
        if mode != "never":
            case += " in true case" if self.true_case else " in canonical case"
        parts = [case]
        if self.restore_diacritics:
            parts.append("diacritics restored")
        if self.drop_repeated_lines:
            parts.append("repeated lines dropped")
        tables = f" (word tables {self.word_forms})" if self.word_forms else ""
        return ", ".join(parts) + tables

    def check_word_forms(self) -> None:
        """Raise ModelError when these settings were made with other word tables than this
        installation ships (a model trained with another version of ecs-tagger)."""
        if self.uses_word_forms and self.word_forms != word_forms_digest():
            raise ModelError(
                f"the model's preprocessing used the word tables {self.word_forms}, this "
                f"ecs-tagger ships {word_forms_digest()}: retrain the model with this version, "
                "or install the ecs-tagger version it was trained with"
            )


class Preprocessor:
    """Cleans and analyses texts; see the module docstring for what each step does."""

    def __init__(self, settings: PreprocessSettings | None = None) -> None:
        """Raises ModelError when `settings` need word tables other than the shipped ones."""
        self.settings = settings or PreprocessSettings()
        self.settings.check_word_forms()

    # -- cleaning ------------------------------------------------------------------------
    def _clean(self, text: str) -> tuple[str, bool, LanguageGuess | None]:
        """Cleaned text, whether it was truncated, and its language if already known."""
        text, truncated = truncate(text or "", self.settings.max_chars)
        clean = normalise(text, self.settings.strip_html)
        if self.settings.drop_repeated_lines:
            clean = drop_repeated_lines(clean)
        guess: LanguageGuess | None = None
        if self.settings.repair_hyphens and "-" in clean:
            guess = detect_language(self.model_text(clean))
            repaired = repair_hyphens(clean, get_lexicon(guess.code))
            if repaired != clean:
                clean, guess = repaired, None  # re-detect on the final text
        return clean, truncated, guess

    def model_text(self, clean: str) -> str:
        """`clean` as the models read it: with its diacritics restored when the setting says so
        and it lacks them, then in canonical case as the setting says (always, or when the text
        is written in an unusual case), in true case with ``true_case``, else as written. Same
        length as clean.

        Diacritics are restored in a text that lacks them (``word_forms.lacks_diacritics``)
        and is not English."""
        text = clean
        if self.settings.restore_diacritics:
            forms = get_word_forms()
            # English is excluded by language (its "for" and "far" are not Swedish words
            # typed without diacritics); decided on lower case, so capitals change nothing.
            if lacks_diacritics(text, forms) and detect_language(text.lower()).code != "en":
                text = restore_diacritics(text, forms)
        mode = self.settings.canonical_case
        if mode == "always" or (mode == "unusual" and unusual_case(text)):
            if self.settings.true_case:
                english = detect_language(text.lower()).code == "en"
                return true_case(text, get_word_forms(), english=english)
            return canonical_case(text)
        return text

    def clean(self, text: str) -> str:
        """The cleaned text (see the module docstring).

        Hyphen repair (``repair_hyphens``) joins a word broken by a line-wrap hyphen when the
        hyphen is inside a word and followed by a lower-case letter and the joined word is known
        to the lexicon of the text's language, or splits into two known words (Swedish compound),
        or both halves are unknown fragments (``int-ressen`` -> ``intressen``,
        ``finansierings-möjligheter`` -> ``finansieringsmöjligheter``). It keeps acronyms and
        short prefixes (``IT-företag``, ``EU-stöd``, ``CO2-utsläpp``, ``e-hälsa``), capitals after
        the hyphen (``Öresund-Kattegat``), multi-word names (``Life Science-bolag``),
        coordinations (``svensk-norska``, ``lokalt-regionalt``) and ``bil- och`` (hyphen before
        a space). A hyphen at the end of a line (``sjuk-⏎sköterskor``, also with CR LF line
        ends and spaces around the break) is decided the same way; before a conjunction
        (``livsmedels-⏎och``) it stays.
        """
        return self._clean(text)[0]

    # -- analysis ------------------------------------------------------------------------
    def process(self, text: str) -> PreprocessedText:
        """Clean and analyse one text."""
        return self.process_many([text])[0]

    def process_many(self, texts: Iterable[str], batch_size: int = 64) -> list[PreprocessedText]:
        """Clean and analyse many texts, in order, running spaCy with ``nlp.pipe`` per language."""
        originals = list(texts)
        cleaned = [self._clean(text) for text in originals]
        model_texts = [self.model_text(clean) for clean, _, _ in cleaned]
        guesses = [
            guess or detect_language(model_text)
            for (_, _, guess), model_text in zip(cleaned, model_texts, strict=True)
        ]

        by_lang: dict[str, list[int]] = {}
        for index, ((clean, _, _), guess) in enumerate(zip(cleaned, guesses, strict=True)):
            if guess.code == "empty" or not clean:
                continue
            by_lang.setdefault(pipeline_lang(guess), []).append(index)

        analysed: dict[int, tuple[tuple[str, ...], frozenset[str], tuple[Sentence, ...]]] = {}
        for spacy_lang in sorted(by_lang):
            indices = by_lang[spacy_lang]
            nlp = get_pipeline(spacy_lang)
            lexicon = get_lexicon(language_code(spacy_lang))
            docs = nlp.pipe(
                (model_texts[i] for i in indices),
                batch_size=batch_size,
                disable=["lemmatizer"],  # we look lemmas up ourselves, lower-cased
            )
            for index, doc in zip(indices, docs, strict=True):
                lemmas, words = lemmas_and_words(
                    doc,
                    lexicon,
                    split_compounds=self.settings.split_compounds,
                    remove_stop_words=self.settings.remove_stop_words,
                )
                analysed[index] = (
                    lemmas,
                    words,
                    sentences_in(sentences_of(doc), cleaned[index][0]),
                )

        results: list[PreprocessedText] = []
        for index, original in enumerate(originals):
            clean, truncated, _ = cleaned[index]
            guess = guesses[index]
            lemmas, words, sentences = analysed.get(index, ((), frozenset(), ()))
            results.append(
                PreprocessedText(
                    original=original,
                    clean=clean,
                    language=guess.code,
                    language_confidence=guess.confidence,
                    lemmas=lemmas,
                    sentences=sentences,
                    truncated=truncated,
                    words=words,
                    canonical=model_texts[index] if model_texts[index] != clean else None,
                )
            )
        return results
