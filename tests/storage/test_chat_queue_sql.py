"""The pure parts of the chat queue: lock keys, and the answers and announcements of its
functions that the Python side understands."""

from __future__ import annotations

import re
from pathlib import Path

from storage.migrate import revision_module
from storage.repositories.chat_queue import CHAT_LOCK_NAMESPACE, Turn, chat_lock_key

VERSIONS = Path(__file__).resolve().parents[2] / "storage/migrations/versions"
REVISION = next(VERSIONS.glob("0014_*.py"))


def test_every_chat_gets_a_32_bit_lock_key_and_nearby_chats_get_different_ones() -> None:
    chats = [1, 2, 300_001, 2**31 - 1, 2**31, 2**32 - 1, -1, -1001234567890, 7_000_000_000]
    keys = [chat_lock_key(chat) for chat in chats]
    assert all(-(2**31) <= key < 2**31 for key in keys)
    assert len({chat_lock_key(chat) for chat in range(300_000, 301_000)}) == 1000
    assert chat_lock_key(-1) == -1 and chat_lock_key(2**31) == -(2**31)
    assert 0 < CHAT_LOCK_NAMESPACE < 2**31  # PostgreSQL's two-key lock takes two int4s


def test_the_turn_function_answers_only_what_the_service_understands() -> None:
    sql = REVISION.read_text()
    answers = set(re.findall(r"RETURN '([^']+)'", sql))
    assert answers == {turn.value for turn in Turn}


def test_the_queue_functions_announce_only_what_the_waiting_processes_parse() -> None:
    # Revision 0021: no 'r' for every recorded update; 'c' and 'd' to the holding process,
    # 'w' (a gap given up) to all. ChatTurns._announced parses these three.
    head = revision_module("0021")
    sql = "".join(
        (
            head.turn_function(),
            head.done_function(),
            head.BEGIN_ABOVE_FUNCTION,
            head.RECORD_UNORDERED_FUNCTION,
        )
    )
    kinds = re.findall(r"pg_notify\(\s*'linli_chat_queue[^,]*,\s*'(\w) '", sql)
    assert set(kinds) == {"c", "d", "w"}


def test_a_given_up_gap_is_announced_as_the_waiting_processes_parse() -> None:
    # 'w <update_id>' (revision 0019): every id up to it counts as received.
    sql = next(VERSIONS.glob("0019_*.py")).read_text()
    assert "pg_notify('linli_chat_queue', 'w ' || (p_update - 1))" in sql
