"""The semantic layer: how close a question's meaning is to each entry's texts.

Each entry's texts (questions, titles, keywords) and the out-of-scope examples are embedded
once (through the on-disk cache, so a warm start embeds nothing); a question is embedded per
call and compared by cosine with all of them. An entry scores its closest text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from knowledge.embedder import Embedder
from knowledge.normalize import fold

OUT_OF_SCOPE = -1


def prepared(text: str, max_chars: int) -> str:
    """What the model reads: folded (Simplified, lower case) and cut to ``max_chars``.

    The model's cost grows with the length of its input, and the start of a long story is
    where residents say what they want.
    """
    return " ".join(fold(text).split())[:max_chars]


class SemanticLayer:
    """Cosine similarity of a question to every entry's closest text."""

    def __init__(
        self,
        texts: Sequence[str],
        labels: Sequence[int],
        n_entries: int,
        embedder: Embedder,
        max_chars: int = 64,
        cache: Embedder | None = None,
    ) -> None:
        """Embed ``texts`` labelled with entry indices (OUT_OF_SCOPE for the negatives),
        through ``cache`` when given (questions always go to the model itself)."""
        self._embedder = embedder
        self._max_chars = max_chars
        self._n = n_entries
        vectors = (cache or embedder).embed([prepared(t, max_chars) for t in texts])
        labels_arr = np.asarray(labels, dtype=np.intp)
        self._vectors = vectors[labels_arr != OUT_OF_SCOPE]
        self._labels = labels_arr[labels_arr != OUT_OF_SCOPE]
        self._oos = vectors[labels_arr == OUT_OF_SCOPE]

    @property
    def version(self) -> str:
        return self._embedder.version

    def scores(self, text: str) -> tuple[npt.NDArray[np.float64], float]:
        """Per entry index its best cosine with the question, and the out-of-scope best."""
        query = self._embedder.embed([prepared(text, self._max_chars)])[0]
        per_entry = np.zeros(self._n)
        if len(self._vectors):
            np.maximum.at(per_entry, self._labels, self._vectors @ query)
        oos = float(np.max(self._oos @ query)) if len(self._oos) else 0.0
        return per_entry, oos
