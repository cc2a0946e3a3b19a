"""Every kind of button linli makes, forged with the victim's ids (and with ids linli could
never have made) and pressed by every role from every kind of chat: nothing that belongs to
someone else changes, and nothing private reaches anyone it is not for.

Legitimate presses are left out: staff acting on a card in the staff chat, and an admin on
the knowledge-base digest. Whatever a presser does to their own data (their language, a
draft of their own) is theirs, so the snapshot covers only what belongs to others.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from handlers.i18n import t
from services.access import Actor
from storage.models import (
    Awaiting,
    CannedReply,
    FilingDraft,
    Notice,
    OutboxMessage,
    QueryLog,
    Resident,
    Ticket,
    TicketEvent,
    TicketFollower,
    TicketSequence,
)
from tests.e2e.conftest import ADMIN_ID, RESIDENT_ID, STAFF_CHAT_ID, STAFF_ID
from tests.security.conftest import (
    OFFICIAL_ID,
    OTHER_GROUP_ID,
    OTHER_OFFICIAL_ID,
    PHONE,
    SECRET,
    STRANGER_ID,
    Town,
)

JUNK_IDS = ("0", "99999999999999999999999", "²", "-1")
DESK_ACTIONS = ("accept", "reply", "resolve", "reject", "assign")
APOLOGY = "出了点问题"


def _button_data(
    town: Town, ticket_id: str, number: str, query: str, draft: str, extension: str = ""
) -> list[str]:
    """Every callback data shape linli makes (handlers/*: tk, cp, bc, pv, sub, kl, fb, pick,
    nope, ask, ent, cat, menu, help, lang, cb, sv, ext, cn, rv), filled with the given ids."""
    return [
        *(f"tk:{action}:{ticket_id}" for action in DESK_ACTIONS),
        f"tk:assignto:{ticket_id}:0:00000000",
        f"tk:rate:{ticket_id}:y",
        f"tk:rate:{ticket_id}:n",
        f"tk:score:{ticket_id}:n:1",
        f"tk:nocomment:{ticket_id}:n",
        f"rv:ask:{ticket_id}",
        f"cp:follow:{number}",
        "cp:submit",
        "cp:force",
        "cp:cancel",
        f"bc:aud:{draft}:all",
        f"bc:aud:{draft}:bogus",
        f"bc:urg:{draft}:1",
        f"bc:when:{draft}:now",
        f"bc:edit:{draft}:aud",
        f"bc:ok:{draft}",
        f"bc:no:{draft}",
        f"pv:forget:{RESIDENT_ID}",
        "pv:keep",
        f"kl:att:{query}",
        f"kl:e:{query}:0",
        f"kl:oos:{query}",
        f"fb:{query}:0",
        f"pick:{query}:dibao",
        f"nope:{query}",
        f"ask:{query}",
        f"cb:s:{ticket_id}",
        f"cb:n:{ticket_id}",
        f"cb:u:{ticket_id}",
        f"sv:open:{ticket_id}",
        f"cn:1:{ticket_id}",
        f"ext:y:{extension or town.extension_id}",
        f"ext:n:{extension or town.extension_id}",
    ]


def _presses(town: Town) -> list[tuple[int, int, str]]:
    """(presser, chat, data) for every role in every chat kind, minus the legitimate ones."""
    victims = _button_data(
        town, str(town.new_ticket), town.new_number, str(town.query_id), str(town.draft_id)
    )
    rating = [d.replace(str(town.new_ticket), str(town.resolved_ticket)) for d in victims[6:10]]
    rating += [f"cb:{outcome}:{town.resolved_ticket}" for outcome in "snu"]
    everything = victims + rating
    places = {
        STRANGER_ID: (STRANGER_ID, OTHER_GROUP_ID),
        STAFF_ID: (STAFF_ID, OTHER_GROUP_ID, STAFF_CHAT_ID),
        OTHER_OFFICIAL_ID: (OTHER_OFFICIAL_ID, STAFF_CHAT_ID, OTHER_GROUP_ID),
        ADMIN_ID: (ADMIN_ID, OTHER_GROUP_ID, STAFF_CHAT_ID),
        OFFICIAL_ID: (OTHER_GROUP_ID, STAFF_CHAT_ID),  # the draft's author, on others' things
    }
    presses = []
    for presser, chats in places.items():
        for chat in chats:
            for data in everything:
                if _legitimate(presser, chat, data):
                    continue
                presses.append((presser, chat, data))
    for junk in JUNK_IDS:  # ids linli never made, from a resident and from the desk
        for data in _button_data(town, junk, junk, junk, junk, junk):
            presses.append((STRANGER_ID, STRANGER_ID, data))
            presses.append((STAFF_ID, STAFF_CHAT_ID, data))
    return presses


def _legitimate(presser: int, chat: int, data: str) -> bool:
    at_desk = chat == STAFF_CHAT_ID and presser in (
        STAFF_ID,
        OFFICIAL_ID,
        OTHER_OFFICIAL_ID,
        ADMIN_ID,
    )
    if at_desk and data.split(":")[1] in (*DESK_ACTIONS, "assignto"):
        return True
    if at_desk and data.startswith("cb:"):
        return True  # staff recording a callback in the staff chat
    if at_desk and data.startswith("cn:"):
        return True  # staff sending a canned reply from the staff chat
    if presser in (OFFICIAL_ID, OTHER_OFFICIAL_ID, ADMIN_ID) and data.startswith("sv:"):
        return chat == presser  # an official opening a digest's ticket: reading, in private
    if presser == OFFICIAL_ID and data.startswith("bc:"):
        return True  # the draft's author: Telegram vouches for who pressed, so it is theirs
    if data.startswith("ext:"):  # an official or admin deciding in their own chat
        return chat == presser and presser in (OFFICIAL_ID, OTHER_OFFICIAL_ID, ADMIN_ID)
    return presser == ADMIN_ID and data.startswith("kl:")


async def _snapshot(town: Town) -> dict[str, Any]:
    """What belongs to the victim, the author of the draft, and everyone's tickets."""
    async with town.linli.services.db.transaction() as session:

        async def rows(query: Any) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in (await session.execute(query)).all()]

        return {
            "tickets": await rows(
                select(
                    Ticket.id, Ticket.status, Ticket.assignee_telegram_id, Ticket.merged_into_id
                ).order_by(Ticket.id)
            ),
            "events": await rows(select(func.count()).select_from(TicketEvent)),
            "canned": await rows(
                select(CannedReply.id, CannedReply.removed_at).order_by(CannedReply.id)
            ),
            "followers": await rows(
                select(TicketFollower.ticket_id, TicketFollower.resident_id).order_by(
                    TicketFollower.ticket_id, TicketFollower.resident_id
                )
            ),
            "notices": await rows(
                select(
                    Notice.id,
                    Notice.status,
                    Notice.audience_kind,
                    Notice.audience_value,
                    Notice.urgent,
                    Notice.send_at,
                ).order_by(Notice.id)
            ),
            "owed": await rows(
                select(Awaiting.telegram_id, Awaiting.kind, Awaiting.reference).where(
                    Awaiting.telegram_id.in_((RESIDENT_ID, OFFICIAL_ID))
                )
            ),
            "victim": await rows(
                select(Resident.role, Resident.display_name, Resident.language).where(
                    Resident.telegram_id == RESIDENT_ID
                )
            ),
            "query": await rows(
                select(QueryLog.id, QueryLog.feedback).where(QueryLog.id == town.query_id)
            ),
            "to_victim": await rows(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.chat_id == RESIDENT_ID)
            ),
        }


def _forge(town: Town, presser: int, chat: int, data: str, serial: int) -> None:
    """A message of linli's in ``chat`` carrying one button with ``data``, pressed."""
    api = town.linli.api
    kind = "private" if chat > 0 else "supergroup"
    message = {
        "message_id": 900000 + serial,
        "date": 0,
        "chat": {"id": chat, "type": kind, "title": "x"}
        if chat < 0
        else {"id": chat, "type": kind},
        "from": {"id": 1, "is_bot": True, "first_name": "linli"},
        "text": "…",
        "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": data}]]},
    }
    api.world.messages[(chat, message["message_id"])] = message
    api.press_button(town.people[presser], message, label="x")


async def test_forged_buttons_change_nothing_of_others_and_show_nothing_private(
    town: Town,
) -> None:
    api = town.linli.api
    before = await _snapshot(town)
    presses = _presses(town)
    start = len(api.call_history)
    for serial, (presser, chat, data) in enumerate(presses):
        calls = len(api.call_history)
        _forge(town, presser, chat, data, serial)
        try:
            await api.wait_for(
                lambda calls=calls: any(
                    c.method == "answerCallbackQuery" for c in api.call_history[calls:]
                )
            )
        except TimeoutError:
            raise AssertionError(f"{data!r} by {presser} in {chat} was not answered") from None
    # The delivery worker has nothing of the victim's to send because of the presses.
    await town.linli.say(town.people[STRANGER_ID], "/help")
    after = await _snapshot(town)
    for key in before:
        assert after[key] == before[key], key
    shown = [
        str(c.params)
        for c in api.call_history[start:]
        if c.method != "getUpdates"
        and str(c.params.get("chat_id")) not in (str(RESIDENT_ID), str(STAFF_CHAT_ID))
    ]
    leaks = [s for s in shown if SECRET in s or PHONE in s or "王秀英" in s]
    assert not leaks, leaks[:3]
    assert not any(APOLOGY in s for s in shown), [s for s in shown if APOLOGY in s][:3]
    assert len(presses) > 500  # every shape from every role in every chat was tried


FILING_TABLES = (FilingDraft, Ticket, TicketSequence, TicketEvent, TicketFollower)


async def _filed(town: Town) -> dict[str, list[tuple[Any, ...]]]:
    """Every draft, ticket, ticket number, event and follower, and the outbox's size."""
    async with town.linli.services.db.transaction() as session:
        rows = {
            model.__tablename__: [
                tuple(row)
                for row in await session.execute(
                    select(model.__table__).order_by(*model.__table__.primary_key)
                )
            ]
            for model in FILING_TABLES
        }
        outbox = await session.scalar(select(func.count()).select_from(OutboxMessage))
        return {**rows, "outbox": [(outbox,)]}


async def test_filing_buttons_pressed_in_a_group_are_refused_and_file_nothing(
    town: Town,
) -> None:
    """Filing asks for a phone number: it happens in the resident's private chat, and the
    filing service itself refuses any other chat. Filing buttons pressed in a group (forwarded
    there, or forged) by the very people they would work for, a stranger with a draft ready to
    submit and like the victim's open ticket, and the victim with a question to ask a person,
    are each answered with where to file; no draft, ticket, follower or message comes of them."""
    services, api = town.linli.services, town.linli.api
    mine = Actor.in_private(STRANGER_ID)
    await services.residents.register(
        telegram_id=STRANGER_ID, chat_id=STRANGER_ID, display_name="路人", language_code="zh-hans"
    )
    await services.tickets.filing.start_draft(mine)
    await services.tickets.filing.update_draft(
        mine, category="noise", description="楼上每晚装修到十一点，太吵",
        location_text="幸福里3号楼", phone=None, anonymous=False, step="confirm",
    )  # fmt: skip
    similar = await services.tickets.filing.similar_to_draft(mine)
    assert town.new_number in [s.number for s in similar]  # in private it could be followed
    theirs = ("cp:submit", "cp:force", f"cp:follow:{town.new_number}", "cp:new", "cp:cancel")
    presses = [(STRANGER_ID, data) for data in (*theirs, "cp:edit:description", "cp:anon:1")]
    presses += [(RESIDENT_ID, data) for data in ("cp:new", "cp:cat:noise", f"ask:{town.query_id}")]
    before = await _filed(town)
    for serial, (presser, data) in enumerate(presses):
        calls = len(api.call_history)
        _forge(town, presser, OTHER_GROUP_ID, data, serial)
        [answer] = await api.wait_for(
            lambda calls=calls: [
                c.params for c in api.call_history[calls:] if c.method == "answerCallbackQuery"
            ]
        )
        assert answer.get("text") == t("zh-Hans", "filing.private_only"), data
        assert answer.get("show_alert") in (True, "true"), data
    await town.linli.say(town.people[STRANGER_ID], "/help")  # after the presses: all handled
    assert await _filed(town) == before
    assert api.sent_to(OTHER_GROUP_ID) == []
