"""Cross-entry checks of a knowledge base: what `linli kb check` reports besides schema errors.

Every problem carries the file and line it comes from, so an operator editing the YAML can
jump straight to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

import yaml

from knowledge.model import Entry
from knowledge.normalize import Normalizer

# Telegram refuses messages longer than this (in characters).
TELEGRAM_TEXT_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the knowledge base, located in its source file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class KnowledgeBaseError(Exception):
    """Raised when a knowledge base cannot be loaded because it has problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:20])
        more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s) in the knowledge base:\n{shown}{more}")


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """An entry together with where its parts were written (1-based lines)."""

    entry: Entry
    file: str
    line: int
    question_lines: tuple[int, ...] = ()
    # Line of each field (answer, answer_en, related, ...), for pointing at the culprit.
    lines: dict[str, int] = field(default_factory=dict)


def required_topics() -> tuple[str, ...]:
    """The topic ids every deployment must cover (shipped as required_topics.yaml)."""
    text = resources.files("knowledge").joinpath("required_topics.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return tuple(str(t) for t in data["topics"])


def rendered_answer(entry: Entry, *, english: bool = False) -> str:
    """The answer as a resident sees it: title, answer text and the contact lines."""
    title = entry.title_en if english else entry.title
    parts = [title, "", (entry.answer_en if english else entry.answer).strip()]
    contact = entry.contact
    if contact is not None:
        parts.append("")
        shown = (contact.office, contact.address, contact.phone, contact.hours)
        if english:
            shown = (
                contact.office_en or contact.office,
                contact.address_en or contact.address,
                contact.phone_en or contact.phone,
                contact.hours_en or contact.hours,
            )
        parts.extend(v for v in shown if v)
    return "\n".join(parts)


def check_entries(
    parsed: list[ParsedEntry], normalizer: Normalizer, *, require_topics: bool = True
) -> list[Problem]:
    """Duplicate ids and alternates, dangling related ids, over-long answers, missing topics."""
    problems: list[Problem] = []
    first_seen: dict[str, ParsedEntry] = {}
    for p in parsed:
        earlier = first_seen.get(p.entry.id)
        if earlier is not None:
            problems.append(
                Problem(
                    p.file, p.line, f"duplicate id {p.entry.id!r} ({earlier.file}:{earlier.line})"
                )
            )
        else:
            first_seen[p.entry.id] = p
    problems += _duplicate_questions(parsed, normalizer)
    problems += _dangling_related(parsed, set(first_seen))
    problems += _long_answers(parsed)
    if require_topics and parsed:
        where = parsed[0].file
        for topic in required_topics():
            if topic not in first_seen:
                problems.append(Problem(where, 1, f"required topic {topic!r} is missing"))
    return problems


def _duplicate_questions(parsed: list[ParsedEntry], normalizer: Normalizer) -> list[Problem]:
    owner: dict[str, tuple[ParsedEntry, int]] = {}
    problems = []
    for p in parsed:
        lines = p.question_lines or (p.line,) * len(p.entry.questions)
        for question, line in zip(p.entry.questions, lines, strict=False):
            key = normalizer.normalize(question).replace(" ", "")
            if not key:
                continue
            seen = owner.get(key)
            if seen is None:
                owner[key] = (p, line)
            elif seen[0].entry.id != p.entry.id:
                problems.append(
                    Problem(
                        p.file,
                        line,
                        f"question {question!r} also belongs to {seen[0].entry.id!r} "
                        f"({seen[0].file}:{seen[1]})",
                    )
                )
    return problems


def _dangling_related(parsed: list[ParsedEntry], ids: set[str]) -> list[Problem]:
    return [
        Problem(p.file, p.lines.get("related", p.line), f"related id {rel!r} does not exist")
        for p in parsed
        for rel in p.entry.related
        if rel not in ids
    ]


def _long_answers(parsed: list[ParsedEntry]) -> list[Problem]:
    problems = []
    for p in parsed:
        for english in (False, True):
            length = len(rendered_answer(p.entry, english=english))
            if length > TELEGRAM_TEXT_LIMIT:
                which = "answer_en" if english else "answer"
                line = p.lines.get(which, p.line)
                problems.append(
                    Problem(
                        p.file,
                        line,
                        f"{which} of {p.entry.id!r} renders to {length} characters "
                        f"(Telegram allows {TELEGRAM_TEXT_LIMIT})",
                    )
                )
    return problems
