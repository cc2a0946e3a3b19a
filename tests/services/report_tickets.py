"""A hand-made October 2026 of tickets and questions, with the figures worked out by hand.

The month holds the National Day holiday (1–7 October) and a 调休 Saturday (10 October is
worked); a working day is 09:00–17:30 (8.5 h). The report is made on Monday 2 November
10:00. Every due time below was counted by hand and is checked against WorkCalendar.

    T1 noise        幸福小区 张社工  filed Thu 1 Oct 10:00 (holiday: the clock starts 8 Oct 09:00)
                    responded 8 Oct 11:00 = 2.0 h (due 8 Oct 13:00, in time)
                    resolved Sat 10 Oct 10:00 = 8.5 + 8.5 + 1 = 18.0 h (due 9 Oct 17:30: late)
                    rated solved, 5 → closed, resident-confirmed
    T2 noise        幸福小区 张社工  filed Fri 9 Oct 16:00, anonymous
                    responded Sat 10 Oct 11:00 = 1.5 + 2 = 3.5 h (due 10 Oct 11:30, in time)
                    resolved Mon 12 Oct 10:00 = 1.5 + 8.5 + 0 (Sun) + 1 = 11.0 h (due 12 Oct 16:00)
                    not rated yet → staff-only resolution
    T3 sanitation   未标注  李社工    filed Mon 12 Oct 09:00
                    responded 12 Oct 15:00 = 6.0 h (due 13:00: late → overdue)
                    resolved 13 Oct 10:00, rated not solved 2 → reopened, resolved again
                    14 Oct 11:00 = 8.5 + 8.5 + 2 = 19.0 h, closed by staff → staff-only
    T4 public-sec.  幸福小区 (nobody) filed Tue 13 Oct 14:00, never answered (due 16:00) and
                    open past its resolution due time (15 Oct 14:00) → overdue
    T5 enquiry      阳光花园 李社工  filed Thu 29 Oct 10:00, answered 10:30 = 0.5 h, resolved
                    12:00 = 2.0 h, rated solved 4 → confirmed
    T6 noise        阳光花园 李社工  filed Sat 31 Oct 23:59, not answered yet; due Mon 2 Nov
                    13:00, so at 10:00 it is not judged yet
    T7 other        幸福小区 张社工  filed Tue 20 Oct 10:00, merged 11:00 = 1.0 h (duplicate)
    T8 facilities   未标注  张社工    filed Wed 21 Oct 09:00, accepted 09:30 = 0.5 h, rejected 10:00
    Outside the month: Wed 30 Sep 23:30 and Sun 1 Nov 00:00.

Questions in October: 3 answered (one 👍, one 👎), 2 suggested (one 👍), 1 unanswered;
one more on 1 November does not count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage import Database, Role
from storage.models import QueryLog, Resident
from storage.repositories import tickets as repo
from storage.repositories.residents import set_resident_role, upsert_resident

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=SH)
WANG, LI, ZHANG = 1001, 1002, 1003
STAFF_A, STAFF_B, OFFICIAL, ADMIN = 2001, 2002, 3001, 4001
PHONE = "13812345678"
T1_TEXT = "3号楼502室楼上每天晚上装修，电钻很吵。我是王阿姨，电话13812345678"


def sh(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


# number, category, filer, assignee, created, response due, resolution due, first response,
# resolved at, status, rating (solved, score), anonymous, description, [(to_status, at, msg)]
TICKETS: list[tuple[Any, ...]] = [
    ("2610-0001", "noise", WANG, STAFF_A, sh(10, 1, 10), sh(10, 8, 13), sh(10, 9, 17, 30),
     sh(10, 8, 11), sh(10, 10, 10), "closed", (True, 5), False, T1_TEXT,
     [("resolved", sh(10, 10, 10), "已约谈业主，装修改在白天进行")]),
    ("2610-0002", "noise", WANG, STAFF_A, sh(10, 9, 16), sh(10, 10, 11, 30), sh(10, 12, 16),
     sh(10, 10, 11), sh(10, 12, 10), "resolved", (None, None), True,
     "广场舞音响太响，晚上九点以后还在放", [("resolved", sh(10, 12, 10), "已与舞蹈队商定音量")]),
    ("2610-0003", "sanitation", ZHANG, STAFF_B, sh(10, 12, 9), sh(10, 12, 13), sh(10, 14, 17, 30),
     sh(10, 12, 15), sh(10, 14, 11), "closed", (False, 2), False, "垃圾站三天没有清运，气味很大",
     [("resolved", sh(10, 13, 10), "已清运"), ("reopened", sh(10, 13, 12), "还有一半没运走"),
      ("resolved", sh(10, 14, 11), "已全部清运并消毒"), ("closed", sh(10, 14, 12), None)]),
    ("2610-0004", "public-security", WANG, None, sh(10, 13, 14), sh(10, 13, 16), sh(10, 15, 14),
     None, None, "new", (None, None), False, "小区东门的监控坏了好几天", []),
    ("2610-0005", "enquiry", LI, STAFF_B, sh(10, 29, 10), sh(10, 29, 14), sh(11, 2, 10),
     sh(10, 29, 10, 30), sh(10, 29, 12), "closed", (True, 4), False, "高龄补贴怎么申请",
     [("resolved", sh(10, 29, 12), "已告知申请材料")]),
    ("2610-0006", "noise", LI, STAFF_B, sh(10, 31, 23, 59), sh(11, 2, 13), sh(11, 3, 17, 30),
     None, None, "new", (None, None), False, "半夜有人在楼道里大声喧哗", []),
    ("2610-0007", "other", WANG, STAFF_A, sh(10, 20, 10), sh(10, 21, 10), sh(10, 27, 10),
     sh(10, 20, 11), None, "merged", (None, None), False, "路灯不亮", []),
    ("2610-0008", "facilities", ZHANG, STAFF_A, sh(10, 21, 9), sh(10, 21, 13), sh(10, 27, 17, 30),
     sh(10, 21, 9, 30), None, "rejected", (None, None), False, "私人车库门坏了", []),
    ("2609-0099", "noise", WANG, STAFF_A, sh(9, 30, 23, 30), sh(10, 8, 13), sh(10, 9, 17, 30),
     None, None, "new", (None, None), False, "九月的最后一晚", []),
    ("2611-0001", "noise", WANG, STAFF_A, sh(11, 1, 0), sh(11, 2, 13), sh(11, 3, 17, 30),
     None, None, "new", (None, None), False, "十一月的第一分钟", []),
]  # fmt: skip

# (asked at, decision, feedback)
QUESTIONS = [
    (sh(10, 2, 9), "answer", 1),
    (sh(10, 3, 9), "answer", -1),
    (sh(10, 4, 9), "answer", None),
    (sh(10, 5, 9), "suggest", 1),
    (sh(10, 6, 9), "suggest", None),
    (sh(10, 31, 23, 59), "none", None),
    (sh(11, 1, 0), "none", -1),
]


async def add_people(db: Database) -> None:
    """Three residents (two with a community), two staff, an official and an admin."""
    people = {
        WANG: ("王阿姨", "幸福小区"),
        LI: ("李先生", "阳光花园"),
        ZHANG: ("张三", None),
        STAFF_A: ("张社工", None),
        STAFF_B: ("李社工", None),
        OFFICIAL: ("街道领导", None),
        ADMIN: ("管理员", None),
    }
    roles = {STAFF_A: Role.STAFF, STAFF_B: Role.STAFF, OFFICIAL: Role.OFFICIAL, ADMIN: Role.ADMIN}
    async with db.transaction() as session:
        for telegram_id, (name, community) in people.items():
            row = await upsert_resident(
                session, telegram_id=telegram_id, chat_id=telegram_id, display_name=name, now=NOW
            )
            row.community = community
        for telegram_id, role in roles.items():
            await set_resident_role(session, telegram_id, role, now=NOW)


async def add_october(db: Database) -> None:
    """The people, the tickets with their trails, and the questions described above."""
    await add_people(db)
    async with db.transaction() as session:
        ids = {r.telegram_id: r.id for r in (await session.scalars(select(Resident))).all()}
        for row in TICKETS:
            await _add_ticket(session, ids, *row)
        for asked_at, decision, feedback in QUESTIONS:
            session.add(
                QueryLog(
                    resident_id=ids[LI], asked_at=asked_at, raw_text="问题", normalized_text="问题",
                    decision=decision, entry_id=None, score=0.5, candidates=[], feedback=feedback,
                )
            )  # fmt: skip


async def _add_ticket(
    session: Any, ids: dict[int, int], number: str, category: str, filer: int,
    assignee: int | None, created: datetime, response_due: datetime, resolution_due: datetime,
    responded: datetime | None, resolved: datetime | None, status: str,
    rating: tuple[bool | None, int | None], anonymous: bool, text: str,
    trail: list[tuple[str, datetime, str | None]],
) -> None:  # fmt: skip
    ticket = await repo.add_ticket(
        session, number=number, category=category, status=status, resident_id=ids[filer],
        description=text, location_text="幸福小区3号楼", photos=[], phone=PHONE,
        anonymous=anonymous, assignee_telegram_id=assignee, created_at=created,
        updated_at=created, response_due_at=response_due, resolution_due_at=resolution_due,
        first_response_at=responded, resolved_at=resolved, rating_solved=rating[0],
        rating_score=rating[1],
    )  # fmt: skip
    await repo.add_event(
        session, ticket_id=ticket.id, at=created, kind="transition", actor_telegram_id=filer,
        actor_role="resident", from_status=None, to_status="new", details={},
    )  # fmt: skip
    for to_status, at, message in trail:
        await repo.add_event(
            session, ticket_id=ticket.id, at=at, kind="transition", actor_telegram_id=assignee,
            actor_role="staff", from_status=None, to_status=to_status, public_message=message,
            details={},
        )  # fmt: skip
