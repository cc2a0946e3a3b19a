"""jieba, initialised once per process with its cache in a writable place."""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Iterable
from typing import Any

import jieba

_LOCK = threading.Lock()


def cache_dir() -> str:
    """Where jieba may write its dictionary cache: $LINLI_CACHE_DIR or the temp dir."""
    return os.environ.get("LINLI_CACHE_DIR") or tempfile.gettempdir()


def kb_tokenizer(words: Iterable[str], freq: int) -> Any:
    """The shared jieba tokenizer, initialised, with the knowledge base's words added.

    Words are only ever added, so several knowledge bases in one process (tests, the
    benchmark) share one dictionary without harming each other; after this returns the
    tokenizer is only read, which jieba allows from many threads.
    """
    with _LOCK:
        tokenizer = jieba.dt
        if not tokenizer.initialized:
            jieba.setLogLevel(logging.WARNING)
            tokenizer.tmp_dir = cache_dir()
            tokenizer.initialize()
        for word in words:
            if tokenizer.FREQ.get(word, 0) < freq:
                tokenizer.add_word(word, freq)
    return tokenizer
