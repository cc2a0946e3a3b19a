"""``linli doctor``: check a deployment in one go, each finding with the fix.

Every line is ``ok``, ``warning`` or ``error`` with what was found and, unless ok, what to
do. Exit status: 0 when everything is ok, 1 when there are warnings only, 2 when anything
is an error (or the settings themselves are invalid), so scripts and CI can gate on it.
Nothing is changed: the database is only read (a missing SQLite file is not created), and
of Telegram only get* methods are called.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import knowledge
from bot.cli.calendar import remedy, work_calendar
from bot.log_secrets import HideSecrets
from bot.settings import Settings, SettingsError, load_settings
from services.delivery import DeliveryService
from services.district import check_district, load_district, sample_dir
from services.residents.service import ResidentService
from services.workdays.holidays import HolidayFileError
from storage import Database, UnknownRevisionError
from storage.db import normalise_url, sqlite_file
from storage.migrate import pending_migrations

Level = Literal["ok", "warning", "error"]
EXIT_CODES: dict[Level, int] = {"ok": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Finding:
    """One line of the report: what was checked, what was found, and the fix."""

    level: Level
    topic: str
    found: str
    fix: str = ""

    def line(self) -> str:
        fix = f" → {self.fix}" if self.fix else ""
        found = " ".join(self.found.split())  # one line each, whatever a library's text holds
        return f"{self.level:<8} {self.topic}: {found}{fix}"


def ok(topic: str, found: str) -> Finding:
    return Finding("ok", topic, found)


def warning(topic: str, found: str, fix: str) -> Finding:
    return Finding("warning", topic, found, fix)


def error(topic: str, found: str, fix: str) -> Finding:
    return Finding("error", topic, found, fix)


def add_doctor_command(subparsers: Any) -> None:
    """Register ``doctor`` on an argparse subparsers object."""
    doctor = subparsers.add_parser(
        "doctor",
        help="check settings, database, Telegram, staff chat, holidays, knowledge base, outbox",
    )
    doctor.set_defaults(func=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    """Print one line per finding; exit 0 (all ok), 1 (warnings only) or 2 (errors)."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(error("settings", str(exc), "correct the variable named (see the README)").line())
        return 2
    findings = asyncio.run(diagnose(settings))
    mask = HideSecrets(settings.secrets())
    for finding in findings:
        print(mask.masked(finding.line()))
    return worst(findings)


def worst(findings: list[Finding]) -> int:
    """The exit status for these findings."""
    return max((EXIT_CODES[f.level] for f in findings), default=0)


async def diagnose(settings: Settings) -> list[Finding]:
    """Every check, in the order an operator would fix things."""
    from bot.cli.doctor_telegram import telegram_findings

    mode = f"webhook at {settings.webhook_url}" if settings.webhook_url else "long polling"
    findings = [ok("settings", f"valid; {mode}")]
    findings += await database_findings(settings)
    findings.append(knowledge_finding(settings))
    findings.append(district_finding(settings))
    findings += holiday_findings(settings, this_year(settings))
    findings += await telegram_findings(settings)
    return findings


async def database_findings(settings: Settings) -> list[Finding]:
    """Reachable, migrated, and the outbox's dead letters."""
    url = normalise_url(settings.database_url)
    shown = url.render_as_string(hide_password=True)
    path = sqlite_file(url) if url.get_backend_name() == "sqlite" else None
    if path is not None and not path.exists():
        return [warning("database", f"{path} does not exist yet", "`linli run` creates it")]
    db = Database(settings.database_url)
    try:
        return await _database_findings(db, shown)
    finally:
        await db.dispose()


async def _database_findings(db: Database, shown: str) -> list[Finding]:
    try:
        pending = await pending_migrations(db)
    except UnknownRevisionError as exc:
        return [error("database", str(exc), "run the newer linli, or restore a backup")]
    except Exception as exc:  # whatever the driver raises: the database cannot be reached
        return [
            error(
                "database",
                f"cannot reach {shown}: {exc.__class__.__name__}: {_first_line(exc)}",
                "check LINLI_DATABASE_URL and that the server runs and lets linli in",
            )
        ]
    if pending:
        found = f"{shown} reachable; {len(pending)} migration(s) pending ({', '.join(pending)})"
        if db.is_sqlite:
            return [warning("database", found, "`linli run` applies them at start")]
        return [error("database", found, "run `linli db upgrade`")]
    findings = [ok("database", f"{shown} reachable and migrated")]
    residents = ResidentService(db, lambda: datetime.now(UTC), "zh-Hans")
    counts = await DeliveryService(db, residents).counts()
    dead, pending_rows = counts.get("dead", 0), counts.get("pending", 0)
    if dead:
        findings.append(
            warning(
                "outbox",
                f"{dead} dead letter(s) (messages given up on), {pending_rows} pending",
                "`linli outbox dead` lists them with Telegram's reason",
            )
        )
    else:
        findings.append(ok("outbox", f"no dead letters; {pending_rows} pending"))
    return findings


def knowledge_finding(settings: Settings) -> Finding:
    """The knowledge base linli would load, checked as ``linli kb check`` does."""
    where = settings.kb_dir or knowledge.default_data_dir()
    problems = knowledge.check_knowledge_base(settings.kb_dir)
    if problems:
        first = "; ".join(str(p) for p in problems[:3])
        return error(
            "knowledge base",
            f"{len(problems)} problem(s) in {where}: {first}",
            "`linli kb check` lists them all with file:line",
        )
    return ok("knowledge base", f"valid ({where})")


def district_finding(settings: Settings) -> Finding:
    """The district's configuration, checked as ``linli district check`` does; the bundled
    sample (or any folder marked ``sample: true``) is a warning: its chat ids reach nobody."""
    where = settings.district_dir or sample_dir()
    problems = check_district(settings.district_dir)
    if problems:
        first = "; ".join(str(p) for p in problems[:3])
        return error(
            "district",
            f"{len(problems)} problem(s) in {where}: {first}",
            "`linli district check` lists them all with file:line",
        )
    district = load_district(settings.district_dir)
    found = f"{len(district.communities)} communities, {len(district.units)} units ({where})"
    if district.sample:
        return warning(
            "district",
            f"sample data: {found}",
            "copy the sample, put in your communities, units and chat ids, set "
            "LINLI_DISTRICT_DIR (README: The district's configuration)",
        )
    return ok("district", f"valid: {found}")


def holiday_findings(settings: Settings, this_year: int) -> list[Finding]:
    """This year's and next year's holidays: a gap this year is an error, next year a warning."""
    try:
        calendar = work_calendar(settings)
    except HolidayFileError as exc:
        first = "; ".join(str(p) for p in exc.problems[:3])
        return [error("holidays", f"LINLI_HOLIDAYS_FILE has problems: {first}", "correct it")]
    findings = []
    for year in (this_year, this_year + 1):
        coverage = calendar.coverage(year)
        if coverage.covered:
            source = "holiday file" if coverage.in_file else "chinese-calendar"
            findings.append(ok("holidays", f"{year} known ({source})"))
            continue
        found = f"{year} not covered: due times count Monday–Friday only"
        fix = remedy(calendar, year)
        findings.append(
            error("holidays", found, fix) if year == this_year else warning("holidays", found, fix)
        )
    return findings


def this_year(settings: Settings) -> int:
    """The current year in linli's time zone."""
    return datetime.now(settings.tz).year


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no detail"
