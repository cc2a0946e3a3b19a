"""Reading the district's folder (LINLI_DISTRICT_DIR, default the bundled sample) into a
District, with every problem as ``file:line: message``.

Any ``*.yaml`` file in the folder may hold any of the sections ``communities``, ``units``,
``categories`` and ``routes`` (lists), and ``sample: true`` (the folder is sample data).
Like the knowledge base (knowledge/loader.py), the YAML is composed so every value keeps its
line, and every problem of every file is reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from knowledge.schema import line_of, value_of
from knowledge.validate import Problem
from knowledge.yaml_files import FolderVersion, compose_file, compose_files, folder_version
from services.district.fields import Fields
from services.district.model import (
    ENQUIRY,
    WILDCARD,
    Category,
    Community,
    District,
    Route,
    Unit,
    UnitKind,
)

SECTIONS = frozenset({"communities", "units", "categories", "routes", "sample"})
# A working week is 42.5 hours (services.workdays): a limit past 60 working days is a typo.
MAX_HOURS = 60 * 8.5
_KINDS = ", ".join(k.value for k in UnitKind)
COMMUNITY_ID_MAX = 40  # it travels in buttons' callback data (64 bytes) with a building
CATEGORY_ID_MAX = 32  # tickets.category is a 32-character column
DEFAULT_CATEGORIES = "categories.yaml"
"""The sample's file of categories: linli's defaults, used by a folder that has none."""


class DistrictError(Exception):
    """The district's files cannot be loaded: ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class _Reading:
    communities: list[tuple[Community, Problem]] = field(default_factory=list)
    units: list[tuple[Unit, Problem]] = field(default_factory=list)
    categories: list[tuple[Category, Problem]] = field(default_factory=list)
    routes: list[tuple[Route, Problem]] = field(default_factory=list)
    sample: bool = False
    problems: list[Problem] = field(default_factory=list)


def sample_dir() -> Path:
    """The sample district bundled with linli (invented names; chat ids to replace)."""
    return Path(str(resources.files("services.district").joinpath("sample")))


def files_version(path: Path | None = None) -> FolderVersion:
    """Name, modification time and size of every file of the folder: any edit changes it."""
    return folder_version(path or sample_dir())


def check_district(path: Path | None = None) -> list[Problem]:
    """Every problem of the folder at ``path`` (default: the sample), in file order."""
    reading = _read_dir(path or sample_dir())
    return reading.problems + _cross_check(reading, path or sample_dir())


def load_district(path: Path | None = None) -> District:
    """The District in ``path`` (default: the sample); DistrictError lists every problem."""
    reading = _read_dir(path or sample_dir())
    problems = reading.problems + _cross_check(reading, path or sample_dir())
    if problems:
        raise DistrictError(problems)
    return District(
        communities=tuple(c for c, _ in reading.communities),
        units=tuple(u for u, _ in reading.units),
        categories=tuple(c for c, _ in reading.categories),
        routes=tuple(r for r, _ in reading.routes),
        sample=reading.sample,
    )


def _read_dir(path: Path) -> _Reading:
    reading = _Reading()
    if not path.is_dir():
        reading.problems.append(Problem(str(path), 0, "not a folder"))
        return reading
    files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
    if not files:
        reading.problems.append(Problem(str(path), 0, "no district files (*.yaml)"))
    for file, root in compose_files(files, reading.problems):
        _read_file(str(file), root, reading)
    if not reading.categories and path.resolve() != sample_dir().resolve():
        _read_default_categories(reading)
    return reading


def _read_default_categories(reading: _Reading) -> None:
    """A folder that names no categories gets linli's own (the bundled categories.yaml),
    so an operator writes communities, units and routes and keeps the usual limits."""
    file = sample_dir() / DEFAULT_CATEGORIES
    _read_file(str(file), compose_file(file), reading)


def _read_file(file: str, root: yaml.Node | None, reading: _Reading) -> None:
    if root is None:
        return  # an empty file says nothing
    if not isinstance(root, yaml.MappingNode):
        reading.problems.append(Problem(file, line_of(root), "a district file is a mapping"))
        return
    for key_node, node in root.value:
        key = str(key_node.value)
        if key not in SECTIONS:
            known = ", ".join(sorted(SECTIONS))
            reading.problems.append(
                Problem(file, line_of(key_node), f"unknown section {key!r} (known: {known})")
            )
        elif key == "sample":
            reading.sample = reading.sample or value_of(node) is True
        elif not isinstance(node, yaml.SequenceNode):
            reading.problems.append(Problem(file, line_of(node), f"{key} must be a list"))
        else:
            for item in node.value:
                _read_item(file, key, item, reading)


def _read_item(file: str, section: str, node: yaml.Node, reading: _Reading) -> None:
    where = Problem(file, line_of(node), "")
    if not isinstance(node, yaml.MappingNode):
        reading.problems.append(Problem(file, line_of(node), f"an item of {section} is a mapping"))
        return
    fields = Fields(file, node, reading.problems)
    if section == "communities" and (community := _community(fields)) is not None:
        reading.communities.append((community, where))
    elif section == "units" and (unit := _unit(fields)) is not None:
        reading.units.append((unit, where))
    elif section == "categories" and (category := _category(fields)) is not None:
        reading.categories.append((category, where))
    elif section == "routes" and (route := _route(fields)) is not None:
        reading.routes.append((route, where))


