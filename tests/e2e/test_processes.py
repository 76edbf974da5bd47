"""Whole processes on PostgreSQL: a hard kill mid-burst loses nothing, two dispatchers double nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import distinct, func, select

from adapter.config import REPO_ROOT
from adapter.domain.records import OutboxStatus
from adapter.persistence.database import Database
from adapter.persistence.tables import outbox as outbox_table
from adapter.persistence.unit_of_work import SqlUnitOfWork
from tests.conftest import POSTGRES_URL, _fresh_postgres
from tests.harness import eventually, sign_many, uscc_for

BURST = 500


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def process(*args: str, env: dict[str, str] | None = None,
            log: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    sink = log.open("wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, *args], cwd=REPO_ROOT, env={**os.environ, **(env or {})},
                            stdout=sink, stderr=sink)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if log:
            sink.close()  # type: ignore[union-attr]


@pytest.fixture
async def pg() -> AsyncIterator[Database]:
    await _fresh_postgres()
    db = Database(POSTGRES_URL)
    yield db
    await db.dispose()


@pytest.fixture
def insurer() -> Iterator[tuple[str, str]]:
    port, admin = free_port(), free_port()
    with process("-m", "mock_insurer", "serve", "--port", str(port), "--admin-port", str(admin)):
        yield f"http://127.0.0.1:{port}", f"http://127.0.0.1:{admin}"


def hub_env(insurer_url: str, **extra: str) -> dict[str, str]:
    # The processes run on the demo secrets the tests sign with: demo mode says so and starts.
    return {"HUB_DATABASE_URL": POSTGRES_URL, "HUB_PORT": str(free_port()), "HUB_LOG_JSON": "false",
            "HUB_DEMO": "true",
            "HUB_INSURER__REST_BASE_URL": f"{insurer_url}/api/v1/documents",
            "HUB_DISPATCHER__LEASE_SECONDS": "2", "HUB_DISPATCHER__IDLE_POLL_SECONDS": "0.05",
            "HUB_RETRY__INITIAL_BACKOFF_SECONDS": "0.05", "HUB_RETRY__MAX_BACKOFF_SECONDS": "0.5",
            **extra}


async def queue_burst(db: Database, count: int) -> set[str]:
    envelopes = await sign_many(db, [(f"SA-BURST-{n:04d}", uscc_for(n)) for n in range(count)])
    return {envelope.business_serial for envelope in envelopes}


async def received(admin_url: str) -> dict:
    async with aiohttp.ClientSession() as session:
        for _ in range(50):
            try:
                async with session.get(f"{admin_url}/admin/received") as response:
                    return await response.json()
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    raise AssertionError("mock insurer's admin port does not answer")


async def set_fault(admin_url: str, mode: str, **fields: float) -> None:
    async with aiohttp.ClientSession() as session, \
            session.put(f"{admin_url}/admin/fault", json={"mode": mode, **fields}) as response:
        assert response.status == 200


async def sent_count(db: Database) -> int:
    async with db.reading() as conn:
        return (await SqlUnitOfWork(conn).outbox.counts()).get(OutboxStatus.SENT.value, 0)


async def test_hard_kill_mid_burst_loses_no_message(pg, insurer) -> None:
    insurer_url, admin_url = insurer
    serials = await queue_burst(pg, BURST)
    await received(admin_url)
    await set_fault(admin_url, "slow", seconds=0.02)
    env = hub_env(insurer_url, HUB_DISPATCHER__CONCURRENCY="4")
    with process("-m", "adapter", "serve", env=env) as hub:
        await eventually(lambda: _at_least(admin_url, 40), timeout=30)
        hub.send_signal(signal.SIGKILL)
        hub.wait(timeout=10)
    before_restart = (await received(admin_url))["business_count"]
    assert 0 < before_restart < BURST, "the kill must land in the middle of the burst"
    await set_fault(admin_url, "none")
    with process("-m", "adapter", "serve", env=env):
        await eventually(lambda: _all_sent(pg), timeout=60, interval=0.2)
    summary = await received(admin_url)
    assert {m["business_serial"] for m in summary["messages"]} == serials
    assert summary["business_count"] == BURST
    # At least once: only what was in flight (4) or delivered but not yet marked (at most one
    # cycle's worth, 4) at the kill may arrive twice.
    assert summary["duplicate_count"] <= 8


async def test_two_dispatcher_processes_send_no_message_twice(pg, insurer, tmp_path) -> None:
    insurer_url, admin_url = insurer
    await received(admin_url)
    env = hub_env(insurer_url, HUB_DISPATCHER__LEASE_SECONDS="60", HUB_DISPATCHER__BATCH_SIZE="10")
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with process("-m", "adapter", "dispatch", env=env, log=logs[0]), \
            process("-m", "adapter", "dispatch", env=env, log=logs[1]):
        # Both must be claiming before the burst lands, or one could take it all.
        await eventually(lambda: _started(logs), timeout=30)
        serials = await queue_burst(pg, BURST)
        await eventually(lambda: _all_sent(pg), timeout=60, interval=0.2)
    summary = await received(admin_url)
    assert summary["business_count"] == BURST
    assert summary["duplicate_count"] == 0
    assert {m["business_serial"] for m in summary["messages"]} == serials
    async with pg.reading() as conn:
        workers = (await conn.execute(select(func.count(distinct(outbox_table.c.claimed_by))))).scalar()
    assert workers == 2


async def _started(logs: list[Path]) -> bool:
    return all(log.exists() and b"dispatcher started" in log.read_bytes() for log in logs)


async def _at_least(admin_url: str, count: int) -> bool:
    return (await received(admin_url))["business_count"] >= count


async def _all_sent(db: Database) -> bool:
    return await sent_count(db) == BURST
