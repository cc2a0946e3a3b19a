"""The schema of one knowledge-base entry, checked field by field with line numbers."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

from knowledge.model import Contact, Entry
from knowledge.validate import ParsedEntry, Problem

COMPLAINT_CATEGORIES = frozenset(
    {
        "sanitation",
        "noise",
        "illegal-construction",
        "pollution",
        "property",
        "public-security",
        "facilities",
        "neighbour-dispute",
        "service-attitude",
        "other",
    }
)
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_REQUIRED_TEXT = ("id", "title", "answer")
_OPTIONAL_TEXT = ("title_en", "answer_en")
_LISTS = ("questions", "keywords", "related")
_KNOWN = frozenset(
    {*_REQUIRED_TEXT, *_OPTIONAL_TEXT, *_LISTS, "contact", "complaint_category", "reviewed"}
)


def line_of(node: yaml.Node) -> int:
    """The 1-based line a YAML node starts on."""
    return int(node.start_mark.line) + 1


def value_of(node: yaml.Node) -> Any:
    """The Python value of a composed YAML node (safe constructors only)."""
    return yaml.constructor.SafeConstructor().construct_document(node)


_line = line_of
_value = value_of


def parse_entry(
    file: str, node: yaml.Node, category: str, problems: list[Problem]
) -> ParsedEntry | None:
    """The entry written at ``node``, or None (with problems appended) when it is unusable."""
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(file, _line(node), "an entry must be a mapping"))
        return None
    fields = {str(k.value): v for k, v in node.value}
    lines = {key: _line(v) for key, v in fields.items()}
    start = len(problems)
    for key, value in fields.items():
        if key not in _KNOWN:
            problems.append(Problem(file, _line(value), f"unknown field {key!r}"))
    text = _texts(file, node, fields, problems)
    lists = {key: _string_list(file, fields.get(key), key, problems) for key in _LISTS}
    if text.get("id") and not _ID.match(text["id"]):
        problems.append(Problem(file, lines["id"], f"id {text['id']!r} must be kebab-case ascii"))
    if not lists["questions"]:
        where = lines.get("questions", _line(node))
        problems.append(Problem(file, where, "an entry needs alternate questions"))
    contact = _contact(file, fields.get("contact"), problems)
    complaint = _complaint(file, fields.get("complaint_category"), problems)
    reviewed = _reviewed(file, fields.get("reviewed"), problems)
    if len(problems) > start:
        return None
    entry = Entry(
        id=text["id"],
        category=category,
        title=text["title"],
        title_en=text.get("title_en", ""),
        answer=text["answer"].strip(),
        answer_en=text.get("answer_en", "").strip(),
        questions=tuple(lists["questions"]),
        keywords=tuple(lists["keywords"]),
        contact=contact,
        related=tuple(lists["related"]),
        complaint_category=complaint,
        reviewed=reviewed,
        source_file=file,
    )
    q_node = fields.get("questions")
    q_lines = tuple(_line(n) for n in q_node.value) if isinstance(q_node, yaml.SequenceNode) else ()
    return ParsedEntry(entry, file, _line(node), q_lines, lines)


def _texts(
    file: str, node: yaml.Node, fields: dict[str, yaml.Node], problems: list[Problem]
) -> dict[str, str]:
    text: dict[str, str] = {}
    for key in (*_REQUIRED_TEXT, *_OPTIONAL_TEXT):
        value_node = fields.get(key)
        if value_node is None:
            if key in _REQUIRED_TEXT:
                problems.append(Problem(file, _line(node), f"missing required field {key!r}"))
            continue
        value = _value(value_node)
        if value is None and key in _OPTIONAL_TEXT:
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(file, _line(value_node), f"{key!r} must be non-empty text"))
            continue
        text[key] = value
    return text


def _string_list(file: str, node: yaml.Node | None, key: str, problems: list[Problem]) -> list[str]:
    if node is None:
        return []
    value = _value(node)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(Problem(file, _line(node), f"{key!r} must be a list"))
        return []
    items: list[str] = []
    for item, item_node in zip(value, node.value, strict=False):
        if isinstance(item, str | int | float) and not isinstance(item, bool) and str(item).strip():
            items.append(str(item).strip())
        else:
            problems.append(Problem(file, _line(item_node), f"{key!r} items must be text"))
    return items


# A contact's words, each with an English form for English speakers (the Chinese when absent);
# the phone's English form carries the same number with its notes in English.
_CONTACT_TEXT = (
    *("office", "address", "phone", "hours"),
    *("office_en", "address_en", "phone_en", "hours_en"),
)


def _contact(file: str, node: yaml.Node | None, problems: list[Problem]) -> Contact | None:
    if node is None:
        return None
    value = _value(node)
    if not isinstance(value, dict) or not isinstance(value.get("office"), str):
        problems.append(Problem(file, _line(node), "'contact' must be a mapping with 'office'"))
        return None
    unknown = set(value) - {*_CONTACT_TEXT, "sample"}
    if unknown:
        problems.append(Problem(file, _line(node), f"unknown contact field(s) {sorted(unknown)}"))
        return None
    return Contact(
        office=value["office"],
        address=str(value.get("address") or ""),
        phone=str(value.get("phone") or ""),
        hours=str(value.get("hours") or ""),
        sample=bool(value.get("sample", True)),
        office_en=str(value.get("office_en") or ""),
        address_en=str(value.get("address_en") or ""),
        hours_en=str(value.get("hours_en") or ""),
        phone_en=str(value.get("phone_en") or ""),
    )


def _complaint(file: str, node: yaml.Node | None, problems: list[Problem]) -> str | None:
    value = _value(node) if node is not None else None
    if value is None:
        return None
    if value not in COMPLAINT_CATEGORIES:
        assert node is not None
        problems.append(Problem(file, _line(node), f"unknown complaint_category {value!r}"))
        return None
    return str(value)


def _reviewed(file: str, node: yaml.Node | None, problems: list[Problem]) -> dt.date | None:
    value = _value(node) if node is not None else None
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    assert node is not None
    problems.append(Problem(file, _line(node), "'reviewed' must be a date (YYYY-MM-DD)"))
    return None
