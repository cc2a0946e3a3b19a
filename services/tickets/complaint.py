"""What a new ticket is made of, however it comes in (a draft, one go, a question), and the
number it is given."""

from __future__ import annotations

from dataclasses import dataclass

from services.errors import InvalidInput
from services.tickets import validation as check
from storage.models import FilingDraft


@dataclass(frozen=True, slots=True)
class Complaint:
    """Everything a new ticket is made of (validated)."""

    category: str
    description: str
    location_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    photos: tuple[str, ...] = ()
    phone: str | None = None
    anonymous: bool = False
    # 代录: how the resident reached the desk, and their name when staff recorded it for them.
    channel: str = "telegram"
    on_behalf_name: str | None = None


def ticket_number(period: str, sequence: int) -> str:
    """The number read out on the phone: "2611-0042" is the 42nd ticket of November 2026.

    Digits only (nothing to confuse, like O and 0); four digits of sequence, five past 9999.
    """
    return f"{period}-{sequence:04d}"


def checked(complaint: Complaint) -> Complaint:
    """The complaint with every field validated like a draft's (InvalidInput says why)."""
    return Complaint(
        category=check.category(complaint.category),
        description=check.description(complaint.description),
        location_text=None
        if complaint.location_text is None
        else check.location_text(complaint.location_text),
        latitude=complaint.latitude,
        longitude=complaint.longitude,
        photos=tuple(check.photos(list(complaint.photos))),
        phone=None if complaint.phone is None else check.phone(complaint.phone),
        anonymous=complaint.anonymous,
        channel=complaint.channel,
        on_behalf_name=complaint.on_behalf_name,
    )


def from_draft(draft: FilingDraft) -> Complaint:
    """The complaint a finished draft makes; InvalidInput names the first missing piece."""
    if draft.category is None:
        raise InvalidInput("choose a category first")
    if draft.description is None:
        raise InvalidInput("describe the problem first")
    if draft.location_text is None and draft.latitude is None:
        raise InvalidInput("say where it is: type an address or send a location")
    return Complaint(
        category=draft.category,
        description=draft.description,
        location_text=draft.location_text,
        latitude=draft.latitude,
        longitude=draft.longitude,
        photos=tuple(draft.photos),
        phone=draft.phone,
        anonymous=bool(draft.anonymous),
    )
