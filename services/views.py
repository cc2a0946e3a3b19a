"""Plain frozen records that services hand to handlers (never ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.small_talk import Talk

SMALL_TALK = frozenset(talk.value for talk in Talk)
"""The answer kinds of a message that is only small talk (knowledge/small_talk.py)."""


@dataclass(frozen=True, slots=True)
class ResidentView:
    telegram_id: int
    chat_id: int
    display_name: str
    language: str
    role: str
    active: bool


@dataclass(frozen=True, slots=True)
class ContactView:
    office: str
    address: str
    phone: str
    hours: str
    sample: bool
    office_en: str = ""
    address_en: str = ""
    hours_en: str = ""
    phone_en: str = ""


@dataclass(frozen=True, slots=True)
class EntryView:
    """One knowledge-base answer, in both canonical languages; handlers pick one."""

    id: str
    category: str
    title: str
    title_en: str
    answer: str
    answer_en: str
    contact: ContactView | None
    related: tuple[tuple[str, str, str], ...]  # (id, title, title_en)
    complaint_category: str | None


@dataclass(frozen=True, slots=True)
class CategoryView:
    id: str
    title: str
    title_en: str
    entries: tuple[tuple[str, str, str], ...]  # (id, title, title_en)


@dataclass(frozen=True, slots=True)
class AnswerView:
    """The outcome of a resident's question.

    ``kind`` is answer / suggest / none / too_short, or one of SMALL_TALK (a greeting,
    thanks, an "OK", a goodbye: not a question, so neither matched nor logged, and
    ``query_id`` is 0), or emergency (``emergencies`` says which: fire, medical, …) or person
    (the resident asks for a person), both recognised before matching and logged.
    ``query_id`` identifies the query-log row so that feedback, a picked suggestion and
    "ask a person" can be recorded against it.
    """

    kind: str
    query_id: int
    entry: EntryView | None
    suggestions: tuple[tuple[str, str, str], ...]  # (id, title, title_en)
    # "en" when the question was written in English: reply in English (the entry's
    # answer_en) whatever the resident's setting; "zh" otherwise.
    language: str = "zh"
    emergencies: tuple[str, ...] = ()  # knowledge.emergency.Emergency values, most urgent first
