"""The operator's holiday file: a year's holidays and 调休 days, the day they are published.

``chinese_calendar`` only learns a year's schedule in a release after the State Council's
notice (国务院办公厅关于{year}年部分节假日安排的通知, usually in November). Until then the
operator copies the notice into a small YAML file::

    2027:
      holidays:               # 放假: single dates or ranges, weekends inside them included
        - 2027-01-01
        - 2027-02-06..2027-02-13
      workdays:               # 调休上班: the weekend days that are worked instead
        - 2027-02-20

A year's entries may start in the December before it (a New Year holiday can). The file is
checked in full; every problem is reported with its line, and a file with any problem is
refused rather than half used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")
_KINDS = {"holidays": False, "workdays": True}  # the kind → "is a working day"
_SHAPE = "write YYYY-MM-DD, or a range YYYY-MM-DD..YYYY-MM-DD"


class HolidayFileError(Exception):
    """The holiday file cannot be used; ``problems`` are ``file:line: message`` lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class HolidayFile:
    """The years an operator declared, and every day the file names (True: a working day)."""

    source: str
    years: frozenset[int]
    days: dict[date, bool] = field(hash=False)

    def is_workday(self, day: date) -> bool | None:
        """What the file says about ``day``; None when it does not name it."""
        return self.days.get(day)


def load_holiday_file(path: Path) -> HolidayFile:
    """Read and check the holiday file at ``path``; HolidayFileError lists every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HolidayFileError([f"{path}: cannot read the holiday file: {exc}"]) from None
    return parse_holiday_file(text, str(path))


def parse_holiday_file(text: str, source: str) -> HolidayFile:
    """The holiday file written in ``text`` (``source`` names it in problems)."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise HolidayFileError([f"{source}:{line}: not valid YAML: {problem}"]) from None
    reading = _Reading()
    if not isinstance(root, yaml.MappingNode) or not root.value:
        reading.problem(root, "the file must map years to their holidays and workdays")
    else:
        for key, node in _unique(reading, root, "year"):
            reading.year(key, node)
    if reading.problems:
        reading.problems.sort(key=lambda problem: problem[0])
        raise HolidayFileError([f"{source}:{line}: {text}" for line, text in reading.problems])
    days = {day: working for day, (working, _) in reading.days.items()}
    return HolidayFile(source, frozenset(reading.years), days)


def _line(node: yaml.Node | None) -> int:
    return int(node.start_mark.line) + 1 if node is not None else 1


def _unique(
    reading: _Reading, mapping: yaml.MappingNode, what: str
) -> list[tuple[yaml.Node, yaml.Node]]:
    """The mapping's pairs, reporting a key written twice (YAML would keep the last one)."""
    seen: dict[str, int] = {}
    pairs = []
    for key, node in mapping.value:
        name = str(key.value)
        if name in seen:
            reading.problem(key, f"{what} {name} appears twice (first on line {seen[name]})")
            continue
        seen[name] = _line(key)
        pairs.append((key, node))
    return pairs


class _Reading:
    """What has been read so far, and what was wrong with it."""

    def __init__(self) -> None:
        self.problems: list[tuple[int, str]] = []  # (line, message)
        self.years: set[int] = set()
        self.days: dict[date, tuple[bool, int]] = {}  # day → (is a working day, line)

    def problem(self, node: yaml.Node | None, message: str) -> None:
        self.problems.append((_line(node), message))

    def year(self, key: yaml.Node, node: yaml.Node) -> None:
        if not isinstance(key, yaml.ScalarNode) or not _YEAR.match(str(key.value)):
            self.problem(key, f"{key.value!r} is not a year such as 2027")
            return
        year = int(key.value)
        self.years.add(year)
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{year} must list its holidays (and workdays, if any)")
            return
        kinds = {str(k.value): v for k, v in _unique(self, node, "key")}
        for name in sorted(kinds.keys() - _KINDS.keys()):
            self.problem(kinds[name], f"unknown key {name!r} under {year}: use holidays, workdays")
        holidays = kinds.get("holidays")
        if holidays is None or _empty(holidays):
            # A year declared without holidays would silently count Monday-Friday as "known".
            self.problem(holidays or node, f"{year} lists no holidays")
        for name, working in _KINDS.items():
            if name in kinds:
                self.entries(year, kinds[name], name, working)

    def entries(self, year: int, node: yaml.Node, kind: str, working: bool) -> None:
        if _empty(node):
            return
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{kind} of {year} must be a list of dates and ranges")
            return
        for entry in node.value:
            for day in self.dates(year, entry):
                self.add(day, working, entry)

    def dates(self, year: int, entry: yaml.Node) -> list[date]:
        text = str(entry.value).strip() if isinstance(entry, yaml.ScalarNode) else ""
        ends = [part.strip() for part in text.split("..")]
        if not text or len(ends) > 2:
            what = repr(text) if text else "this entry"
            self.problem(entry, f"{what} is not a date or a range: {_SHAPE}")
            return []
        first, last = _date(ends[0]), _date(ends[-1])
        if first is None or last is None:
            bad = ends[0] if first is None else ends[-1]
            self.problem(entry, f"{bad or text!r} is not a date: {_SHAPE}")
            return []
        if last < first:
            self.problem(entry, f"the range {text} ends before it starts")
            return []
        if not (date(year - 1, 12, 1) <= first and last <= date(year, 12, 31)):
            self.problem(entry, f"{text} is not in {year} (or the December before it)")
            return []
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def add(self, day: date, working: bool, entry: yaml.Node) -> None:
        earlier = self.days.get(day)
        if earlier is not None and earlier[0] != working:
            lines = sorted((earlier[1], _line(entry)))
            self.problem(
                entry,
                f"{day} is listed both as a holiday and as a workday (lines {lines[0]} and "
                f"{lines[1]})",
            )
            return
        self.days.setdefault(day, (working, _line(entry)))


def _date(text: str) -> date | None:
    if not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:  # 2027-02-30
        return None


def _empty(node: yaml.Node) -> bool:
    """An empty list, or no value at all (``holidays:`` with nothing after it)."""
    if isinstance(node, yaml.SequenceNode):
        return not node.value
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")
