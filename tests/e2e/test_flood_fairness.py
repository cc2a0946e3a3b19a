"""A 429 pauses only the chat Telegram named: the other residents keep being answered."""

from __future__ import annotations

from pathlib import Path

from services.knowledge.live import LiveKnowledge
from tests.e2e.conftest import start_linli

FLOODED_ID = 200001
OTHER_ID = 200002
RETRY_AFTER_S = 3


async def test_a_429_for_one_chat_holds_only_that_chat(
    tmp_path: Path, live_knowledge: LiveKnowledge
) -> None:
    # The replies' rate limiter as in production (LINLI_REPLY_RATE=30).
    async with start_linli(tmp_path, live_knowledge, reply_rate=30) as (api, _services):
        flooded = api.user(FLOODED_ID, "小王", language_code="zh-hans")
        other = api.user(OTHER_ID, "小李", language_code="zh-hans")
        api.fail_next("sendMessage", 429, retry_after=RETRY_AFTER_S, chat_id=FLOODED_ID)
        api.send_text(flooded, "低保怎么申请")
        [refused] = await api.wait_for(lambda: [c for c in api.calls(chat_id=FLOODED_ID)])
        assert refused.error is not None and refused.error["error_code"] == 429

        # Meanwhile the other resident asks three questions, one after the other, and each
        # is answered while the first resident's chat is still paused.
        answers = []
        for question in ("廉租房申请条件", "居住证怎么办理", "社保断缴了怎么补"):
            api.send_text(other, question)
            [answer] = await api.wait_for_message(OTHER_ID, timeout=RETRY_AFTER_S)
            answers.append(answer["text"])
        assert [text.startswith("【") for text in answers] == [True, True, True]
        assert api.sent_to(FLOODED_ID) == []

        # The first resident gets the answer after the pause Telegram asked for.
        [late] = await api.wait_for_message(FLOODED_ID, timeout=15)
        assert late["text"].startswith("【最低生活保障")
        [delivered] = [c for c in api.calls("sendMessage", FLOODED_ID) if c.ok]
        assert delivered.time - refused.time >= RETRY_AFTER_S
        assert max(c.time for c in api.calls("sendMessage", OTHER_ID)) < delivered.time
