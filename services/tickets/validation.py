"""Checks on what a resident types while filing; each failure is a clear InvalidInput."""

from __future__ import annotations

import re
import unicodedata

from services.errors import InvalidInput
from services.lengths import text_units
from services.tickets.categories import ENQUIRY, get_category

MIN_DESCRIPTION = 10
MAX_DESCRIPTION = 2000
MIN_QUESTION = 2
MAX_LOCATION = 500
MAX_PHOTOS = 5
MAX_REASON = 1000
MAX_MESSAGE = 3000  # staff replies and follow-ups: a Telegram message with room to spare
# A reason the resident reads (a rejection's, an extension's) says something: "👎", "." or
# "ok" tells them nothing. At least two letters, and four letters' worth where a Chinese
# character counts as two (it carries a word's meaning): "太忙" passes, "ok" does not.
MIN_REASON = 4
MIN_REASON_LETTERS = 2

STEPS = ("category", "description", "location", "photos", "phone", "anonymous", "confirm")
"""The filing conversation's steps, in order; the draft remembers where the resident is."""

_MOBILE = re.compile(r"1[3-9]\d{9}")
# Area codes are 010 and 020-029 (Beijing, the big cities) or 0 + three digits starting 3-9;
# then a 7-8 digit local number, with or without a dash.
_LANDLINE = re.compile(r"(0[12]\d|0[3-9]\d{2})-?(\d{7,8})")
_PHONE_NOISE = re.compile(r"[\s()（）]")
_TYPED_NUMBER = re.compile(r"#?(\d{4})-?(\d{4,5})")


def ticket_number(value: str) -> str | None:
    """A ticket number as people type it → "2611-0042", or None when it is not one.

    Full-width digits and dash (a Chinese input method's "２６１１－００４２"), a leading "#"
    (as on the staff cards) and a missing dash ("26110042", as read out) are all accepted.
    """
    typed = _TYPED_NUMBER.fullmatch(unicodedata.normalize("NFKC", value).strip())
    return f"{typed.group(1)}-{typed.group(2)}" if typed else None


def has_words(value: str) -> bool:
    """True when the text has a letter, a Chinese character or a digit, not only emoji,
    punctuation or spaces."""
    return any(ch.isalnum() for ch in value)


def category(value: str) -> str:
    """A complaint category id (not "enquiry": that one is filed from a question)."""
    if value == ENQUIRY:
        raise InvalidInput("enquiries are filed from a question, not chosen as a category")
    return get_category(value).id


def description(value: str) -> str:
    """The complaint text: 10 to 2000 characters once surrounding spaces are removed."""
    text = value.strip()
    if len(text) < MIN_DESCRIPTION:
        raise InvalidInput(f"the description needs at least {MIN_DESCRIPTION} characters")
    if not has_words(text):
        raise InvalidInput("the description has no words, only emoji or punctuation")
    if text_units(text) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"the description may have at most {MAX_DESCRIPTION} characters "
            f"(it has {text_units(text)}; an emoji counts as two)"
        )
    return text


def question(value: str) -> str:
    """A question turned into an enquiry ticket."""
    text = value.strip()
    if len(text) < MIN_QUESTION:
        raise InvalidInput("the question is empty")
    if text_units(text) > MAX_DESCRIPTION:
        raise InvalidInput(f"the question may have at most {MAX_DESCRIPTION} characters")
    return text


def location_text(value: str) -> str:
    """A typed address or place description."""
    text = value.strip()
    if not has_words(text):
        raise InvalidInput("the place is empty: type an address or send a location")
    if len(text) > MAX_LOCATION:
        raise InvalidInput(f"the place may have at most {MAX_LOCATION} characters")
    return text


def coordinates(latitude: float, longitude: float) -> tuple[float, float]:
    """A Telegram location."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidInput("the location is not a valid latitude/longitude")
    return latitude, longitude


def phone(value: str) -> str:
    """A Chinese mobile (13812345678) or landline with area code (021-12345678).

    Spaces and brackets are ignored, full-width digits read as digits, and a +86 / 0086
    prefix is dropped (restoring a landline's 0); mobiles are stored as 11 digits,
    landlines as "area-number".
    """
    text = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", value))  # full-width too
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix) :].lstrip("-")
            if not _MOBILE.fullmatch(text.replace("-", "")):
                text = "0" + text  # +86 21 … is 021 …: the trunk 0 is left out abroad
    if _MOBILE.fullmatch(text.replace("-", "")):
        return text.replace("-", "")
    landline = _LANDLINE.fullmatch(text)
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    raise InvalidInput(
        "not a phone number: give an 11-digit mobile (e.g. 13812345678) "
        "or a landline with its area code (e.g. 021-12345678)"
    )


def photos(file_ids: list[str]) -> list[str]:
    """At most five photos."""
    if len(file_ids) > MAX_PHOTOS:
        raise InvalidInput(f"at most {MAX_PHOTOS} photos")
    return file_ids


def step(value: str) -> str:
    """One of STEPS."""
    if value not in STEPS:
        raise InvalidInput(f"unknown filing step {value!r}")
    return value


def message(value: str, what: str = "the message") -> str:
    """A staff reply, note, follow-up or reason: not empty, not longer than a message."""
    text = value.strip()
    if not text:
        raise InvalidInput(f"{what} is empty")
    if text_units(text) > MAX_MESSAGE:
        raise InvalidInput(f"{what} may have at most {MAX_MESSAGE} characters")
    return text


class ThinReason(InvalidInput):
    """A reason the resident will read that says nothing (only emoji, a digit, "ok")."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(
            f"{what} needs words: at least {MIN_REASON} letters, "
            f"or {MIN_REASON // 2} Chinese characters"
        )


def reason(value: str, what: str = "the reason") -> str:
    """A reason shown to the resident: a message (see ``message``) that says something;
    ThinReason otherwise. Replies and notes are not held to this: "好的" is a fine reply."""
    text = message(value, what)
    letters = [ch for ch in text if ch.isalpha()]  # Chinese characters are letters too
    weight = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in letters)
    if len(letters) < MIN_REASON_LETTERS or weight < MIN_REASON:
        raise ThinReason(what)
    return text
