"""Hypothesis against the real Application, on SQLite and PostgreSQL: whatever a resident
types, and whatever a button carries from whoever presses it wherever, linli answers with
words of its own (never the apology for a crash) and changes nothing of anyone else's."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import STAFF_ID
from tests.security.conftest import OTHER_GROUP_ID, STRANGER_ID, Town
from tests.security.test_forged_callbacks import APOLOGY, _forge, _snapshot

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PREFIXES = (
    "tk", "cp", "bc", "pv", "sub", "kl", "fb", "pick", "nope", "ask", "ent", "cat", "lang",
    "cb", "sv", "ext", "cn",
)  # fmt: skip
# Texts Telegram delivers: no lone surrogates; NUL and other control characters included.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=400).filter(
    lambda s: s.strip() != ""
)
PART = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters=":"), max_size=12),
)
CALLBACK = st.builds(
    lambda prefix, parts: ":".join([prefix, *parts])[:64],
    st.sampled_from(PREFIXES),
    st.lists(PART, max_size=4),
)
COMMAND_WORDS = [
    "ticket",
    "followup",
    "complain",
    "mytickets",
    "mydata",
    "forget",
    "quiet",
    "subscribe",
    "language",
    "broadcast",
    "stats",
    "export",
    "cancel",
    "start",
    "help",
    "profile",
    "callbacks",
    "callback",
    "supervise",
    "unsupervise",
    "canned",
    "canned_add",
    "canned_remove",
]
COMMANDS = st.builds(lambda word, rest: f"/{word} {rest}", st.sampled_from(COMMAND_WORDS), TEXT)
_seen: dict[int, int] = {}


def _answers_since(town: Town, calls: int) -> list[str]:
    return [
        str(c.params)
        for c in town.linli.api.call_history[calls:]
        if c.method in ("sendMessage", "answerCallbackQuery", "editMessageText", "sendDocument")
    ]


@FUZZ
@given(data=CALLBACK, who=st.sampled_from([STRANGER_ID, STAFF_ID]), group=st.booleans())
@example(data="ask:14791691097", who=STRANGER_ID, group=False)  # beyond PostgreSQL's ids
async def test_any_button_data_is_answered_and_changes_nothing_of_others(
    town: Town, data: str, who: int, group: bool
) -> None:
    before = await _snapshot(town)
    api = town.linli.api
    calls = len(api.call_history)
    serial = _seen[id(town)] = _seen.get(id(town), 0) + 1
    _forge(town, who, OTHER_GROUP_ID if group else who, data, 50000 + serial)
    await api.wait_for(
        lambda: any(c.method == "answerCallbackQuery" for c in api.call_history[calls:])
    )
    assert not any(APOLOGY in s for s in _answers_since(town, calls)), data
    assert await _snapshot(town) == before, data


@FUZZ
@given(text=st.one_of(TEXT, COMMANDS))
async def test_anything_a_resident_types_gets_words_not_a_crash(town: Town, text: str) -> None:
    stranger: dict[str, Any] = town.people[STRANGER_ID]
    before = await _snapshot(town)
    calls = len(town.linli.api.call_history)
    await town.linli.say(stranger, text)
    answers = _answers_since(town, calls)
    assert answers, text
    assert not any(APOLOGY in s for s in answers), text
    assert await _snapshot(town) == before, text
