"""The dispatcher's logs during an outage: each thing once, repeats counted, no traceback storm."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import make_url

from adapter.config import BreakerSettings, DatabaseTimeouts
from adapter.outbound.dispatcher import Dispatcher
from adapter.outbound.gateways import build_gateway
from adapter.persistence.database import Database
from adapter.persistence.unit_of_work import SqlUnitOfWork, SqlUnitsOfWork
from mock_insurer import running_mock_insurer
from tests.conftest import POSTGRES_URL, _fresh_postgres
from tests.harness import eventually, hub_settings, sign, sign_many, uscc_for
from tests.tcp_proxy import TcpProxy, proxy_to


@pytest.fixture
async def pg() -> AsyncIterator[Database]:
    await _fresh_postgres()
    db = Database(POSTGRES_URL)
    yield db
    await db.dispose()


def dispatcher_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("adapter.outbound")]


async def sent(db: Database) -> int:
    async with db.reading() as conn:
        return (await SqlUnitOfWork(conn).outbox.counts()).get("sent", 0)


async def test_an_insurer_outage_logs_a_few_lines_not_one_per_attempt(pg, caplog) -> None:
    caplog.set_level(logging.INFO)
    breaker = BreakerSettings(failure_threshold=5, probe_interval_seconds=0.02)
    async with running_mock_insurer() as mock:
        settings = hub_settings(POSTGRES_URL, insurer_url=mock.base_url, dispatcher=False,
                                breaker=breaker)
        await sign_many(pg, [(f"SA-LOG-{n:03d}", uscc_for(n)) for n in range(200)])
        await mock.set_fault("refuse", seconds=2.0)
        gateway = build_gateway(settings)
        stop = asyncio.Event()
        task = asyncio.create_task(Dispatcher(SqlUnitsOfWork(pg), gateway, settings).run(stop))
        try:
            await eventually(lambda: _sent(pg, 200), timeout=30, interval=0.05)
        finally:
            stop.set()
            await task
            await gateway.close()
    failed_attempts = await _attempts(pg)
    lines = dispatcher_lines(caplog)
    assert failed_attempts > 60, failed_attempts  # the outage really repeated itself
    assert len(lines) <= 8, [r.getMessage() for r in lines]
    assert not [r for r in lines if r.exc_info]
    messages = " | ".join(r.getMessage() for r in lines)
    assert "circuit opened" in messages and "circuit closed" in messages


async def test_a_database_outage_logs_no_traceback_storm(pg, caplog) -> None:
    """The dispatcher polls every 50 ms; refused for 3 s it used to log 60 tracebacks."""
    caplog.set_level(logging.INFO)
    async with running_mock_insurer() as mock, \
            proxy_to("127.0.0.1", make_url(POSTGRES_URL).port or 5432) as proxy:
        url = _through(proxy)
        settings = hub_settings(url, insurer_url=mock.base_url, dispatcher=False)
        hub_db = Database(url, timeouts=DatabaseTimeouts(connect_seconds=1, statement_seconds=2))
        gateway = build_gateway(settings)
        stop = asyncio.Event()
        dispatcher = Dispatcher(SqlUnitsOfWork(hub_db), gateway, settings)
        task = asyncio.create_task(dispatcher.run(stop))
        try:
            await proxy.refuse()
            await asyncio.sleep(3.0)
            await proxy.restore()
            await sign(pg, "SA-LOG-BACK")
            dispatcher.wake()
            await eventually(lambda: _sent(pg, 1), timeout=15, interval=0.1)
        finally:
            stop.set()
            await task
            await gateway.close()
            await hub_db.dispose()
    lines = [r for r in dispatcher_lines(caplog) if "cycle failed" in r.getMessage()]
    assert 1 <= len(lines) <= 2, [r.getMessage() for r in lines]
    assert not [r for r in dispatcher_lines(caplog) if r.exc_info]
    assert all(getattr(r, "error_code", None) == "E-STORE-UNAVAILABLE" for r in lines)


def _through(proxy: TcpProxy) -> str:
    return make_url(POSTGRES_URL).set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False)


async def _attempts(db: Database) -> int:
    from sqlalchemy import func, select

    from adapter.persistence.tables import timeline

    async with db.reading() as conn:
        return (await conn.execute(select(func.count()).select_from(timeline)
                                   .where(timeline.c.event == "attempt"))).scalar_one()


async def _sent(db: Database, expected: int) -> bool:
    return await sent(db) == expected
