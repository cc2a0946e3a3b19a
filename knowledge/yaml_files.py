"""A folder of YAML files, as the knowledge base (knowledge/loader.py) and the district's
folder (services/district/loader.py) are read: its version, which tells a live copy when to
reload, and its files composed, so every value keeps the line it was written on, with a file
that does not parse reported as a Problem at that line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from knowledge.validate import Problem

# libyaml is much faster; fall back to the pure-Python parser where it is missing.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Name, modification time (ns) and size of each YAML file of a folder.
FolderVersion = tuple[tuple[str, int, int], ...]


def folder_version(folder: Path) -> FolderVersion:
    """What the YAML files of ``folder`` are now (nothing when it is no folder): an edit, a
    new or a removed file changes it, which is how a live copy knows it must reload."""
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
    stats = [(f.name, f.stat()) for f in files if f.is_file()]
    return tuple((name, st.st_mtime_ns, st.st_size) for name, st in stats)


def compose_file(file: Path) -> yaml.Node | None:
    """The YAML node of ``file`` (None when it is empty); yaml.YAMLError or
    UnicodeDecodeError when it is not valid YAML in UTF-8."""
    return yaml.compose(file.read_text(encoding="utf-8"), Loader=_Loader)


def compose_files(
    files: Iterable[Path], problems: list[Problem]
) -> Iterator[tuple[Path, yaml.Node | None]]:
    """Each file with its YAML node, in order; a file that is not valid YAML is skipped, its
    problem appended as the iteration reaches it (so problems stay in file order)."""
    for file in files:
        try:
            root = compose_file(file)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 0
            problems.append(Problem(str(file), line, f"not valid YAML: {exc}"))
            continue
        yield file, root
