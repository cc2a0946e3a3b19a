"""The learned layer: an intent classifier trained from the knowledge base itself.

Every alternate question, title, keyword (``_learned.yaml``'s alternates are merged into the
questions by the loader) is a training example of its entry; the out-of-scope examples are
one more class, so a question that looks like them loses probability on every entry instead
of vetoing them. Features are character n-grams of the normalised text, jieba words and
pinyin syllables (homophone typos meet their right spelling); the model is a linear SVM with
sigmoid-calibrated probabilities (scikit-learn).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from knowledge.normalize import cjk_runs, latin_words
from knowledge.pinyin import spell

OUT_OF_SCOPE = -1  # the label of the out-of-scope class


def analyzer(cut: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    """Tokens of a normalised text: char 1–3-grams, words and pinyin uni/bigrams, tagged."""

    def tokens(normalized: str) -> list[str]:
        out: list[str] = []
        for part in normalized.split():
            padded = f" {part} "
            out += ["c" + padded[i : i + n] for n in (1, 2, 3) for i in range(len(padded) - n + 1)]
        for run in cjk_runs(normalized):
            out += ["w" + w for w in cut(run)]
            sounds = spell(run).split()
            out += ["p" + s for s in sounds]
            out += [f"q{a}_{b}" for a, b in itertools.pairwise(sounds)]
        out += ["e" + w for w in latin_words(normalized)]
        return out

    return tokens


class LearnedLayer:
    """Per entry, the probability that a question is about it (and that it is out of scope)."""

    def __init__(
        self,
        texts: Sequence[str],
        labels: Sequence[int],
        n_entries: int,
        cut: Callable[[str], list[str]],
        c: float = 1.0,
    ) -> None:
        """Train on normalised ``texts`` labelled with entry indices (OUT_OF_SCOPE for the
        negative class); ``n_entries`` sizes the score vector."""
        self._n = n_entries
        self._vectorizer = TfidfVectorizer(analyzer=analyzer(cut), sublinear_tf=True, min_df=1)
        x = self._vectorizer.fit_transform(texts)
        y = np.asarray(labels)
        # Sigmoid calibration with three folds needs three examples per class: rarer classes
        # are repeated (an entry with two alternates is still a topic).
        counts = {int(k): int(v) for k, v in zip(*np.unique(y, return_counts=True), strict=True)}
        extra = [i for i, lab in enumerate(y) if counts[int(lab)] < 3 for _ in range(2)]
        if extra:
            rows = np.concatenate([np.arange(len(y)), np.asarray(extra)])
            x, y = x[rows], y[rows]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = CalibratedClassifierCV(LinearSVC(C=c), cv=3, method="sigmoid", ensemble=False)
            model.fit(x, y)
        self._model: Any = model
        classes = [int(k) for k in model.classes_]
        self._entry_columns = np.asarray([k for k in classes if k != OUT_OF_SCOPE], dtype=np.intp)
        self._entry_positions = np.asarray(
            [i for i, k in enumerate(classes) if k != OUT_OF_SCOPE], dtype=np.intp
        )
        self._oos_position = classes.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in classes else -1

    def scores(self, normalized: str) -> tuple[npt.NDArray[np.float64], float]:
        """Probability per entry index (a dense vector) and of the out-of-scope class."""
        probs = self._model.predict_proba(self._vectorizer.transform([normalized]))[0]
        per_entry = np.zeros(self._n)
        per_entry[self._entry_columns] = probs[self._entry_positions]
        oos = float(probs[self._oos_position]) if self._oos_position >= 0 else 0.0
        return per_entry, oos
