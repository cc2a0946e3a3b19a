"""The pure parts of the chat queue: lock keys, and the answers of linli_chat_turn (revision
0011) that the Python side understands."""

from __future__ import annotations

import re
from pathlib import Path

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


def test_the_turn_function_announces_what_the_waiting_processes_parse() -> None:
    sql = REVISION.read_text()
    # 'r <update_id> <chat_id>': a waiting update tells its own chat's earlier update apart.
    assert "pg_notify('linli_chat_queue', 'r ' || p_update || ' ' || p_chat)" in sql


def test_a_given_up_gap_is_announced_as_the_waiting_processes_parse() -> None:
    # 'w <update_id>' (revision 0019): every id up to it counts as received.
    sql = next(VERSIONS.glob("0019_*.py")).read_text()
    assert "pg_notify('linli_chat_queue', 'w ' || (p_update - 1))" in sql
