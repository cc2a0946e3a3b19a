"""``_learned.yaml``: what admins taught the knowledge base, kept beside the authored files.

{"alternates": {entry id: [questions]}, "out_of_scope": [questions]}; knowledge.loader merges
it. Only questions new to the knowledge base are added, so deciding twice adds nothing, and a
question is never put into two entries (which would make the knowledge base invalid). These
functions do file work and run in a worker thread.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from knowledge import Matcher
from services.errors import InvalidInput

ATTACH, OUT_OF_SCOPE = "attach", "out_of_scope"


class KnowledgeNotWritable(InvalidInput):
    """The knowledge-base directory cannot be written, so a decision cannot be kept."""


_HEADER = (
    "# Written by linli when admins decide on unanswered questions (weekly digest).\n"
    "# Merged into the knowledge base at load time; authored files stay untouched.\n"
)


def add_learned(
    path: Path, matcher: Matcher, action: str, entry_id: str | None, questions: list[str]
) -> tuple[str | None, int]:
    """Add the new questions to the file; returns (the previous text, how many were added)."""
    before = path.read_text(encoding="utf-8") if path.exists() else None
    data = yaml.safe_load(before or "") or {}
    alternates: dict[str, list[str]] = data.setdefault("alternates", {})
    out_of_scope: list[str] = data.setdefault("out_of_scope", [])
    key = matcher.normalizer.normalize
    owned = {key(q).replace(" ", "") for e in matcher.kb.entries for q in e.questions}
    if action == OUT_OF_SCOPE:
        owned |= {key(q).replace(" ", "") for q in matcher.kb.out_of_scope}
    new = []
    for question in questions:
        normalized = key(question).replace(" ", "")
        if normalized and normalized not in owned:
            owned.add(normalized)
            new.append(question)
    if not new:
        return before, 0
    if action == ATTACH and entry_id is not None:
        alternates.setdefault(entry_id, []).extend(new)
    else:
        out_of_scope.extend(new)
    text = _HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=True, width=1000)
    _replace_file(path, text)
    return before, len(new)


def restore(path: Path, before: str | None) -> None:
    """Put the file back as it was (``before`` None: there was no file)."""
    if before is None:
        path.unlink(missing_ok=True)
    else:
        _replace_file(path, before)


def _replace_file(path: Path, text: str) -> None:
    """Write atomically (a reader sees the old or the new file, never half of one)."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".learned-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise KnowledgeNotWritable(
            f"cannot write {path} ({exc.strerror or exc}): make the knowledge-base directory "
            "writable for linli, or point LINLI_KB_DIR at a writable copy"
        ) from exc
