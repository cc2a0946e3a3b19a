"""The Telegram half of ``linli doctor``: token, webhook and staff chat, as Telegram sees them.

Only get* methods are called (getMe, getWebhookInfo, getChat, getChatMember), so running
the doctor beside a running linli changes nothing.
"""

from __future__ import annotations

import time
from typing import Any

from telegram import Bot, ChatFullInfo, ChatMemberAdministrator, ChatMemberOwner, WebhookInfo
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, TelegramError
from telegram.request import HTTPXRequest

from bot.cli.doctor import Finding, error, ok, warning
from bot.settings import Settings

PENDING_WARN = 100  # updates waiting at Telegram: linli is not running or not keeping up
RECENT_ERROR_S = 3600  # a webhook delivery error younger than this is an error, older a warning
TIMEOUT_S = 10.0


async def telegram_findings(settings: Settings) -> list[Finding]:
    """The token, then the webhook and the staff chat (skipped when the token fails)."""
    token = settings.token()
    if token is None:
        return [error("token", "LINLI_BOT_TOKEN is not set", "get one from @BotFather")]
    requests = [HTTPXRequest(connect_timeout=TIMEOUT_S, read_timeout=TIMEOUT_S) for _ in range(2)]
    bot = Bot(
        token,
        base_url=f"{settings.bot_api_url}/bot",
        base_file_url=f"{settings.bot_api_url}/file/bot",
        request=requests[0],
        get_updates_request=requests[1],
    )
    try:
        return await _with_bot(bot, settings)
    finally:
        for request in requests:
            await request.shutdown()


async def _with_bot(bot: Bot, settings: Settings) -> list[Finding]:
    try:
        me = await bot.get_me()
    except InvalidToken:
        return [
            error(
                "token",
                "Telegram rejects LINLI_BOT_TOKEN (401 Unauthorized)",
                "copy the token again from @BotFather (/mybots → API Token); it may be revoked",
            )
        ]
    except TelegramError as exc:
        return [
            error(
                "token",
                f"the Bot API at {settings.bot_api_url} did not answer: {_reason(exc)}",
                "check the network, proxy and LINLI_BOT_API_URL",
            )
        ]
    findings = [ok("token", f"accepted: @{me.username} (id {me.id}, {me.first_name})")]
    findings += await _webhook_findings(bot, settings)
    findings += await _staff_chat_findings(bot, me.id, settings.staff_chat_id)
    return findings


def _reason(exc: TelegramError) -> str:
    return f"{exc.__class__.__name__}: {exc.message}"


async def _webhook_findings(bot: Bot, settings: Settings) -> list[Finding]:
    try:
        info = await bot.get_webhook_info()
    except TelegramError as exc:
        return [error("webhook", f"getWebhookInfo failed: {_reason(exc)}", "try again later")]
    findings = [_webhook_url_finding(info, settings.webhook_url)]
    if info.pending_update_count >= PENDING_WARN:
        findings.append(
            warning(
                "webhook",
                f"{info.pending_update_count} updates waiting at Telegram",
                "is `linli run` running (systemctl status 'linli@*')? is it keeping up?",
            )
        )
    if info.last_error_date is not None:
        findings.append(_last_error_finding(info))
    return findings


def _webhook_url_finding(info: WebhookInfo, configured: str | None) -> Finding:
    pending = f"{info.pending_update_count} update(s) pending"
    if configured is None:
        if info.url:
            return warning(
                "webhook",
                f"Telegram posts to {info.url}, but LINLI_WEBHOOK_URL is not set",
                "set LINLI_WEBHOOK_URL to use it; `linli run` without it deletes the webhook",
            )
        return ok("webhook", f"none set (long polling); {pending}")
    if not info.url:
        return warning(
            "webhook",
            f"not registered at Telegram; {pending}",
            "`linli run` registers LINLI_WEBHOOK_URL when it starts: start it",
        )
    if info.url != configured:
        return error(
            "webhook",
            f"Telegram posts to {info.url}, not to LINLI_WEBHOOK_URL {configured}",
            "restart `linli run` to register LINLI_WEBHOOK_URL (or correct the setting)",
        )
    return ok("webhook", f"Telegram posts to {info.url}; {pending}")


def _last_error_finding(info: WebhookInfo) -> Finding:
    assert info.last_error_date is not None
    age = time.time() - info.last_error_date.timestamp()
    when = info.last_error_date.strftime("%Y-%m-%d %H:%M:%S UTC")
    found = f"Telegram's last delivery failed at {when}: {info.last_error_message}"
    fix = (
        "check that nginx forwards the webhook path to linli (deploy/nginx-linli.conf), "
        "that its certificate is valid, and that linli runs; Telegram retries by itself"
    )
    return error("webhook", found, fix) if age < RECENT_ERROR_S else warning("webhook", found, fix)


async def _staff_chat_findings(bot: Bot, bot_id: int, chat_id: int | None) -> list[Finding]:
    if chat_id is None:
        return [
            warning(
                "staff chat",
                "LINLI_STAFF_CHAT_ID is not set: new tickets reach nobody",
                "add the bot to the staff group and set the group's id (a negative number)",
            )
        ]
    topic = f"staff chat {chat_id}"
    try:
        chat = await bot.get_chat(chat_id)
        member = await bot.get_chat_member(chat_id, bot_id)
    except ChatMigrated as exc:
        return [
            error(
                topic,
                "the group became a supergroup with a new id",
                f"set LINLI_STAFF_CHAT_ID={exc.new_chat_id}",
            )
        ]
    except (BadRequest, Forbidden) as exc:
        return [
            error(
                topic,
                f"Telegram says: {exc.message}",
                "add the bot to the staff group, and check LINLI_STAFF_CHAT_ID",
            )
        ]
    except TelegramError as exc:
        return [error(topic, f"could not be read: {_reason(exc)}", "try again later")]
    return [_membership_finding(topic, chat, member)]


def _membership_finding(topic: str, chat: ChatFullInfo, member: Any) -> Finding:
    title = f"“{chat.title}”" + (" (forum: a topic per ticket)" if chat.is_forum else "")
    if member.status in ("left", "kicked"):
        return error(topic, f"{title}: the bot is not a member ({member.status})", "add it")
    if isinstance(member, ChatMemberOwner):
        return ok(topic, f"{title}: the bot is its owner")
    if not isinstance(member, ChatMemberAdministrator):
        fix = "make the bot an administrator of the group"
        if chat.is_forum:
            return error(topic, f"{title}: the bot is not an admin, so it makes no topics", fix)
        return warning(topic, f"{title}: the bot is a member but not an admin", fix)
    if chat.is_forum and not member.can_manage_topics:
        return error(
            topic,
            f"{title}: the bot is an admin without the right to manage topics",
            "give the bot the “Manage topics” right",
        )
    return ok(topic, f"{title}: the bot is a member and an admin")
