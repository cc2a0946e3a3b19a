"""How the staff desk looks: cards, lists, the timeline, and staff-chat outbox parameters.

A message whose first line names a ticket as "#<number>" is a *ticket message*: a staff
reply to it answers that ticket's resident (see staff_desk.py). Everything here is pure
rendering from catalog strings; nothing calls Telegram or the services.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import tzinfo
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.i18n import localize, t
from handlers.render import when
from services.tickets import StaffEventView, StaffTicketView, mask_phone
from services.tickets.categories import all_categories
from services.tickets.notify import CARD_ACTIONS
from services.workdays.worktime import TIMEZONE

TICKET_REF = re.compile(r"#(\d{4}-\d{4,5})\b")
_SUMMARY_CHARS = 40
_STATUS_MARK = "📌"  # how staff.card.status begins in every language


def ticket_in_first_line(text: str | None) -> str | None:
    """The ticket number a ticket message names on its first line, or None."""
    if not text:
        return None
    match = TICKET_REF.search(text.split("\n", 1)[0])
    return match.group(1) if match else None


def category_name(language: str, category_id: str) -> str:
    # The district's configuration names the categories, and may change while linli runs.
    found = next((c for c in all_categories() if c.id == category_id), None)
    return localize(language, found.title, found.title_en) if found else category_id


def status_name(language: str, status: str) -> str:
    return t(language, f"staff.status.{status}")


def place(language: str, location: str | None, lat: float | None, lon: float | None) -> str:
    """The typed address, the coordinates of a shared location, or both."""
    parts = [location] if location else []
    if lat is not None and lon is not None:
        parts.append(t(language, "staff.coordinates", latitude=lat, longitude=lon))
    return "；".join(parts) or t(language, "staff.place_unknown")


def outbox_params(
    message_key: str, language: str, params: Mapping[str, Any], tz: tzinfo = TIMEZONE
) -> dict[str, Any]:
    """Staff-chat outbox parameters made readable (the delivery worker's formatter hook).

    The services store raw values (category ids, ISO times in UTC, "" for an anonymous
    resident); the catalog strings read acceptably with those, and better with these.
    Other message keys come back unchanged.
    """
    shown = dict(params)
    if not message_key.startswith("staff."):
        return shown
    if "category" in shown:
        shown["category"] = category_name(language, str(shown["category"]))
    if shown.get("new_due_at"):  # an extension: from the resolution due time it moves
        shown["new_due_at"] = when(
            language, shown["new_due_at"], tz, params.get("resolution_due_at")
        )
    for key in ("created_at", "response_due_at", "resolution_due_at", "review_due_at"):
        if shown.get(key):
            shown[key] = when(language, shown[key], tz)
    if shown.get("description"):
        shown["description"] = resident_words(str(shown["description"]))
    if message_key == "staff.card":
        lat, lon = shown.get("latitude"), shown.get("longitude")
        shown["location"] = place(language, shown.get("location"), lat, lon)
        shown["resident"] = shown.get("resident") or t(language, "staff.anonymous")
        if shown.get("channel", "telegram") != "telegram":  # 代录: who called, who recorded
            shown["resident"] = t(
                language, "staff.card.on_behalf", name=shown.get("on_behalf_name", ""),
                channel=t(language, f"channel.{shown['channel']}"), recorder=shown["resident"],
            )  # fmt: skip
        shown["phone"] = shown.get("phone") or t(language, "staff.no_phone")
    if message_key == "staff.assigned":  # queued before the phone was part of it: none
        shown["phone"] = shown.get("phone") or t(language, "staff.no_phone")
    return shown


# Line and paragraph separators break lines like a newline in Telegram's clients; the
# bidirectional controls reorder what follows them. Both are invisible in the text typed.
_UNSEEN = {0x2028: "\n", 0x2029: "\n"} | dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F]
)


def resident_words(text: str) -> str:
    """A resident's words on a staff message, each line after a bar, so that none can pass
    for one of the message's own lines (a forged "👤 居民：…" or "📌 状态：…", which the
    card's refresh would also take for its status line)."""
    lines = text.translate(_UNSEEN).split("\n")
    return "\n".join(f"┃ {line}" for line in lines)


def _view_params(view: StaffTicketView) -> dict[str, Any]:
    """A view in the shape of the "staff.card" outbox parameters (services/tickets/notify)."""
    return {
        "ticket_id": view.id,
        "number": view.number,
        "category": view.category,
        "description": view.description,
        "location": view.location_text or "",
        "latitude": view.latitude,
        "longitude": view.longitude,
        "resident": view.resident_name or "",
        "anonymous": view.anonymous,
        # The card is seen by the whole staff chat, so even the assignee's copy is masked.
        "phone": mask_phone(view.phone) or "",
        "channel": view.channel,
        "on_behalf_name": view.on_behalf_name or "",
        "photo_count": len(view.photos),
        "created_at": view.created_at.isoformat(),
        "response_due_at": view.response_due_at.isoformat(),
        "resolution_due_at": view.resolution_due_at.isoformat(),
    }


def status_line(language: str, view: StaffTicketView, assignee: str | None) -> str:
    who = assignee or t(language, "staff.unassigned")
    line = t(language, "staff.card.status", status=view_status(language, view), assignee=who)
    return " ".join([line, *desk_marks(language, view)])


def view_status(language: str, view: StaffTicketView) -> str:
    """The ticket's status, and that it waits for the resident when its clock is paused."""
    status = status_name(language, view.status)
    if view.paused_at is None:
        return status
    return f"{status} · {t(language, 'staff.paused')}"


def desk_marks(language: str, view: StaffTicketView) -> list[str]:
    """⚑ 督办 and ↩️ 重办×n, shown on the card, in /queue and in /ticket."""
    marks = [t(language, "staff.card.supervised")] if view.supervised else []
    if view.redone:
        marks.append(t(language, "staff.card.redone", times=view.redone))
    return marks


def with_status(text: str, line: str) -> str:
    """A ticket message with its status line (under it), replacing an earlier one."""
    body, sep, last = text.rpartition("\n\n")
    if sep and last.startswith(_STATUS_MARK):
        text = body
    return f"{text}\n\n{line}"


def card_keyboard(language: str, view: StaffTicketView) -> InlineKeyboardMarkup | None:
    """The buttons still useful in the ticket's status; None once nothing is left to do."""
    rows = CARD_ACTIONS.get(view.status, ())
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(language, f"button.ticket.{action}"), callback_data=f"tk:{action}:{view.id}"
                )
                for action in row
            ]
            for row in rows
        ]
    )


