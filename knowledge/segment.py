"""jieba, initialised once per process with its cache in a writable place.

jieba's full dictionary (349,000 words, most of them rare: names, idioms, technical terms)
costs about 66 MB in memory. Residents' questions need the common words and the knowledge
base's own words, so linli segments with the words jieba counts at least ``min_freq`` times
(about 105,000 at 10) plus a user dictionary built from the knowledge base. The reduced
dictionary is written once into the cache directory and then loaded from jieba's own cache.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jieba

_LOCK = threading.Lock()
_TOKENIZERS: dict[int, Any] = {}


def cache_dir() -> str:
    """Where jieba may write its dictionary cache: $LINLI_CACHE_DIR or the temp dir."""
    return os.environ.get("LINLI_CACHE_DIR") or tempfile.gettempdir()


def _reduced_dictionary(min_freq: int) -> str:
    """The path of jieba's dictionary restricted to words seen ``min_freq`` times or more."""
    source = Path(jieba.__file__).with_name("dict.txt")
    target = Path(cache_dir()) / f"linli-jieba-{min_freq}-{source.stat().st_size}.txt"
    if not target.exists():
        kept = [
            line
            for line in source.read_text(encoding="utf-8").splitlines(keepends=True)
            if len(parts := line.split()) >= 2 and int(parts[1]) >= min_freq
        ]
        # Written beside the target and renamed, so a concurrent reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".linli-jieba-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.writelines(kept)
        os.replace(tmp, target)
    return str(target)


def tokenizer(min_freq: int = 10) -> Any:
    """The shared, initialised jieba tokenizer on the reduced dictionary (0: the full one)."""
    with _LOCK:
        found = _TOKENIZERS.get(min_freq)
        if found is None:
            jieba.setLogLevel(logging.WARNING)
            found = jieba.Tokenizer(_reduced_dictionary(min_freq)) if min_freq > 0 else jieba.dt
            found.tmp_dir = cache_dir()
            found.initialize()
            _TOKENIZERS[min_freq] = found
        return found


def kb_tokenizer(words: Iterable[str], freq: int, min_freq: int = 10) -> Any:
    """The shared jieba tokenizer, initialised, with the knowledge base's words added.

    Words are only ever added, so several knowledge bases in one process (tests, the
    benchmark) share one dictionary without harming each other; after this returns the
    tokenizer is only read, which jieba allows from many threads.
    """
    found = tokenizer(min_freq)
    with _LOCK:
        for word in words:
            if found.FREQ.get(word, 0) < freq:
                found.add_word(word, freq)
    return found
