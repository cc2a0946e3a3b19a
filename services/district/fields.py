"""Reading one YAML mapping of the district's files field by field, each problem with the
line it is on (the district's counterpart of knowledge/schema.py)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from knowledge.schema import line_of, value_of
from knowledge.validate import Problem

ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NAME_MAX = 64
"""Ids and names are stored on residents and tickets in 64-character columns."""
PLACE_MAX = 20
"""A building or grid name: a notice's audience holds "<community id>/<building>" in a
64-character column, and community ids have at most 40."""


class Fields:
    """The fields of one mapping node; every getter appends a Problem when the value is bad
    and returns None, so a file's problems are all found in one reading."""

    def __init__(self, file: str, node: yaml.MappingNode, problems: list[Problem]) -> None:
        self.file, self.line, self.problems = file, line_of(node), problems
        self._nodes = {str(k.value): v for k, v in node.value}

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def line_of(self, key: str) -> int:
        node = self._nodes.get(key)
        return self.line if node is None else line_of(node)

    def has(self, key: str) -> bool:
        return key in self._nodes

    def unknown(self, known: frozenset[str], what: str) -> None:
        """A problem for each key that is not one of ``known`` (a typo would be ignored)."""
        for key in self._nodes:
            if key not in known:
                self.problem(self.line_of(key), f"unknown field {key!r} in a {what}")

    def value(self, key: str) -> Any:
        node = self._nodes.get(key)
        return None if node is None else value_of(node)

    def ident(self, key: str = "id", max_len: int = NAME_MAX) -> str | None:
        """A required id: lowercase letters, digits and single hyphens."""
        value = self.value(key)
        if value is None:
            self.problem(self.line, f"missing {key!r}")
            return None
        if not isinstance(value, str) or not ID.match(value) or len(value) > max_len:
            self.problem(
                self.line_of(key),
                f"{key} {value!r} must be lowercase letters, digits and hyphens "
                f"(at most {max_len})",
            )
            return None
        return value

    def text(self, key: str, *, required: bool = True, max_len: int = NAME_MAX) -> str | None:
        value = self.value(key)
        if value is None:
            if required:
                self.problem(self.line, f"missing {key!r}")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(self.line_of(key), f"{key} must be non-empty text")
            return None
        if len(value.strip()) > max_len:
            self.problem(self.line_of(key), f"{key} is longer than {max_len} characters")
            return None
        return value.strip()

    def number(self, key: str, *, low: float, high: float, required: bool = True) -> float | None:
        """A number within [low, high]."""
        value = self.value(key)
        if value is None:
            if required:
                self.problem(self.line, f"missing {key!r}")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(self.line_of(key), f"{key} must be a number, not {value!r}")
            return None
        if not low <= value <= high:
            self.problem(self.line_of(key), f"{key} {value} is not between {low:g} and {high:g}")
            return None
        return float(value)

    def integer(self, key: str, *, required: bool = True) -> int | None:
        value = self.value(key)
        if value is None:
            if required:
                self.problem(self.line, f"missing {key!r}")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(self.line_of(key), f"{key} must be a whole number, not {value!r}")
            return None
        return value

    def texts(self, key: str) -> tuple[str, ...] | None:
        """A list of distinct non-empty names (None when the key is absent)."""
        if not self.has(key):
            return None
        node = self._nodes[key]
        if not isinstance(node, yaml.SequenceNode):
            self.problem(line_of(node), f"{key} must be a list")
            return ()
        out: list[str] = []
        for item in node.value:
            value = value_of(item)  # 3 (a building number) is taken as "3"
            plain = isinstance(value, str | int) and not isinstance(value, bool)
            if not plain or not str(value).strip():
                self.problem(line_of(item), f"an entry of {key} must be non-empty text")
            elif len(str(value).strip()) > PLACE_MAX:
                self.problem(line_of(item), f"{value!r} is longer than {PLACE_MAX} characters")
            elif str(value).strip() in out:
                self.problem(line_of(item), f"{value!r} is listed twice in {key}")
            else:
                out.append(str(value).strip())
        return tuple(out)
