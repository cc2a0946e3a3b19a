"""The set of use cases the Telegram layer calls, built once per process."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from services.chat_order import ChatTurns, OrderTimings
from services.delivery import DeliveryService
from services.district.live import LiveDistrict
from services.knowledge.learning import KbLearningService
from services.knowledge.live import LiveKnowledge
from services.notices.broadcasts import NoticeService
from services.notices.bulletins import BulletinService
from services.notices.disclosure_bulletin import DisclosureFigures
from services.notices.subscriptions import SubscriptionService
from services.ops import OpsService
from services.privacy.service import PrivacyService
from services.reports import ReportService
from services.residents.awaiting import AwaitingService
from services.residents.bans import BanService
from services.residents.limits import ResidentLimits
from services.residents.place import PlaceService
from services.residents.service import ResidentService
from services.tickets import Tickets, TicketSettings
from services.tickets.enquiries import EnquiryService
from services.tickets.reminders import ReminderService, ReminderSettings
from services.workdays.alerts import HolidayAlertService
from services.workdays.worktime import WorkCalendar
from storage import Database, Role
from storage.migrate import prepare


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Services:
    """linli's use cases, sharing one database and one live knowledge base."""

    db: Database
    calendar: WorkCalendar  # the working days (with the operator's holiday file), shared
    knowledge: LiveKnowledge
    district: LiveDistrict  # the district's configuration (LINLI_DISTRICT_DIR), live
    residents: ResidentService
    places: PlaceService  # where residents live (community and building)
    enquiries: EnquiryService
    tickets: Tickets
    delivery: DeliveryService
    reports: ReportService
    notices: NoticeService
    subscriptions: SubscriptionService
    bulletins: BulletinService
    reminders: ReminderService
    kb_learning: KbLearningService
    holiday_alerts: HolidayAlertService
    awaiting: AwaitingService
    ops: OpsService
    chat_turns: ChatTurns
    privacy: PrivacyService
    bans: BanService

    async def reload_knowledge(self, telegram_id: int) -> int:
        """Admins only: re-read the knowledge-base files; returns the entry count."""
        await self.residents.require_role(telegram_id, Role.ADMIN)
        return await self.knowledge.reload()

    async def close(self) -> None:
        """Release the database connections."""
        await self.db.dispose()


async def open_services(
    database_url: str,
    kb_dir: Path | None,
    default_language: str,
    clock: Callable[[], datetime] = utc_now,
    knowledge: LiveKnowledge | None = None,
    staff_chat_id: int | None = None,
    calendar: WorkCalendar | None = None,
    limits: ResidentLimits | None = None,
    retention_days: int = 0,
    district_dir: Path | None = None,
    order: OrderTimings | None = None,
) -> Services:
    """Connect (upgrading an embedded SQLite database), load the knowledge base, wire services.

    Raises ``storage.PendingMigrationsError`` for a server database that needs
    ``linli db upgrade`` and ``knowledge.KnowledgeBaseError`` for invalid knowledge files.
    A ``knowledge`` already loaded (tests, benchmarks) is used as it is. ``calendar`` (the
    working days, with the operator's holiday file) is shared by tickets, reminders,
    figures and the admins' holiday alerts; without it, the library's calendar alone.
    ``retention_days`` (LINLI_RETENTION_DAYS) > 0 empties old question texts and closed
    tickets' personal fields after that many days; 0 keeps them. ``district_dir``
    (LINLI_DISTRICT_DIR) is the district's configuration, the bundled sample when None;
    ``services.district.DistrictError`` when it does not validate. ``order`` holds the
    waits of the chat order across processes (PostgreSQL; LINLI_ORDER_GAP_S).
    """
    db = Database(database_url)
    try:
        await prepare(db)
        # The district first: a mistake in its small files stops linli before the knowledge
        # base is built.
        district = await asyncio.to_thread(LiveDistrict, district_dir)
        if knowledge is None:
            knowledge = await asyncio.to_thread(LiveKnowledge, kb_dir)
    except BaseException:
        await db.dispose()
        raise
    calendar = calendar or WorkCalendar()
    residents = ResidentService(db, clock, default_language)
    reports = ReportService(db, clock, calendar, lambda: district.district)
    delivery = DeliveryService(db, residents, clock=clock)
    db.on_outbox_commit(delivery.nudge.notify)
    bans = BanService(db, clock, staff_chat_id)
    return Services(
        db=db,
        calendar=calendar,
        knowledge=knowledge,
        district=district,
        delivery=delivery,
        reports=reports,
        notices=NoticeService(db, clock, default_language),
        subscriptions=SubscriptionService(db, clock),
        bulletins=BulletinService(db, clock, default_language, figures=DisclosureFigures(reports)),
        kb_learning=KbLearningService(db, knowledge, clock, kb_dir, default_language),
        holiday_alerts=HolidayAlertService(db, clock, calendar, default_language),
        reminders=ReminderService(
            db,
            clock,
            ReminderSettings(staff_chat_id=staff_chat_id, default_language=default_language),
            calendar,
        ),
        ops=OpsService(db, knowledge, clock),
        residents=residents,
        places=PlaceService(db, district),
        privacy=PrivacyService(db, clock, residents, retention_days),
        awaiting=AwaitingService(db, clock),
        chat_turns=ChatTurns(db, order),
        bans=bans,
        enquiries=EnquiryService(db, knowledge, clock, limits, bans.check),
        tickets=Tickets(
            db,
            clock,
            TicketSettings(staff_chat_id=staff_chat_id, default_language=default_language),
            calendar,
            limits,
            bans.check,
        ),
    )