def _community(f: Fields) -> Community | None:
    f.unknown(frozenset({"id", "name", "buildings", "grids", "estates", "lat", "lon"}), "community")
    ident, name = f.ident(max_len=COMMUNITY_ID_MAX), f.text("name")
    buildings, grids = f.texts("buildings"), f.texts("grids")
    estates = f.texts("estates") or ()
    if buildings is not None and grids is not None:
        f.problem(f.line_of("grids"), "a community has buildings or grids, not both")
    lat = f.number("lat", low=-90, high=90, required=False)
    lon = f.number("lon", low=-180, high=180, required=False)
    if f.has("lat") != f.has("lon"):
        f.problem(f.line, "give both lat and lon, or neither")
    if ident is None or name is None:
        return None
    kind = "grids" if grids is not None else "buildings"
    places = grids if grids is not None else buildings or ()
    return Community(ident, name, places, kind, lat, lon, estates)


def _unit(f: Fields) -> Unit | None:
    f.unknown(frozenset({"id", "name", "kind", "chat_id", "topic_id"}), "unit")
    ident, name = f.ident(), f.text("name")
    kind_text, chat_id = f.value("kind"), f.integer("chat_id")
    topic_id = f.integer("topic_id", required=False)
    kind = None
    if kind_text is None:
        f.problem(f.line, "missing 'kind'")
    elif kind_text not in {k.value for k in UnitKind}:
        f.problem(f.line_of("kind"), f"unknown unit kind {kind_text!r} (known: {_KINDS})")
    else:
        kind = UnitKind(kind_text)
    if chat_id is not None and chat_id >= 0:
        f.problem(f.line_of("chat_id"), "chat_id of a unit's group chat is a negative number")
        chat_id = None
    if topic_id is not None and topic_id <= 0:
        f.problem(f.line_of("topic_id"), "topic_id is a positive number")
    if None in (ident, name, kind, chat_id) or (topic_id is not None and topic_id <= 0):
        return None
    assert ident and name and kind and chat_id  # for mypy: checked just above
    return Unit(ident, name, kind, chat_id, topic_id)


def _category(f: Fields) -> Category | None:
    f.unknown(
        frozenset({"id", "title", "title_en", "response_hours", "resolution_hours"}), "category"
    )
    ident, title = f.ident(max_len=CATEGORY_ID_MAX), f.text("title")
    title_en = f.text("title_en", required=False, max_len=100) or ""
    response = f.number("response_hours", low=0.25, high=MAX_HOURS)
    resolution = f.number("resolution_hours", low=0.25, high=MAX_HOURS)
    if response is not None and resolution is not None and resolution < response:
        f.problem(
            f.line_of("resolution_hours"),
            f"resolution_hours {resolution:g} is shorter than response_hours {response:g}",
        )
        return None
    if ident is None or title is None or response is None or resolution is None:
        return None
    return Category(ident, title, title_en, response, resolution)


def _route(f: Fields) -> Route | None:
    f.unknown(frozenset({"category", "community", "unit"}), "route")
    category = f.text("category")
    community = f.text("community")
    unit = f.text("unit")
    if category is None or community is None or unit is None:
        return None
    return Route(category, community, unit)


def _cross_check(reading: _Reading, path: Path) -> list[Problem]:
    """Ids unique per kind, routes naming what exists and not twice, the enquiry category."""
    problems: list[Problem] = []
    for items, what in (
        (reading.communities, "community"),
        (reading.units, "unit"),
        (reading.categories, "category"),
    ):
        seen: dict[str, Problem] = {}
        for item, where in items:
            ident = item.id
            if ident in seen:
                first = f"{seen[ident].file}:{seen[ident].line}"
                problems.append(_at(where, f"duplicate {what} id {ident!r} (first at {first})"))
            else:
                seen[ident] = where
    if not any(c.id == ENQUIRY for c, _ in reading.categories):
        # Questions turned into tickets need it (services.tickets.enquiries).
        problems.append(Problem(str(path), 0, f"the category {ENQUIRY!r} is required"))
    problems += _check_routes(reading)
    return problems


def _check_routes(reading: _Reading) -> list[Problem]:
    communities = {c.id for c, _ in reading.communities}
    units = {u.id for u, _ in reading.units}
    categories = {c.id for c, _ in reading.categories}
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for route, where in reading.routes:
        if route.category != WILDCARD and route.category not in categories:
            problems.append(_at(where, f"unknown category {route.category!r} in a route"))
        if route.community != WILDCARD and route.community not in communities:
            problems.append(_at(where, f"unknown community {route.community!r} in a route"))
        if route.unit not in units:
            problems.append(_at(where, f"unknown unit {route.unit!r} in a route"))
        pair = (route.category, route.community)
        if pair in seen:
            problems.append(_at(where, f"a second route for {pair[0]} × {pair[1]}"))
        seen.add(pair)
    return problems


def _at(where: Problem, message: str) -> Problem:
    return Problem(where.file, where.line, message)
