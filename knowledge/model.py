"""The knowledge base's data model: what an entry is, and what the matcher decides."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Contact:
    """The office a resident can turn to for an entry.

    ``sample`` is True when the values are placeholders that the district's operators must
    replace with their own (we never invent real phone numbers or addresses). The ``_en``
    fields are what English speakers read (the Chinese when empty).
    """

    office: str
    address: str = ""
    phone: str = ""
    hours: str = ""
    sample: bool = True
    office_en: str = ""
    address_en: str = ""
    hours_en: str = ""
    phone_en: str = ""


@dataclass(frozen=True, slots=True)
class Category:
    """A service series (服务系列) that groups entries in /menu."""

    id: str
    title: str
    title_en: str
    order: int = 0


@dataclass(frozen=True, slots=True)
class Entry:
    """One knowledge-base topic with its answer and the ways residents ask about it."""

    id: str
    category: str
    title: str
    title_en: str
    answer: str
    answer_en: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    contact: Contact | None = None
    related: tuple[str, ...] = ()
    complaint_category: str | None = None
    reviewed: dt.date | None = None
    source_file: str = ""


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """All categories and entries, plus the normalisation lexicon (synonyms and typos)."""

    categories: tuple[Category, ...]
    entries: tuple[Entry, ...]
    synonyms: dict[str, str] = field(default_factory=dict)
    stopwords: tuple[str, ...] = ()
    out_of_scope: tuple[str, ...] = ()

    def entry(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        for e in self.entries:
            if e.id == entry_id:
                return e
        return None

    def entries_in(self, category_id: str) -> tuple[Entry, ...]:
        """The entries of one category, in file order."""
        return tuple(e for e in self.entries if e.category == category_id)


class DecisionKind(StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    NONE = "none"
    TOO_SHORT = "too_short"


@dataclass(frozen=True, slots=True)
class Candidate:
    entry_id: str
    score: float


@dataclass(frozen=True, slots=True)
class Decision:
    """What the matcher decided for one question.

    ``candidates`` is the ranked list (best first, at most 5) whatever the decision, so that
    evaluation can compute top-k even when the decision is *none*.
    """

    kind: DecisionKind
    normalized: str
    candidates: tuple[Candidate, ...] = ()
    language: str = "zh"  # "en" for a question written in English: answer with answer_en
    shown: int = 3  # how many candidates a "did you mean" list may show (fused: confident ones)

    @property
    def entry_id(self) -> str | None:
        """The answered entry (only for ANSWER)."""
        if self.kind is DecisionKind.ANSWER and self.candidates:
            return self.candidates[0].entry_id
        return None

    @property
    def score(self) -> float:
        return self.candidates[0].score if self.candidates else 0.0

    def suggestions(self, limit: int = 3) -> tuple[Candidate, ...]:
        """The "did you mean" choices (only for SUGGEST)."""
        if self.kind is not DecisionKind.SUGGEST:
            return ()
        return self.candidates[: min(limit, self.shown)]
