"""Group commit (services/group_commit.py): items arriving together share one write, each
caller gets its own result, and a failed write fails each of its callers, none silently."""

from __future__ import annotations

import asyncio

from services.group_commit import GroupCommit


async def test_items_arriving_together_share_a_write_and_get_their_own_results() -> None:
    writes: list[list[str]] = []

    async def write(items: list[str]) -> list[str]:
        writes.append(items)
        await asyncio.sleep(0)  # a commit: more items arrive meanwhile
        return [item.upper() for item in items]

    batches = GroupCommit(write)
    results = await asyncio.gather(*(batches.submit(x) for x in "abcdef"))
    assert results == list("ABCDEF")
    assert writes == [list("abcdef")]
    assert await batches.submit("g") == "G"  # a later item starts a new batch


async def test_an_item_a_loop_turn_later_joins_the_batch_of_a_write_that_never_yields() -> None:
    # A write with no await of its own (the query log on SQLite, in the loop's thread).
    writes: list[list[str]] = []

    async def write(items: list[str]) -> list[str]:
        writes.append(items)
        return items

    batches = GroupCommit(write)

    async def a_turn_later(item: str) -> str:
        await asyncio.sleep(0)  # an update one step behind the first
        return await batches.submit(item)

    assert await asyncio.gather(batches.submit("a"), a_turn_later("b")) == ["a", "b"]
    assert writes == [["a", "b"]]


async def test_a_failed_write_fails_each_of_its_callers_and_the_next_write_works() -> None:
    failing = True

    async def write(items: list[str]) -> list[str]:
        if failing:
            raise RuntimeError("disk full")
        return items

    batches = GroupCommit(write)
    results = await asyncio.gather(
        batches.submit("甲"), batches.submit("乙"), return_exceptions=True
    )
    assert [str(r) for r in results] == ["disk full", "disk full"]
    failing = False
    assert await batches.submit("丙") == "丙"
