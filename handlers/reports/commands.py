"""/stats and /export: the figures in Telegram, for officials and admins.

/stats [week|month|quarter|2026-11…] replies with a short summary and the chart; /export
[period] [xlsx|csv] [personal] sends the spreadsheet as a document. The service checks the
role (officials and admins; personal data for admins only); personal data is also kept out
of group chats, where everyone in the group would receive it. Charts and workbooks are
drawn in a worker thread so that the bot keeps answering others meanwhile.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler, filters

from handlers.context import Context, LinliApp
from handlers.i18n import has_key, t
from handlers.people import Caller, identify
from handlers.replies import reply
from services.errors import InvalidInput, PermissionDenied, ServiceError
from services.reports import (
    Figures,
    PeriodError,
    PersonalDataDenied,
    Report,
    ReportService,
    export,
)
from services.reports.charts import render_chart

log = logging.getLogger("linli.reports")
FORMATS = ("xlsx", "csv")
PERSONAL_WORDS = frozenset({"personal", "个人信息", "含个人信息"})
_PERIOD_KEYS = {
    "future": "reports.future_period",
    "too_long": "reports.too_long_period",
    "malformed": "reports.bad_period",
}


def register(application: LinliApp) -> None:
    """Add /stats and /export (an edited command does not run twice)."""
    once = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("stats", stats_command, once))
    application.add_handler(CommandHandler("export", export_command, once))


def _reports(context: Context) -> ReportService:
    return context.services.reports


async def stats_command(update: Update, context: Context) -> None:
    """/stats [period]: the summary, then the chart as a photo."""
    caller = await identify(update, context)
    if caller is None:
        return
    spec = " ".join(context.args or []) or "month"
    report = await _report(update, context, caller, spec, personal=False)
    if report is None:
        return
    if report.is_empty:
        await reply(update, t(caller.language, "reports.empty", period=report.period.label))
        return
    await reply(update, summary(caller.language, report))
    try:
        png = await asyncio.to_thread(render_chart, report)
    except Exception:  # the figures were sent; a chart failure must not hide them
        log.exception("chart for %s failed", report.period.label)
        await reply(update, t(caller.language, "reports.chart_failed"))
        return
    chat = update.effective_chat
    if chat is not None:
        caption = t(caller.language, "reports.chart_caption", period=report.period.label)
        await chat.send_photo(png, caption=caption, message_thread_id=_thread(update))


async def export_command(update: Update, context: Context) -> None:
    """/export [period] [xlsx|csv] [personal]: the report as a document."""
    caller = await identify(update, context)
    if caller is None:
        return
    words = list(context.args or [])
    kinds = [w.lower() for w in words if w.lower() in FORMATS]
    personal = any(w in PERSONAL_WORDS for w in words)
    rest = [w for w in words if w.lower() not in FORMATS and w not in PERSONAL_WORDS]
    if len(rest) > 1 or len(set(kinds)) > 1:  # two periods, or both xlsx and csv
        unclear = rest if len(rest) > 1 else kinds
        await reply(update, t(caller.language, "reports.bad_format", text=" ".join(unclear)))
        return
    kind = kinds[0] if kinds else "xlsx"
    chat = update.effective_chat
    if personal and chat is not None and chat.type != ChatType.PRIVATE:
        await reply(update, t(caller.language, "reports.personal_private_only"))
        return
    report = await _report(update, context, caller, rest[0] if rest else "month", personal)
    if report is None or chat is None:
        return
    if report.is_empty:
        await reply(update, t(caller.language, "reports.empty", period=report.period.label))
        return
    key = "reports.export_caption_personal" if personal else "reports.export_caption"
    caption = t(caller.language, key, period=report.period.label, kind=kind)
    for name, content in await asyncio.to_thread(_files, report, kind, caller.language):
        await chat.send_document(
            content, filename=name, caption=caption, message_thread_id=_thread(update)
        )


async def _report(
    update: Update, context: Context, caller: Caller, spec: str, personal: bool
) -> Report | None:
    """The report, or None after telling the caller why not."""
    try:
        return await _reports(context).report_for(
            caller.resident.telegram_id, spec, with_personal_data=personal
        )
    except (PermissionDenied, InvalidInput) as error:
        await explain_refusal(update, caller.language, error, spec)
    return None


async def explain_refusal(update: Update, language: str, error: ServiceError, spec: str) -> None:
    """Why the figures (or the disclosure) of period ``spec`` are not shown: role or period."""
    if isinstance(error, PersonalDataDenied):
        text = t(language, "reports.personal_denied")
    elif isinstance(error, PermissionDenied):
        text = t(language, "reports.denied")
    elif isinstance(error, PeriodError):
        text = t(language, _PERIOD_KEYS[error.reason], text=error.text)
    elif isinstance(error, InvalidInput):  # a period the parser accepted but has not started
        text = t(language, "reports.future_period", text=spec)
    else:
        raise error
    await reply(update, text)


def _files(report: Report, kind: str, language: str) -> list[tuple[str, bytes]]:
    stem = f"linli-{report.period.label}"
    if kind == "xlsx":
        return [(f"{stem}.xlsx", export.to_xlsx(report))]
    figures = t(language, "reports.csv_figures")
    tickets = t(language, "reports.csv_tickets")
    return [
        (f"{stem}-{figures}.csv", export.to_csv(export.figure_rows(report))),
        (f"{stem}-{tickets}.csv", export.to_csv(export.ticket_rows(report))),
    ]


def _thread(update: Update) -> int | None:
    message = update.effective_message
    return message.message_thread_id if message else None


def summary(language: str, report: Report) -> str:
    """The short text /stats replies with."""
    f: Figures = report.totals
    none = t(language, "reports.none")
    top = [f"{g.title} {g.figures.received}" for g in report.by_category[:5]]
    # 代录 channels have names in the catalogs; one linli no longer knows keeps its title.
    channels = [
        f"{t(language, f'channel.{g.key}') if has_key(f'channel.{g.key}') else g.title} "
        f"{g.figures.received}"
        for g in report.by_channel
    ]
    kb = report.kb
    units = [f"{g.title} {g.figures.received}" for g in report.by_unit[:5]]
    communities = [f"{g.title} {g.figures.received}" for g in report.by_community[:5]]
    return t(
        language,
        "reports.summary",
        period=report.period.label,
        as_of=report.generated_at.astimezone(report.tz).strftime("%Y-%m-%d %H:%M"),
        received=f.received,
        response_rate=_percent(f.response_rate, none),
        response_base=f.response_base,
        responded_in_time=f.responded_in_time,
        resolution_rate=_percent(f.resolution_rate, none),
        confirmed=f.confirmed,
        confirmed_rate=_percent(f.confirmed_resolution_rate, none),
        staff_only=f.staff_only,
        satisfaction_rate=_percent(f.satisfaction_rate, none),
        ratings=f.ratings,
        median_first_response_h=_hours(f.median_first_response_h, none),
        p90_first_response_h=_hours(f.p90_first_response_h, none),
        median_resolution_h=_hours(f.median_resolution_h, none),
        p90_resolution_h=_hours(f.p90_resolution_h, none),
        overdue=f.overdue,
        reopened=f.reopened,
        categories=" · ".join(top) or t(language, "reports.no_tickets"),
        channels=" · ".join(channels) or t(language, "reports.no_tickets"),
        units=" · ".join(units) or t(language, "reports.no_tickets"),
        communities=" · ".join(communities) or t(language, "reports.no_tickets"),
        extensions_requested=f.extensions_requested,
        extensions_approved=f.extensions_approved,
        paused_hours=_hours(f.paused_hours, none),
        callbacks=f.callbacks.made,
        callbacks_satisfied=f.callbacks.satisfied,
        callbacks_not_satisfied=f.callbacks.not_satisfied,
        callbacks_unreachable=f.callbacks.unreachable,
        redone=f.redone,
        supervised=f.supervised,
        reviews=f.reviews,
        asked=kb.asked,
        answered=kb.answered,
        suggested=kb.suggested,
        unanswered=kb.unanswered,
        thumbs_up=kb.thumbs_up,
        thumbs_down=kb.thumbs_down,
        none_fit=kb.none_fit,
    )


def _percent(rate: float | None, none: str) -> str:
    return none if rate is None else f"{rate * 100:.1f}%"


def _hours(hours: float | None, none: str) -> str:
    return none if hours is None else f"{hours:g}"
