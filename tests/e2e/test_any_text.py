"""No text a resident can send crashes the message path: every message gets a real reply."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import Linli

resident_texts = st.one_of(
    st.text(min_size=1, max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\u200b",
            "😀" * 50,
            "低保" * 5000,
            "\x00\x01\x02低保\x1b[31m",
            "Ｄｉｂａｏ 申請 how?? 低保",
            "/start@linli_bot extra words",
            "/help " + "x" * 4000,
            "@linli_bot",
            "\u202e反向文字",
        ]
    ),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=resident_texts)
async def test_any_text_gets_a_reply_and_no_apology(linli: Linli, text: str) -> None:
    if not text:
        return  # Telegram does not deliver empty messages
    before = len(linli.api.sent_to(200001))
    linli.api.send_text(linli.resident, text[:4096])
    await linli.api.wait_for(lambda: len(linli.api.sent_to(200001)) > before, timeout=10)
    reply = linli.api.sent_to(200001)[before]
    assert reply["text"].strip()
    assert "出了点问题" not in reply["text"]
