"""/canned's list for the desk: the canned replies (常用语) in use, grouped by action (答复,
办结, 不予受理) and then by category, each action with how staff send its texts (the button
on the card, then the text under the prompt) and each text with the id admins remove it by.

A long list is split by handlers/replies.py to fit Telegram's 4096-unit limit, at line
breaks, so no text is cut in two."""

from __future__ import annotations

from itertools import groupby

from handlers.i18n import t
from services.tickets.canned import ACTIONS, CannedView
from services.tickets.categories import category_title

LIST_WORDS = ("", "list", "ls", "列表", "查看")
"""What /canned may be followed by to list the texts (nothing, or a list word)."""


def canned_list_text(language: str, listed: tuple[CannedView, ...]) -> str:
    """Every text in ``listed`` under its action and category, or how to add the first."""
    if not listed:
        return t(language, "canned.list.empty")
    blocks = [t(language, "canned.list.title", count=len(listed))]
    for action in ACTIONS:
        texts = [c for c in listed if c.action == action]
        if texts:
            blocks.append(_action_block(language, action, texts))
    blocks.append(t(language, "canned.list.manage"))
    return "\n\n".join(blocks)


def _action_block(language: str, action: str, texts: list[CannedView]) -> str:
    lines = [t(language, f"canned.list.head.{action}"), t(language, f"canned.list.how.{action}")]
    # The service lists each action's texts by category, those for every category last.
    for category, same in groupby(texts, key=lambda c: c.category):
        lines.append(t(language, "canned.list.category", category=_category(language, category)))
        lines.extend(_item(language, c) for c in same)
    return "\n".join(lines)


def _category(language: str, category: str | None) -> str:
    return t(language, "canned.all_categories") if category is None else category_title(category)


def _item(language: str, canned: CannedView) -> str:
    sample = t(language, "canned.sample") if canned.sample else ""
    return t(language, "canned.list.item", id=canned.id, text=canned.text, sample=sample)
