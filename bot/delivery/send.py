"""Turning one outbox row into Telegram calls: render in the row's language, then send.

Rendering happens at send time so a resident who switched language gets the new one, and
a message key missing from the catalogs is a permanent failure (``RenderError``), never a
message with a raw key in it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    ReplyParameters,
)

from bot.transport import like
from handlers.i18n import t
from handlers.outbox_format import readable
from handlers.text import split_message
from services.delivery import OutgoingMessage
from services.lengths import text_units

MAX_CAPTION = 1024  # Telegram's caption limit; longer texts go in a message of their own

# Called before every Bot API call of a row, so each call is counted by the rate limiter.
BeforeCall = Callable[[], Awaitable[None]]


class RenderError(Exception):
    """The row cannot be rendered: unknown catalog key, missing parameter, bad button."""


def render_text(message: OutgoingMessage) -> str:
    """The row's text in its language; RenderError if the catalog cannot produce it."""
    try:
        params = readable(message.message_key, message.language, message.params)
        return t(message.language, message.message_key, **params)
    except KeyError as exc:
        raise RenderError(f"catalog key or parameter missing: {exc}") from None
    except (IndexError, ValueError) as exc:
        raise RenderError(f"catalog string does not format: {exc}") from None


def render_buttons(message: OutgoingMessage) -> InlineKeyboardMarkup | None:
    """Inline keyboard from [[{"key"|"text", "data"|"url"}]]; labels rendered like the text."""
    if not message.buttons:
        return None
    rows = [[_button(message.language, spec) for spec in line] for line in message.buttons]
    return InlineKeyboardMarkup(rows)


def _button(language: str, spec: Mapping[str, str]) -> InlineKeyboardButton:
    if "key" in spec:
        try:
            label = t(language, spec["key"])
        except KeyError as exc:
            raise RenderError(f"button catalog key missing: {exc}") from None
    elif "text" in spec:
        label = spec["text"]
    else:
        raise RenderError(f"button without key or text: {dict(spec)}")
    if "url" in spec:
        return InlineKeyboardButton(label, url=spec["url"])
    if "data" not in spec:
        raise RenderError(f"button without data or url: {dict(spec)}")
    return InlineKeyboardButton(label, callback_data=spec["data"])


async def send_outgoing(
    bot: Bot,
    message: OutgoingMessage,
    chat_id: int,
    *,
    paid: bool,
    before_call: BeforeCall,
) -> int:
    """Send the row to ``chat_id``; returns the id of the (last) message Telegram stored.

    Raises RenderError before anything is sent, or PTB's TelegramError subclasses.
    """
    text = render_text(message)
    markup = render_buttons(message)
    common = _common_args(message, chat_id, paid)
    photos = message.photos
    if not photos:
        return await _send_text(bot, text, markup, common, before_call)
    caption_fits = text_units(text) <= MAX_CAPTION
    if len(photos) == 1 and caption_fits:
        await before_call()
        sent = await bot.send_photo(photo=photos[0], caption=text, reply_markup=markup, **common)
        return sent.message_id
    # An album cannot carry buttons, and a long text cannot be a caption: text goes after.
    text_after = markup is not None or not caption_fits
    await before_call()
    album = await _send_photos(bot, photos, None if text_after else text, common)
    if not text_after:
        return album[-1].message_id
    common.pop("reply_parameters", None)
    return await _send_text(bot, text, markup, common, before_call)


async def _send_text(
    bot: Bot,
    text: str,
    markup: InlineKeyboardMarkup | None,
    common: dict[str, object],
    before_call: BeforeCall,
) -> int:
    """Send ``text``, split where it is longer than Telegram takes (the buttons go on the
    last part); returns the last part's message id."""
    parts = split_message(text)
    sent_id = 0
    for index, part in enumerate(parts):
        await before_call()
        last = index == len(parts) - 1
        sent = await bot.send_message(text=part, reply_markup=markup if last else None, **common)
        common.pop("reply_parameters", None)  # only the first part answers a message
        sent_id = sent.message_id
    return sent_id


async def _send_photos(
    bot: Bot, photos: Sequence[str], caption: str | None, common: dict[str, object]
) -> Sequence[Message]:
    if len(photos) == 1:
        return [await bot.send_photo(photo=photos[0], caption=caption, **common)]
    media = [
        InputMediaPhoto(media=file_id, caption=caption if index == 0 else None)
        for index, file_id in enumerate(photos[:10])
    ]
    return await bot.send_media_group(media=media, **common)


def _common_args(message: OutgoingMessage, chat_id: int, paid: bool) -> dict[str, object]:
    common: dict[str, object] = {"chat_id": chat_id}
    if message.thread_id is not None:
        common["message_thread_id"] = message.thread_id
    if message.reply_to_message_id is not None:
        # A deleted original should not turn a status update into a permanent failure.
        common["reply_parameters"] = ReplyParameters(
            message.reply_to_message_id, allow_sending_without_reply=True
        )
    if paid:
        common["allow_paid_broadcast"] = True
    return common


def worker_bot(application_bot: Bot, pool_size: int) -> Bot:
    """A Bot like the application's but without its rate limiter: the worker keeps the
    limits itself (per chat, paid broadcasts) and must see RetryAfter at once."""
    return Bot(
        application_bot.token,
        base_url=lambda _token: application_bot.base_url,
        base_file_url=lambda _token: application_bot.base_file_url,
        request=like(application_bot.request, pool_size),
    )
