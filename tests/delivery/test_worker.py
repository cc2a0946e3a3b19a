"""The delivery worker against the fake Bot API: what residents receive, what the outbox holds."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.delivery.limits import DeliveryConfig
from bot_api_emulator import TINY_PNG
from storage.leader import LeaderLock
from storage.models import PRIORITY_BULK
from storage.repositories import residents as residents_repo
from tests.delivery.conftest import SPEED, Outbox
from tests.fakes.bot_api import button_labels, inline_buttons


async def _sent_all(box: Outbox, count: int | None = None) -> None:
    async def done() -> bool:
        statuses = await box.statuses()
        return all(s in ("sent", "dead") for s in statuses) and (
            count is None or len(statuses) == count
        )

    await box.until(done)


async def test_rendered_in_the_residents_language_and_sent_once(outbox: Outbox) -> None:
    for user_id, language in ((201, "zh-Hans"), (202, "zh-Hant"), (203, "en")):
        await outbox.resident(user_id, language)
        await outbox.queue(
            user_id, language=language, message_key="menu.category", params={"title": "水电"}
        )
    await outbox.start()
    await _sent_all(outbox)

    assert [m["text"] for m in outbox.api.sent_to(201)] == ["「水电」的办事指南："]
    assert [m["text"] for m in outbox.api.sent_to(202)] == ["「水電」的辦事指南："]
    assert [m["text"] for m in outbox.api.sent_to(203)] == ["Guides in “水电”:"]
    rows = await outbox.rows()
    assert {r.status for r in rows} == {"sent"}
    assert all(r.attempts == 1 and r.sent_message_id for r in rows)


async def test_buttons_and_photos(outbox: Outbox) -> None:
    await outbox.resident(201)
    photos = [outbox.api.world.add_file(TINY_PNG, "photos", ".jpg").file_id for _ in range(2)]
    buttons = [[{"key": "feedback.thanks", "data": "ok:1"}, {"text": "查看", "data": "t:42"}]]
    await outbox.queue(201, buttons=buttons)
    await outbox.queue(201, photos=photos[:1])
    await outbox.queue(201, photos=photos, buttons=buttons)
    await outbox.start()
    await _sent_all(outbox)

    sent = outbox.api.sent_to(201)
    assert button_labels(sent[0]) == ["谢谢你的反馈！", "查看"]
    assert [b["callback_data"] for b in inline_buttons(sent[0])] == ["ok:1", "t:42"]
    assert sent[1]["caption"] == "谢谢你的反馈！" and "photo" in sent[1]
    # An album cannot carry buttons: the photos, then the text with its buttons.
    assert [("photo" in m, m.get("text")) for m in sent[2:]] == [
        (True, None),
        (True, None),
        (False, "谢谢你的反馈！"),
    ]
    assert button_labels(sent[4]) == ["谢谢你的反馈！", "查看"]


async def test_same_idempotency_key_twice_is_one_message(outbox: Outbox) -> None:
    await outbox.resident(201)
    assert await outbox.queue(201, idempotency_key="ticket:1:event:1:resident")
    assert not await outbox.queue(201, idempotency_key="ticket:1:event:1:resident")
    await outbox.start()
    await _sent_all(outbox)
    assert len(await outbox.rows()) == 1
    assert len(outbox.api.sent_to(201)) == 1


async def test_retry_after_pauses_every_send_then_succeeds(outbox: Outbox) -> None:
    for user_id in (201, 202):
        await outbox.resident(user_id)
        await outbox.queue(user_id)
    outbox.api.fail_next("sendMessage", 429, retry_after=3)
    # One send at a time, so the second starts after the 429 came back (sends already in
    # flight cannot be called back).
    await outbox.start(DeliveryConfig(concurrency=1))
    await _sent_all(outbox)

    calls = outbox.api.calls("sendMessage")
    refused = [c for c in calls if not c.ok]
    assert len(refused) == 1
    pause_real_s = 3 / SPEED
    assert all(c.time >= refused[0].time + pause_real_s * 0.9 for c in calls if c.ok)
    rows = await outbox.rows()
    assert [r.status for r in rows] == ["sent", "sent"]
    assert sorted(r.attempts for r in rows) == [1, 1]  # a flood wait uses up no attempt


async def test_blocked_resident_becomes_inactive_and_the_row_dead(outbox: Outbox) -> None:
    user = await outbox.resident(201)
    outbox.api.block(user)
    await outbox.queue(201)
    await outbox.start()
    await _sent_all(outbox)

    [row] = await outbox.rows()
    assert row.status == "dead" and row.last_error.startswith("blocked")
    async with outbox.db.transaction() as session:
        resident = await residents_repo.get_resident(session, 201)
    assert resident is not None and not resident.active


async def test_a_resident_who_unblocks_and_writes_at_once_is_active_again(outbox: Outbox) -> None:
    user = outbox.api.user(201, "居民201")
    first = await outbox.residents.register(201, 201, "居民201", "zh-hans")  # remembered
    assert first.active
    outbox.api.block(user)
    await outbox.queue(201)
    await outbox.start()
    await _sent_all(outbox)
    async with outbox.db.transaction() as session:
        blocked = await residents_repo.get_resident(session, 201)
    assert blocked is not None and not blocked.active

    # They unblock linli and write again within a minute, well inside the 5 minutes the
    # residents service would otherwise serve them from memory.
    again = await outbox.residents.register(201, 201, "居民201", "zh-hans")
    assert again.active
    async with outbox.db.transaction() as session:
        resident = await residents_repo.get_resident(session, 201)
    assert resident is not None and resident.active


async def test_server_errors_are_retried_with_backoff(outbox: Outbox) -> None:
    await outbox.resident(201)
    await outbox.queue(201)
    outbox.api.fail_next("sendMessage", 502, count=2)
    await outbox.start()
    await _sent_all(outbox)

    calls = outbox.api.calls("sendMessage")
    assert [c.ok for c in calls] == [False, False, True]
    # Backoff 2 s then 4 s (no jitter in tests), in virtual seconds.
    gaps = [(b.time - a.time) * SPEED for a, b in itertools.pairwise(calls)]
    assert gaps[0] >= 2 * 0.9 and gaps[1] >= 4 * 0.9
    [row] = await outbox.rows()
    assert (row.status, row.attempts) == ("sent", 3)
    assert len(outbox.api.sent_to(201)) == 1


async def test_transient_errors_end_dead_after_the_last_attempt(outbox: Outbox) -> None:
    await outbox.resident(201)
    await outbox.queue(201)
    outbox.api.fail_next("sendMessage", 500, count=10)
    await outbox.start(DeliveryConfig(max_attempts=3, retry_base_s=1, personal_deadline_s=0))
    await _sent_all(outbox)
    [row] = await outbox.rows()
    assert (row.status, row.attempts) == ("dead", 3)
    assert "NetworkError" in row.last_error
    assert len(outbox.api.calls("sendMessage")) == 3


async def test_bad_request_and_unknown_key_are_dead_at_once(outbox: Outbox) -> None:
    await outbox.resident(201)
    await outbox.queue(201)
    await outbox.queue(201, message_key="no.such.key")
    await outbox.queue(201, message_key="menu.category", params={})  # {title} missing
    outbox.api.fail_next("sendMessage", 400, "Bad Request: chat not found")
    await outbox.start()
    await _sent_all(outbox, 3)

    rows = await outbox.rows()
    assert [(r.status, r.attempts) for r in rows] == [("dead", 1)] * 3
    assert rows[0].last_error == "bad request: Chat not found"
    assert rows[1].last_error.startswith("render:") and rows[2].last_error.startswith("render:")
    assert len(outbox.api.calls("sendMessage")) == 1  # unrenderable rows never reach Telegram


async def test_migrated_group_gets_the_message_at_its_new_id(outbox: Outbox) -> None:
    outbox.api.group(-5001, "社区工作群")
    outbox.api.migrate_group(-5001, -1005001)
    await outbox.queue(-5001, idempotency_key="card:1")
    await outbox.queue(-5001, idempotency_key="card:2", priority=PRIORITY_BULK)
    worker = await outbox.start()
    await _sent_all(outbox)

    assert [m["text"] for m in outbox.api.sent_to(-1005001)] == ["谢谢你的反馈！"] * 2
    assert {r.chat_id for r in await outbox.rows()} == {-1005001}
    assert worker.migrated == {-5001: -1005001}
    assert {r.status for r in await outbox.rows()} == {"sent"}


async def test_paid_broadcast_mode_marks_only_bulk_rows(outbox: Outbox) -> None:
    for user_id in (201, 202):
        await outbox.resident(user_id)
    await outbox.queue(201, priority=PRIORITY_BULK)
    await outbox.queue(202)
    worker = await outbox.start(DeliveryConfig(paid_broadcast=True))
    await _sent_all(outbox)
    paid = {
        c.chat_id: c.params.get("allow_paid_broadcast") for c in outbox.api.calls("sendMessage")
    }
    assert paid == {201: True, 202: None}
    assert worker.limiter.limits.paid_overall.count == 1000


async def test_a_process_that_does_not_lead_sends_nothing_until_it_does(outbox: Outbox) -> None:
    # Processes behind a webhook share one bot's Telegram limits (bot/app.py): on PostgreSQL
    # only the scheduler leader's worker claims rows.
    if outbox.db.is_sqlite:
        pytest.skip("SQLite has one process, which always leads")
    leader, standby = LeaderLock(outbox.db), LeaderLock(outbox.db)
    try:
        assert await leader.refresh() and not await standby.refresh()
        await outbox.resident(201)
        await outbox.queue(201)
        await outbox.start(may_send=lambda: standby.held)
        await asyncio.sleep(0.3)  # several of the worker's polls (1 s virtual at 50x)
        assert await outbox.statuses() == ["pending"]
        assert outbox.api.sent_to(201) == []

        await leader.release()  # the leader stops: the standby takes over at its next try
        assert await standby.refresh()
        await _sent_all(outbox, 1)
        assert [m["text"] for m in outbox.api.sent_to(201)] == ["谢谢你的反馈！"]
    finally:
        await leader.release()
        await standby.release()


async def test_a_text_longer_than_telegram_takes_is_sent_in_parts(outbox: Outbox) -> None:
    # 3,000 emoji are 6,000 UTF-16 units, as Telegram counts: one message would be refused.
    await outbox.resident(201)
    buttons = [[{"text": "查看", "data": "t:42"}]]
    await outbox.queue(
        201, message_key="notice.body", params={"text": "🔥" * 3000}, buttons=buttons
    )
    await outbox.start()
    await _sent_all(outbox)

    sent = outbox.api.sent_to(201)
    assert len(sent) == 2 and "".join(m["text"] for m in sent).count("🔥") == 3000
    assert button_labels(sent[0]) == [] and button_labels(sent[1]) == ["查看"]
    assert {r.status for r in await outbox.rows()} == {"sent"}


async def test_a_staff_chat_that_refuses_the_bot_for_a_while_still_gets_the_card(
    outbox: Outbox,
) -> None:
    # 403 from a group (the bot removed, or without the right to post) is mended by staff:
    # the card is retried, not thrown away as a resident's block would be.
    chat = outbox.api.group(-1009001, "工作群")
    await outbox.queue(chat["id"], message_key="feedback.thanks")
    outbox.api.fail_next("sendMessage", 403, "Forbidden: bot is not a member of the group chat")
    await outbox.start(DeliveryConfig(retry_base_s=0.05))
    await _sent_all(outbox)
    [row] = await outbox.rows()
    assert row.status == "sent" and row.attempts == 2  # the refused try, then the sent one
    assert [m["text"] for m in outbox.api.sent_to(chat["id"])] == ["谢谢你的反馈！"]
