"""The live knowledge base: loaded once at start, swapped whole on reload."""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path

from knowledge import KnowledgeBase, KnowledgeBaseError, Matcher, files_version, load_knowledge_base
from knowledge.model import Entry
from services.views import CategoryView, ContactView, EntryView

# The entries whose office is the general front desk for residents, in order of preference.
HUMAN_CONTACT_ENTRIES = ("service-center", "residents-committee")


class LiveKnowledge:
    """Holds the current matcher; a reload builds a new one and swaps the reference.

    Readers never see a half-built index: the swap is a single assignment, and a reload that
    fails (invalid files) leaves the running knowledge base in place.
    """

    def __init__(self, kb_dir: Path | None) -> None:
        self._kb_dir = kb_dir
        self._loaded = files_version(kb_dir)
        self._refused: object = None
        self.matcher = Matcher(load_knowledge_base(kb_dir))
        self.loaded_at = time.time()  # when the live version was loaded (Unix time)
        self.load_failures = 0  # reloads refused because the files did not validate
        # Entry views of the live matcher, made once: every answer shows one (frozen, shared).
        self._views: dict[str, EntryView] = {}
        self._views_of: Matcher | None = None

    @property
    def version(self) -> str:
        """A short fingerprint of the files the live knowledge base was read from."""
        return hashlib.sha256(repr(self._loaded).encode()).hexdigest()[:12]

    @property
    def kb(self) -> KnowledgeBase:
        return self.matcher.kb

    async def reload(self) -> int:
        """Re-read the knowledge-base files; returns the number of entries now live."""
        version = files_version(self._kb_dir)
        try:
            self.matcher = await asyncio.to_thread(_build, self._kb_dir)
        except KnowledgeBaseError:
            self.load_failures += 1
            raise
        self._loaded, self.loaded_at = version, time.time()
        return len(self.kb.entries)

    async def reload_if_changed(self) -> int | None:
        """Reload if the files changed since they were last loaded (an operator's edit, or a
        /reload or the learning loop in another process); the entry count, or None when
        nothing changed. Invalid files raise KnowledgeBaseError once per version and leave
        the running knowledge base in place."""
        version = files_version(self._kb_dir)
        if version in (self._loaded, self._refused):
            return None
        try:
            self.matcher = await asyncio.to_thread(_build, self._kb_dir)
        except KnowledgeBaseError:
            self._refused = version
            self.load_failures += 1
            raise
        self._loaded, self.loaded_at = version, time.time()
        return len(self.kb.entries)

    def entry_view(self, entry_id: str) -> EntryView | None:
        """The entry as a record for handlers, or None for an unknown id."""
        if self._views_of is not self.matcher:  # reloaded since: the old views are stale
            self._views, self._views_of = {}, self.matcher
        view = self._views.get(entry_id)
        if view is None:
            entry = self.kb.entry(entry_id)
            if entry is None:
                return None
            view = self._views[entry_id] = self._view(entry)
        return view

    def categories(self) -> tuple[CategoryView, ...]:
        """Categories in menu order, each with its entries."""
        cats = sorted(self.kb.categories, key=lambda c: (c.order, c.id))
        return tuple(
            CategoryView(
                c.id,
                c.title,
                c.title_en,
                tuple((e.id, e.title, e.title_en) for e in self.kb.entries_in(c.id)),
            )
            for c in cats
        )

    def human_contact(self) -> ContactView | None:
        """Where a resident reaches a person when linli has no answer."""
        for entry_id in HUMAN_CONTACT_ENTRIES:
            view = self.entry_view(entry_id)
            if view is not None and view.contact is not None:
                return view.contact
        return None

    def titles(self, entry_id: str) -> tuple[str, str, str] | None:
        entry = self.kb.entry(entry_id)
        return None if entry is None else (entry.id, entry.title, entry.title_en)

    def _view(self, entry: Entry) -> EntryView:
        contact = entry.contact
        related = tuple(t for r in entry.related if (t := self.titles(r)) is not None)
        return EntryView(
            id=entry.id,
            category=entry.category,
            title=entry.title,
            title_en=entry.title_en,
            answer=entry.answer,
            answer_en=entry.answer_en,
            contact=None
            if contact is None
            else ContactView(
                office=contact.office,
                address=contact.address,
                phone=contact.phone,
                hours=contact.hours,
                sample=contact.sample,
                office_en=contact.office_en,
                address_en=contact.address_en,
                hours_en=contact.hours_en,
                phone_en=contact.phone_en,
            ),
            related=related,
            complaint_category=entry.complaint_category,
        )


def _build(kb_dir: Path | None) -> Matcher:
    return Matcher(load_knowledge_base(kb_dir))
