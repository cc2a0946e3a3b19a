"""Metrics, /healthz and /readyz of a running linli, read over HTTP as Prometheus would."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from bot.app import build_application
from bot.context import runtime_of
from bot.runner import running
from bot.transport import TRANSPORTS, Transport
from services import Services, open_services
from services.access import Actor
from services.knowledge.live import LiveKnowledge
from services.tickets.filing import Complaint
from storage.migrate import downgrade, upgrade
from tests.e2e.conftest import FAST_DELIVERY
from tests.fakes.bot_api import BotApiServer

RESIDENT_ID = 200001
STAFF_ID = 700001
STAFF_CHAT_ID = -1009000
ALERTS = Path(__file__).resolve().parents[2] / "docs" / "prometheus-alerts.yml"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


class Running:
    def __init__(self, api: BotApiServer, services: Services, url: str, app: Any) -> None:
        self.api, self.services, self.url, self.application = api, services, url, app

    async def get(self, path: str) -> tuple[int, str]:
        async with aiohttp.ClientSession() as client, client.get(self.url + path) as answer:
            return answer.status, await answer.text()

    async def json(self, path: str) -> tuple[int, dict[str, Any]]:
        async with aiohttp.ClientSession() as client, client.get(self.url + path) as answer:
            return answer.status, await answer.json()

    async def scrape(self) -> Samples:
        status, text = await self.get("/metrics")
        assert status == 200
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def start(tmp_path: Path, knowledge: LiveKnowledge, transport: Transport) -> Any:
    services = await open_services(
        f"sqlite+aiosqlite:///{tmp_path}/linli.sqlite3",
        None,
        "zh-Hans",
        knowledge=knowledge,
        staff_chat_id=STAFF_CHAT_ID,
    )
    await services.residents.grant_role(STAFF_ID, "staff")
    await services.residents.register(RESIDENT_ID, RESIDENT_ID, "小王", "zh-hans")
    return services


@pytest.fixture(params=TRANSPORTS)
async def linli(
    request: pytest.FixtureRequest, tmp_path: Path, live_knowledge: LiveKnowledge
) -> AsyncIterator[Running]:
    services = await start(tmp_path, live_knowledge, request.param)
    try:
        async with BotApiServer() as api:
            application = build_application(
                services,
                token=api.token,
                api_url=api.url,
                staff_chat_id=STAFF_CHAT_ID,
                overall_rate=0,
                delivery=FAST_DELIVERY,
                transport=request.param,
                ops_listen=("127.0.0.1", 0),
            )
            async with running(application, poll_timeout=1):
                server = runtime_of(application).ops_server
                assert server is not None
                yield Running(api, services, f"http://127.0.0.1:{server.port}", application)
    finally:
        await services.close()


async def test_metrics_count_what_residents_and_staff_did(linli: Running) -> None:
    api = linli.api
    resident = api.user(RESIDENT_ID, "小王", language_code="zh-hans")
    api.group(STAFF_CHAT_ID, "社区工作群")
    api.send_text(resident, "低保怎么申请")
    await api.wait_for_message(RESIDENT_ID)
    api.send_text(resident, "明天天气怎么样")
    await api.wait_for_message(RESIDENT_ID)
    filed = await linli.services.tickets.filing.file_complaint(
        Actor.in_private(RESIDENT_ID),
        Complaint("noise", "楼上装修太吵，每天早上七点就开始打钻", location_text="3号楼"),
    )
    await api.wait_for_message(STAFF_CHAT_ID)  # the staff card, sent by the delivery worker
    api.fail_next("sendMessage", 403, chat_id=RESIDENT_ID)
    await linli.services.tickets.staff.reject(
        Actor(STAFF_ID, STAFF_CHAT_ID), filed.number, "不属于本社区"
    )
    await api.wait_for(lambda: any(not c.ok for c in api.calls("sendMessage", RESIDENT_ID)))

    samples = await linli.scrape()
    await linli.scrape()  # a second sample gives the send rate a window

    assert value(samples, "linli_updates_total", kind="message") >= 2
    assert value(samples, "linli_reply_latency_seconds_count", kind="message") >= 2
    assert value(samples, "linli_matcher_decisions_total", decision="answer") >= 1
    assert value(samples, "linli_matcher_decisions_total", decision="none") >= 1
    assert value(samples, "linli_tickets_filed_total", category="noise") == 1
    assert value(samples, "linli_tickets_closed_total", category="noise", status="rejected") == 1
    assert value(samples, "linli_tickets_open", category="noise") == 0
    assert value(samples, "linli_bot_api_requests_total", method="sendMessage", outcome="ok") >= 3
    assert value(samples, "linli_bot_api_requests_total", method="sendMessage", outcome="403") >= 1
    assert value(samples, "linli_outbox_sends_total", result="sent") >= 1
    assert value(samples, "linli_outbox_sends_total", result="blocked") >= 1
    assert ("linli_outbox_messages", (("kind", "bulk"), ("status", "dead"))) in samples
    assert value(samples, "linli_scheduler_leader") == 0  # tests run no scheduler
    assert value(samples, "linli_figures_up") == 1
    assert value(samples, "linli_knowledge_entries") >= 40
    assert value(samples, "linli_knowledge_load_failures_total") == 0
    assert value(samples, "linli_bot_api_last_answer_timestamp_seconds") > time.time() - 60
    assert any(name == "process_cpu_seconds_total" for name, _ in samples)
    # No label carries a person or a ticket.
    label_values = {v for _, labels in samples for _, v in labels}
    assert not any(str(RESIDENT_ID) in v or filed.number in v for v in label_values)
    # The sample alerting rules name only series linli exports.
    rules = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"][0]["rules"]
    named = {n for rule in rules for n in re.findall(r"linli_[a-z0-9_]+", rule["expr"])}
    assert named and named <= {name for name, _ in samples}


async def test_open_and_overdue_tickets_are_gauges(linli: Running) -> None:
    for text in ("楼道里堆满了杂物，一直没人清理", "垃圾桶满了三天没人清运了"):
        await linli.services.tickets.filing.file_complaint(
            Actor.in_private(RESIDENT_ID), Complaint("sanitation", text, location_text="5号楼")
        )
    samples = await linli.scrape()
    assert value(samples, "linli_tickets_open", category="sanitation") == 2
    assert value(samples, "linli_tickets_overdue", category="sanitation") == 0


async def test_healthz_and_readyz_when_all_is_well(linli: Running) -> None:
    assert await linli.json("/healthz") == (200, {"status": "ok"})
    status, body = await linli.json("/readyz")
    assert status == 200, body
    assert body["status"] == "ready"
    assert body["checks"] == {"database": "ok", "knowledge_base": "ok", "bot_api": "ok"}


async def test_readyz_says_when_the_bot_api_is_gone(linli: Running) -> None:
    metrics = runtime_of(linli.application).metrics
    assert metrics is not None
    linli.api.fail_next("*", 502, count=10_000)  # every call, the polls too
    metrics.bot_api_reached_at = time.time() - 120  # its last answer, two minutes ago
    status, body = await linli.json("/readyz")
    assert status == 503
    assert body["status"] == "not ready"
    assert body["checks"]["bot_api"].startswith("the Bot API last answered 12")
    assert body["problems"] == [f"bot_api: {body['checks']['bot_api']}"]
    linli.api.faults.faults.clear()
    status, body = await linli.json("/readyz")  # getMe answers again
    assert (status, body["status"]) == (200, "ready")


async def test_readyz_says_when_the_database_needs_migrating(linli: Running) -> None:
    await downgrade(linli.services.db, "-1")
    try:
        status, body = await linli.json("/readyz")
    finally:
        await upgrade(linli.services.db)
    assert status == 503
    assert "pending migration" in body["checks"]["database"]
    assert "linli db upgrade" in body["checks"]["database"]
    assert body["checks"]["bot_api"] == "ok"


async def test_linli_run_serves_the_listener_named_by_its_settings(tmp_path: Path) -> None:
    """The settings reach `linli run`: LINLI_METRICS_LISTEN and LINLI_TRANSPORT."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    async with BotApiServer() as api:
        env = {
            **os.environ,
            "LINLI_BOT_TOKEN": api.token,
            "LINLI_BOT_API_URL": api.url,
            "LINLI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.sqlite3'}",
            "LINLI_METRICS_LISTEN": f"127.0.0.1:{port}",
            "LINLI_TRANSPORT": "httpx",
            "LINLI_LOG_LEVEL": "WARNING",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli.main", "run", env=env, cwd=tmp_path
        )
        try:
            running_linli = Running(api, None, f"http://127.0.0.1:{port}", None)  # type: ignore[arg-type]
            status, body = await _first_answer(running_linli, "/readyz")
            assert (status, body["status"]) == (200, "ready")
            samples = await running_linli.scrape()
            assert value(samples, "linli_bot_api_requests_total", method="getMe", outcome="ok") >= 1
        finally:
            process.terminate()
            await process.wait()
    assert process.returncode == 0


async def _first_answer(linli: Running, path: str) -> tuple[int, dict[str, Any]]:
    deadline = time.monotonic() + 60
    while True:
        try:
            return await linli.json(path)
        except aiohttp.ClientConnectionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
