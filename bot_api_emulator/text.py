"""Text rules of the Bot API: request parameter decoding, lengths, entities, HTML parse mode."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

# PTB JSON-encodes every non-string parameter (ints, bools, lists, dicts) and sends strings
# as they are, so a string parameter must never be JSON-decoded ("123" stays a str).
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "file_id",
        "language_code",
        "name",
        "url",
        "secret_token",
        "action",
        "inline_message_id",
        "emoji",
        "icon_custom_emoji_id",
        "title",
        "description",
        "short_description",
    }
)


def decode_param(name: str, raw: str) -> Any:
    """Turn one form field as PTB sent it back into a Python value."""
    if name in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw  # e.g. chat_id "@channel", photo given as a URL or a file_id


def utf16_len(text: str) -> int:
    """Telegram measures text and entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION = re.compile(r"(?<!\w)@[A-Za-z0-9_]{5,32}")
_URL = re.compile(r"https?://[^\s<>\"]+")


def detect_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram's clients attach to what a user types: commands, mentions, URLs."""
    found: list[tuple[int, int, str]] = []
    for kind, pattern in (("bot_command", _COMMAND), ("mention", _MENTION), ("url", _URL)):
        found.extend((m.start(), m.end(), kind) for m in pattern.finditer(text))
    entities = []
    taken_until = -1
    for start, end, kind in sorted(found):
        if start < taken_until:
            continue  # "/start@linli_bot" is one command, not a command plus a mention
        taken_until = end
        offset = utf16_len(text[:start])
        entities.append({"type": kind, "offset": offset, "length": utf16_len(text[start:end])})
    return entities


_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_OTHER_TAGS = {"a", "span", "tg-emoji"}


class EntityParseError(ValueError):
    """The text is not valid for its parse_mode (Telegram: "can't parse entities")."""


class _HtmlToEntities(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0  # UTF-16 units so far
        self.open: list[tuple[str, int, dict[str, Any]]] = []
        self.entities: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SIMPLE_TAGS and tag not in _OTHER_TAGS:
            raise EntityParseError(f'Unsupported start tag "{tag}"')
        entity: dict[str, Any] = {"type": _SIMPLE_TAGS.get(tag, "")}
        values = dict(attrs)
        if tag == "a":
            entity = {"type": "text_link", "url": values.get("href") or ""}
        elif tag == "span":
            entity = {"type": "spoiler"}
        elif tag == "tg-emoji":
            entity = {"type": "custom_emoji", "custom_emoji_id": values.get("emoji-id") or ""}
        self.open.append((tag, self.length, entity))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            raise EntityParseError(f'Unmatched end tag "{tag}"')
        _, start, entity = self.open.pop()
        if self.length > start:
            self.entities.append({**entity, "offset": start, "length": self.length - start})

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += utf16_len(data)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities of an HTML-formatted message, as Telegram would store it."""
    parser = _HtmlToEntities()
    parser.feed(text)
    parser.close()
    if parser.open:
        tag = parser.open[-1][0]
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{tag}"')
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


def render_text(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
) -> tuple[str, list[dict[str, Any]] | None]:
    """What a message looks like after Telegram applied its parse mode.

    HTML is parsed into plain text plus entities (and rejected when malformed, as Telegram
    does). Markdown modes are passed through unparsed: linli formats with HTML.
    """
    if entities:
        return text, entities
    if parse_mode and parse_mode.upper() == "HTML":
        plain, parsed = parse_html(text)
        return plain, parsed or None
    return text, None
