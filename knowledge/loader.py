"""Reading knowledge/data/*.yaml into a KnowledgeBase, reporting problems with file:line.

The YAML is *composed* (not just loaded) so every value keeps the line it was written on;
files whose name starts with ``_`` hold the lexicon and the out-of-scope examples.
``_learned.yaml`` is written by linli itself (services.kb_learning: admins attaching
unanswered questions to entries or marking them out of scope) and merged here, so the
authored files are never rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import yaml

from knowledge.model import Category, KnowledgeBase
from knowledge.normalize import Normalizer
from knowledge.schema import line_of as _line
from knowledge.schema import parse_entry
from knowledge.schema import value_of as _value
from knowledge.validate import KnowledgeBaseError, ParsedEntry, Problem, check_entries
from knowledge.yaml_files import FolderVersion, compose_files, folder_version

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LEARNED_FILE = "_learned.yaml"


@dataclass
class _Reading:
    """Everything read from one directory, before cross-entry checks."""

    categories: list[Category] = field(default_factory=list)
    entries: list[ParsedEntry] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)
    fillers: list[str] = field(default_factory=list)
    out_of_scope: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    learned: dict[str, list[str]] = field(default_factory=dict)  # entry id -> alternates


def default_data_dir() -> Path:
    """The knowledge base bundled with linli."""
    return Path(str(resources.files("knowledge").joinpath("data")))


def files_version(path: Path | None = None) -> FolderVersion:
    """Name, modification time and size of every file the knowledge base is read from: a
    change in any of them (an edit, a reload's rewrite of _learned.yaml) changes this."""
    return folder_version(path or default_data_dir())


def load_knowledge_base(path: Path | None = None) -> KnowledgeBase:
    """Load and validate the knowledge base in ``path`` (default: the bundled one).

    Raises KnowledgeBaseError listing every problem when the knowledge base is invalid.
    """
    reading = _read_dir(path or default_data_dir())
    problems = reading.problems + _cross_check(reading)
    if problems:
        raise KnowledgeBaseError(problems)
    return KnowledgeBase(
        categories=tuple(sorted(reading.categories, key=lambda c: (c.order, c.id))),
        entries=tuple(p.entry for p in reading.entries),
        synonyms=dict(reading.synonyms),
        stopwords=tuple(reading.fillers),
        out_of_scope=tuple(reading.out_of_scope),
    )


def check_knowledge_base(path: Path | None = None) -> list[Problem]:
    """Every problem in the knowledge base at ``path``, in file order (empty when valid)."""
    reading = _read_dir(path or default_data_dir())
    return reading.problems + _cross_check(reading)


def _cross_check(reading: _Reading) -> list[Problem]:
    normalizer = Normalizer(reading.synonyms, reading.fillers)
    return check_entries(reading.entries, normalizer)


def _read_dir(path: Path) -> _Reading:
    reading = _Reading()
    if not path.is_dir():
        reading.problems.append(Problem(str(path), 0, "not a directory"))
        return reading
    files = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml"))
    if not any(not f.name.startswith("_") for f in files):
        reading.problems.append(Problem(str(path), 0, "no knowledge-base files (*.yaml)"))
    for file, root in compose_files(files, reading.problems):
        if file.name.startswith("_"):
            _read_special(file, root, reading)
        else:
            _read_series(file, root, reading)
    _merge_learned(path / LEARNED_FILE, reading)
    return reading


def _merge_learned(file: Path, reading: _Reading) -> None:
    """Add the learned alternates to their entries (a removed entry's are a problem)."""
    by_id = {p.entry.id: i for i, p in enumerate(reading.entries)}
    for entry_id, questions in reading.learned.items():
        if entry_id not in by_id:
            reading.problems.append(Problem(str(file), 1, f"learned entry {entry_id!r} is gone"))
            continue
        p = reading.entries[by_id[entry_id]]
        lines = p.question_lines or (p.line,) * len(p.entry.questions)
        entry = replace(p.entry, questions=(*p.entry.questions, *questions))
        reading.entries[by_id[entry_id]] = replace(
            p, entry=entry, question_lines=(*lines, *(p.line,) * len(questions))
        )


def _mapping(node: yaml.Node | None) -> dict[str, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return {str(k.value): v for k, v in node.value}


def _read_series(file: Path, root: yaml.Node | None, reading: _Reading) -> None:
    name = str(file)
    top = _mapping(root)
    if top is None:
        reading.problems.append(
            Problem(name, 1, "expected a mapping with 'category' and 'entries'")
        )
        return
    category = _read_category(name, top.get("category"), root, reading.problems)
    if category is not None:
        reading.categories.append(category)
    entries = top.get("entries")
    if not isinstance(entries, yaml.SequenceNode):
        where = _line(entries) if entries is not None else 1
        reading.problems.append(Problem(name, where, "'entries' must be a list of entries"))
        return
    cat_id = category.id if category is not None else file.stem
    for node in entries.value:
        parsed = parse_entry(name, node, cat_id, reading.problems)
        if parsed is not None:
            reading.entries.append(parsed)


def _read_category(
    name: str, node: yaml.Node | None, root: yaml.Node | None, problems: list[Problem]
) -> Category | None:
    fields = _mapping(node)
    if fields is None:
        where = _line(node) if node is not None else _line(root) if root is not None else 1
        problems.append(Problem(name, where, "'category' must be a mapping (id, title, ...)"))
        return None
    data = {k: _value(v) for k, v in fields.items()}
    cat_id = data.get("id")
    assert node is not None
    if not isinstance(cat_id, str) or not _ID.match(cat_id):
        problems.append(Problem(name, _line(node), "category id must be kebab-case ascii"))
        return None
    if not isinstance(data.get("title"), str):
        problems.append(Problem(name, _line(node), "category title is missing"))
        return None
    order = data.get("order", 0)
    return Category(
        id=cat_id,
        title=str(data["title"]),
        title_en=str(data.get("title_en") or data["title"]),
        order=order if isinstance(order, int) else 0,
    )


def _read_special(file: Path, root: yaml.Node | None, reading: _Reading) -> None:
    """_lexicon.yaml (synonyms: canonical → [variants], fillers), _out_of_scope.yaml and
    _learned.yaml (alternates: entry id → [questions], out_of_scope: [questions])."""
    name = str(file)
    data = _value(root) if root is not None else {}
    if not isinstance(data, dict):
        reading.problems.append(Problem(name, 1, "expected a mapping"))
        return
    synonyms = data.get("synonyms") or {}
    if not isinstance(synonyms, dict):
        reading.problems.append(Problem(name, 1, "'synonyms' must map a word to its variants"))
        synonyms = {}
    for canonical, variants in synonyms.items():
        for variant in variants if isinstance(variants, list) else [variants]:
            reading.synonyms[str(variant)] = str(canonical)
    reading.fillers += [str(f) for f in data.get("fillers") or []]
    reading.out_of_scope += [str(q) for q in data.get("questions") or []]
    reading.out_of_scope += [str(q) for q in data.get("out_of_scope") or []]
    alternates = data.get("alternates") or {}
    if not isinstance(alternates, dict):
        reading.problems.append(Problem(name, 1, "'alternates' must map an entry id to questions"))
        alternates = {}
    for entry_id, questions in alternates.items():
        listed = questions if isinstance(questions, list) else [questions]
        reading.learned.setdefault(str(entry_id), []).extend(str(q) for q in listed)
