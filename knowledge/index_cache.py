"""An on-disk copy of a matcher's lexical index, so that a large knowledge base starts fast.

Building the index for 50,000 entries takes minutes (every alternate is normalised,
segmented and counted); reading it back takes seconds. The copy is keyed by everything the
index is made from: the knowledge base's texts and lexicon, the matcher settings, jieba's
dictionary and this format's version, so any change builds afresh. It is read with pickle,
so it is only kept in a directory of this user's own that nobody else may write to.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pickle
import tempfile
from hashlib import blake2b
from pathlib import Path
from typing import Any

import jieba

from knowledge.config import MatcherConfig
from knowledge.model import KnowledgeBase
from knowledge.segment import cache_dir

log = logging.getLogger(__name__)
FORMAT = 1


def index_key(kb: KnowledgeBase, config: MatcherConfig) -> str:
    """A digest of everything the lexical index is built from."""
    digest = blake2b(digest_size=16)

    def add(*texts: str) -> None:
        for text in texts:
            digest.update(text.encode("utf-8"))
            digest.update(b"\0")

    settings = dataclasses.asdict(config)
    add(str(FORMAT), repr(sorted((k, repr(v)) for k, v in settings.items())))
    add(str(Path(jieba.__file__).with_name("dict.txt").stat().st_size))
    for e in kb.entries:
        add(e.id, e.title, e.title_en, *e.questions, "\1", *e.keywords, "\2")
    add(*(f"{k}\1{v}" for k, v in sorted(kb.synonyms.items())), "\2")
    add(*kb.stopwords, "\2", *kb.out_of_scope)
    return digest.hexdigest()


def _folder() -> Path | None:
    folder = Path(cache_dir()) / f"linli-index-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        st = folder.stat()
    except OSError:
        return None
    if st.st_uid != os.getuid() or st.st_mode & 0o022:
        log.warning("not using the index cache %s: others may write to it", folder)
        return None
    return folder


def load_index(key: str) -> Any | None:
    """What ``save_index`` stored under ``key``, or None."""
    folder = _folder()
    path = folder / f"{key}.pickle" if folder else None
    if path is None or not path.exists():
        return None
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        log.warning("index cache %s unreadable (%s): building afresh", path, exc)
        return None


def save_index(key: str, value: Any) -> None:
    """Store ``value`` under ``key`` (written beside and renamed: never half a file)."""
    folder = _folder()
    if folder is None:
        return
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".index-")
    try:
        with os.fdopen(fd, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / f"{key}.pickle")
    except OSError as exc:
        log.warning("cannot save the index cache in %s: %s", folder, exc)
        Path(tmp).unlink(missing_ok=True)