def queue_text(
    language: str, views: Iterable[StaffTicketView], title_key: str, empty_key: str, tz: tzinfo
) -> str:
    """/queue and /mine: one line per ticket, overdue ones marked."""
    views = list(views)
    if not views:
        return t(language, empty_key)
    lines = [t(language, title_key, count=len(views))]
    for view in views:
        summary = " ".join(view.description.split())
        if len(summary) > _SUMMARY_CHARS:
            summary = summary[:_SUMMARY_CHARS] + "…"
        lines.append(
            t(
                language,
                "staff.queue.line",
                overdue="".join(
                    [
                        t(language, "staff.overdue") if view.is_overdue else "",
                        *(f"{mark} " for mark in desk_marks(language, view)),
                    ]
                ),
                number=view.number,
                category=category_name(language, view.category),
                status=view_status(language, view),
                due=when(language, view.resolution_due_at, tz),
                summary=summary,
            )
        )
    return "\n".join(lines)


def ticket_text(language: str, view: StaffTicketView, names: Mapping[int, str], tz: tzinfo) -> str:
    """/ticket in the staff chat: every detail staff may see, then the full trail."""
    params = outbox_params("staff.card", language, _view_params(view), tz)
    responded = ""
    if view.first_response_at is not None:
        responded = t(
            language, "staff.ticket.responded", at=when(language, view.first_response_at, tz)
        )
    head = t(
        language, "staff.ticket.title", **params,
        status=view_status(language, view), responded=responded,
        overdue=t(language, "staff.ticket.overdue") if view.is_overdue else "",
        assignee=_name(language, view.assignee_telegram_id, names),
    )  # fmt: skip
    lines = [head, *([" ".join(desk_marks(language, view))] if desk_marks(language, view) else []),
             "", t(language, "staff.ticket.timeline")]  # fmt: skip
    for event in view.events:
        lines.extend(event_lines(language, event, names, tz))
    return "\n".join(lines)


def _name(language: str, telegram_id: int | None, names: Mapping[int, str]) -> str:
    if telegram_id is None:
        return t(language, "staff.unassigned")
    return names.get(telegram_id, str(telegram_id))


def event_lines(
    language: str, event: StaffEventView, names: Mapping[int, str], tz: tzinfo
) -> list[str]:
    """One event of the audit trail: who did what, and what they wrote (notes included)."""
    if event.actor_role == "resident":
        who = t(language, "staff.who.resident")
    elif event.actor_telegram_id is None:
        who = t(language, "staff.who.system")
    else:
        who = names.get(event.actor_telegram_id, str(event.actor_telegram_id))
    to = status_name(language, event.to_status) if event.to_status else ""
    target = event.details.get("to")
    head = t(
        language, f"staff.event.{event.kind}", at=when(language, event.at, tz), who=who, to=to,
        score=event.details.get("score", ""),
        outcome=t(language, f"callback.outcome.{event.details.get('outcome', 'unreachable')}"),
        flag=t(language, "staff.flag.on" if event.details.get("on") else "staff.flag.off"),
        decision=t(language, f"review.decision.{event.details.get('decision', 'upheld')}"),
        name=_name(language, target if isinstance(target, int) else None, names),
    )  # fmt: skip
    lines = [head]
    if event.public_message:
        lines.append(t(language, "staff.event.message", text=event.public_message))
    if event.internal_note:
        lines.append(t(language, "staff.event.internal", text=event.internal_note))
    if event.details.get("into"):
        lines.append(t(language, "staff.event.merged", into=event.details["into"]))
    return lines
