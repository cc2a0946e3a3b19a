"""How a ticket reads to a resident: its number, status, age and public timeline."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

from handlers.i18n import has_key, localize, t
from handlers.render import when
from services.tickets import STAFF_SIGNATURE, PublicEventView, TicketView
from services.tickets.categories import all_categories

# "2611-0042": four digits of year and month, a dash, four (or five) digits of sequence.
NUMBER = re.compile(r"(?<!\d)(\d{4}-\d{4,5})(?!\d)")


def find_number(text: str | None) -> str | None:
    """The first ticket number in a message (a reply to linli's ticket message), or None."""
    found = NUMBER.search(text or "")
    return found.group(1) if found else None


def numbers_in(text: str | None) -> list[str]:
    """Every distinct ticket number in a message, in order (a list names several)."""
    return list(dict.fromkeys(NUMBER.findall(text or "")))


def is_number(text: str) -> bool:
    """Whether ``text`` looks like a ticket number at all (else "not found" without asking)."""
    return NUMBER.fullmatch(text.strip()) is not None


def category_name(language: str, category: str) -> str:
    # linli's own categories have translated names in the catalogs; one a district added to
    # its configuration is named by the configuration's titles.
    if has_key(f"category.{category}"):
        return t(language, f"category.{category}")
    found = next((c for c in all_categories() if c.id == category), None)
    return localize(language, found.title, found.title_en) if found else category


def status_name(language: str, status: str, *, owner: bool = True) -> str:
    """The status as the resident reads it; a follower (``owner`` False) is not asked to
    confirm a resolved ticket: only its filer can."""
    if not owner and status == "resolved":
        return t(language, "status.resolved_followed")
    return t(language, f"status.{status}")


def age(language: str, since: datetime, now: datetime | None = None) -> str:
    """ "3 天前", "2 小时前", "刚刚"."""
    seconds = ((now or datetime.now(UTC)) - since).total_seconds()
    if seconds >= 86400:
        return t(language, "age.days", n=int(seconds // 86400))
    if seconds >= 3600:
        return t(language, "age.hours", n=int(seconds // 3600))
    if seconds >= 60:
        return t(language, "age.minutes", n=int(seconds // 60))
    return t(language, "age.just_now")


def ticket_line(language: str, ticket: TicketView) -> str:
    """One line of /mytickets."""
    overdue = t(language, "ticket.overdue_mark") if ticket.is_overdue else ""
    return t(
        language,
        "mytickets.line",
        number=ticket.number,
        category=category_name(language, ticket.category),
        status=status_name(language, ticket.status, owner=ticket.is_owner),
        age=age(language, ticket.created_at),
        overdue=overdue,
    )


def ticket_detail(language: str, ticket: TicketView, tz: tzinfo) -> str:
    """/ticket: the ticket, what is due when, and its public timeline."""
    lines = [
        t(
            language,
            "ticket.detail",
            number=ticket.number,
            category=category_name(language, ticket.category),
            status=status_name(language, ticket.status, owner=ticket.is_owner),
            description=ticket.description or t(language, "ticket.followed_description"),
            filed=when(language, ticket.created_at, tz),
        )
    ]
    if ticket.location_text or ticket.latitude is not None:
        lines.append(t(language, "ticket.place", place=place(language, ticket)))
    if ticket.reject_reason:
        lines.append(t(language, "ticket.reject_reason", reason=ticket.reject_reason))
    if ticket.merged_into:
        lines.append(t(language, "ticket.merged_into", into=ticket.merged_into))
    if ticket.status in ("new", "accepted", "in_progress", "reopened"):
        lines.append(t(language, "ticket.due", due=when(language, ticket.resolution_due_at, tz)))
    if ticket.paused and ticket.is_owner:
        lines.append(t(language, "ticket.waiting_for_you"))
    lines.append("")
    lines.append(t(language, "ticket.timeline"))
    lines.extend(event_line(language, e, ticket.is_owner, tz) for e in ticket.timeline)
    if ticket.is_owner and ticket.can_follow_up:
        lines.append("")
        lines.append(t(language, "ticket.how_to_add", number=ticket.number))
    return "\n".join(lines)


def place(language: str, ticket: TicketView) -> str:
    parts = [ticket.location_text] if ticket.location_text else []
    if ticket.latitude is not None and ticket.longitude is not None:
        parts.append(t(language, "filing.pin", lat=ticket.latitude, lon=ticket.longitude))
    return "，".join(parts) if language != "en" else ", ".join(parts)


def event_line(language: str, event: PublicEventView, is_owner: bool, tz: tzinfo) -> str:
    if event.author == "resident":
        who = t(language, "ticket.author.you" if is_owner else "ticket.author.resident")
    elif event.author == STAFF_SIGNATURE and event.kind == "review_done":
        who = t(language, "ticket.author.officials")  # a review is decided by officials
    elif event.author == STAFF_SIGNATURE:
        who = t(language, "ticket.author.staff")
    else:
        who = t(language, "ticket.author.system")
    if event.kind == "transition" and event.status is not None:
        what = status_name(language, event.status, owner=is_owner)
    elif event.kind == "rating":
        what = t(language, "ticket.event.rating", status=status_name(language, event.status or ""))
    else:
        what = t(language, f"ticket.event.{event.kind}")
    message = f"：{event.message}" if event.message else ""
    if language == "en" and event.message:
        message = f": {event.message}"
    return f"• {when(language, event.at, tz)} {who} · {what}{message}"


def filed_text(language: str, ticket: TicketView, tz: tzinfo) -> str:
    """The answer to a filed complaint or enquiry: the number to quote and what comes next."""
    return t(
        language,
        "filing.filed",
        number=ticket.number,
        response_due=when(language, ticket.response_due_at, tz),
    )


def outbox_params(message_key: str, language: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Resident outbox parameters made readable (the delivery worker's formatter hook).

    The services store raw values ("in_progress", the bare staff message); the catalog
    strings read acceptably with those, and better with these. Other keys come back unchanged.
    """
    shown = dict(params)
    if not message_key.startswith("ticket."):
        return shown
    if message_key == "ticket.pass_on":  # 代录: the update as the resident would read it
        update_key, update = str(shown["update_key"]), dict(shown["update"])
        readable_update = outbox_params(update_key, language, update) if update else {}
        # An update emptied by /forget or retention (storage/repositories/privacy.py) is blank.
        shown["update"] = t(language, update_key, **readable_update) if update else ""
        shown["channel"] = t(language, f"channel.{shown['channel']}")
        shown["phone"] = shown.get("phone") or t(language, "onbehalf.no_phone")
        return shown
    if shown.get("status"):
        owner = message_key != "ticket.followed_status_changed"
        shown["status"] = status_name(language, str(shown["status"]), owner=owner)
    if shown.get("resolution_due_at"):  # extensions and pauses: the new expected time
        shown["resolution_due_at"] = when(language, str(shown["resolution_due_at"]))
    if message_key in ("ticket.status_changed", "ticket.rate_request") and shown.get("message"):
        shown["message"] = "\n" + t(language, "ticket.staff_says", message=shown["message"])
    return shown
