"""The insurer away: messages wait on its circuit instead of spending their attempts.

Time is shortened a hundredfold (the same code runs, only the settings shrink): a ten-minute
refusal lasts 6 s, the probe interval of 5 s is 50 ms, the retry budget of 300 s is 3 s.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapter.config import BreakerSettings, RetryPolicy
from adapter.domain.records import OutboxStatus
from adapter.outbound.dispatcher import Dispatcher
from adapter.outbound.gateways import build_gateway
from adapter.persistence.database import Database
from adapter.persistence.unit_of_work import SqlUnitOfWork, SqlUnitsOfWork
from mock_insurer import running_mock_insurer
from tests.conftest import POSTGRES_URL, _fresh_postgres
from tests.harness import OPERATOR, eventually, hub_settings, running_hub, sign, sign_many, uscc_for

SCALE = 0.01
OUTAGE = 600 * SCALE
PROBE = 5 * SCALE
SCALED_RETRY = RetryPolicy(max_attempts=8, max_total_seconds=300 * SCALE,
                           initial_backoff_seconds=0.5 * SCALE, max_backoff_seconds=30 * SCALE,
                           request_timeout_seconds=2)
SCALED_BREAKER = BreakerSettings(failure_threshold=5, probe_interval_seconds=PROBE)
BURST = 1000


@pytest.fixture
async def pg() -> AsyncIterator[Database]:
    await _fresh_postgres()
    db = Database(POSTGRES_URL)
    yield db
    await db.dispose()


def outage_settings(db_url: str, insurer_url: str, **overrides):
    values = {"retry": SCALED_RETRY, "breaker": SCALED_BREAKER, **overrides}
    return hub_settings(db_url, insurer_url=insurer_url, **values)


async def counts(db: Database) -> dict[str, int]:
    async with db.reading() as conn:
        return await SqlUnitOfWork(conn).outbox.counts()


async def attempts(db: Database, agreement_no: str | None = None) -> list[dict]:
    """Every failed attempt on the timelines, with its detail."""
    import json

    from sqlalchemy import select

    from adapter.persistence.tables import timeline

    query = select(timeline.c.object_id, timeline.c.detail, timeline.c.at).where(
        timeline.c.event == "attempt")
    if agreement_no:
        query = query.where(timeline.c.object_id == agreement_no)
    async with db.reading() as conn:
        rows = (await conn.execute(query)).all()
    return [{**json.loads(row.detail), "at": row.at} for row in rows]


class Scraped(dict):
    """Samples of one scrape: ``scraped("name", label=value)``."""

    def __call__(self, name: str, **labels: str) -> float:
        return self[(name, tuple(sorted(labels.items())))]


async def scrape(session: aiohttp.ClientSession, base_url: str) -> Scraped:
    async with session.get(f"{base_url}/metrics", headers=OPERATOR) as response:
        assert response.status == 200
        text = await response.text()
    return Scraped({(sample.name, tuple(sorted(sample.labels.items()))): sample.value
                    for family in text_string_to_metric_families(text)
                    for sample in family.samples})


async def test_ten_minutes_of_refused_connections_make_no_dead_letter_and_no_duplicate(pg) -> None:
    async with running_mock_insurer() as mock:
        settings = outage_settings(POSTGRES_URL, mock.base_url)
        await sign_many(pg, [(f"SA-OUT-{n:04d}", uscc_for(n)) for n in range(BURST)])
        await mock.set_fault("refuse", seconds=OUTAGE)
        down_at = time.monotonic()
        async with running_hub(pg, settings) as hub, aiohttp.ClientSession() as session:
            hub.dispatcher.wake()
            await eventually(lambda: _circuit_is(session, hub.base_url, "open"), timeout=OUTAGE)
            during = await scrape(session, hub.base_url)
            recovery = down_at + OUTAGE
            await eventually(lambda: _sent_at_least(pg, 1), timeout=OUTAGE + 5, interval=0.01)
            resumed = time.monotonic() - recovery
            await eventually(lambda: _sent_at_least(pg, BURST), timeout=60, interval=0.05)
            all_sent = time.monotonic() - recovery
            after = await scrape(session, hub.base_url)
            partner = await _partner_timeline(session, hub.base_url)
    assert (await counts(pg)) == {OutboxStatus.SENT.value: BURST}
    assert mock.store.business_count == BURST and mock.store.duplicate_count == 0
    assert resumed <= 2 * PROBE + 1.0, f"first delivery {resumed:.2f} s after the insurer returned"
    assert all_sent <= 60, f"all delivered {all_sent:.1f} s after the insurer returned"
    failed = await attempts(pg)
    concurrency, threshold = settings.dispatcher.concurrency, SCALED_BREAKER.failure_threshold
    # The sends in flight when the refusals began, the threshold's, then one probe per interval.
    assert len(failed) <= concurrency + threshold + OUTAGE / PROBE + 2, len(failed)
    assert all(a["error_code"] == "E-DELIVERY-CONNECTION" for a in failed)
    assert sum(a["probe"] for a in failed) >= OUTAGE / PROBE / 2  # the circuit kept asking
    # open, or half open while a probe is out (every 50 ms here)
    assert during("hub_partner_circuit_state", partner="SINOSURE", state="open") + \
        during("hub_partner_circuit_state", partner="SINOSURE", state="half_open") == 1
    assert during("hub_partner_circuit_state", partner="SINOSURE", state="closed") == 0
    assert during("hub_outbox_backlog_messages", status="pending") > 0
    assert after("hub_partner_circuit_state", partner="SINOSURE", state="closed") == 1
    assert after("hub_outbox_sends_total", partner="SINOSURE", outcome="delivered") == BURST
    assert after("hub_outbox_sends_total", partner="SINOSURE", outcome="unreachable") == len(failed)
    assert after("hub_outbox_dead_letters") == 0
    assert [e["event"] for e in partner] == ["circuit_opened", "circuit_closed"]


async def test_the_probe_rate_holds_for_all_dispatchers_sharing_the_database(pg) -> None:
    """Three dispatchers, one shared circuit: one probe per interval between them, not three."""
    outage, probe = 2.0, 0.1
    breaker = BreakerSettings(failure_threshold=2, probe_interval_seconds=probe)
    async with running_mock_insurer() as mock:
        settings = outage_settings(POSTGRES_URL, mock.base_url, breaker=breaker, dispatcher=False)
        await sign_many(pg, [(f"SA-PRB-{n:03d}", uscc_for(n)) for n in range(60)])
        await mock.set_fault("refuse", seconds=outage)
        stop = asyncio.Event()
        gateways = [build_gateway(settings) for _ in range(3)]
        dispatchers = [Dispatcher(SqlUnitsOfWork(pg), g, settings) for g in gateways]
        tasks = [asyncio.create_task(d.run(stop)) for d in dispatchers]
        try:
            await eventually(lambda: _sent_at_least(pg, 60), timeout=outage + 20, interval=0.05)
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            for gateway in gateways:
                await gateway.close()
    probes = [a for a in await attempts(pg) if a["probe"]]
    assert 0 < len(probes) <= outage / probe + 3, len(probes)
    assert mock.store.duplicate_count == 0 and (await counts(pg)) == {"sent": 60}


async def test_a_refusal_by_the_insurer_is_still_a_dead_letter_at_once(db_url, db) -> None:
    async with running_mock_insurer() as mock, \
            running_hub(db, outage_settings(db_url, mock.base_url, channel="soap")) as hub:
        await mock.set_fault("soap_client")
        await sign(db, "SA-REF-1")
        hub.dispatcher.wake()
        await eventually(lambda: _counted(db, OutboxStatus.DEAD.value, 1))
        async with aiohttp.ClientSession(headers=OPERATOR) as session, \
                session.get(f"{hub.base_url}/health/ready") as response:
            ready = await response.json()
    assert ready["dead_letters"] == 1
    assert ready["partners"]["SINOSURE"]["circuit"] == "closed"  # it answered: reachable
    assert [a["error_code"] for a in await attempts(db, "SA-REF-1")] == ["E-DELIVERY-SOAP-CLIENT"]


async def test_a_replayed_dead_letter_gets_a_fresh_attempt_budget(db_url, db) -> None:
    policy = RetryPolicy(max_attempts=3, max_total_seconds=10, initial_backoff_seconds=0.01,
                         max_backoff_seconds=0.05, request_timeout_seconds=2)
    async with running_mock_insurer() as mock, \
            running_hub(db, outage_settings(db_url, mock.base_url, retry=policy)) as hub:
        await mock.set_fault("http500")
        await sign(db, "SA-RPL-1")
        hub.dispatcher.wake()
        await eventually(lambda: _counted(db, OutboxStatus.DEAD.value, 1))
        await mock.set_fault("http500", count=2)  # two more failures, then it takes it
        async with aiohttp.ClientSession(headers=OPERATOR) as session:
            async with session.get(f"{hub.base_url}/ops/v1/dead-letters") as response:
                [dead] = (await response.json())["items"]
            async with session.post(f"{hub.base_url}/ops/v1/dead-letters/{dead['id']}/replay") as r:
                assert r.status == 202
        await eventually(lambda: _counted(db, OutboxStatus.SENT.value, 1))
    failed = await attempts(db, "SA-RPL-1")
    assert [a["attempt"] for a in failed] == [1, 2, 3, 4, 5]  # 3, then 2 of the fresh 3
    assert mock.store.business_count == 1


async def test_a_message_that_outlives_the_maximum_age_is_a_dead_letter(db_url, db) -> None:
    breaker = BreakerSettings(failure_threshold=1, probe_interval_seconds=0.1,
                              max_message_age_seconds=1.0)
    async with running_mock_insurer() as mock, \
            running_hub(db, outage_settings(db_url, mock.base_url, breaker=breaker)) as hub:
        await mock.set_fault("refuse")
        await sign(db, "SA-AGE-1")
        hub.dispatcher.wake()
        await eventually(lambda: _counted(db, OutboxStatus.DEAD.value, 1), timeout=10)
        async with db.reading() as conn:
            [dead] = await SqlUnitOfWork(conn).outbox.listing(status=OutboxStatus.DEAD, limit=5,
                                                              before_id=None)
            events = [(e.event, e.outcome) for e in await SqlUnitOfWork(conn).timeline.for_object(
                "agreement", "SA-AGE-1")]
    assert dead.last_error_code == "E-DELIVERY-EXPIRED"
    assert events[-1] == ("dead_letter", "E-DELIVERY-EXPIRED")


async def _circuit_is(session: aiohttp.ClientSession, base_url: str, state: str) -> bool:
    async with session.get(f"{base_url}/health/ready") as response:
        body = await response.json()
    return body["partners"]["SINOSURE"]["circuit"] == state


async def _partner_timeline(session: aiohttp.ClientSession, base_url: str) -> list[dict]:
    async with session.get(f"{base_url}/ops/v1/timeline/partner/SINOSURE", headers=OPERATOR) as r:
        return (await r.json())["entries"]


async def _sent_at_least(db: Database, expected: int) -> bool:
    return (await counts(db)).get(OutboxStatus.SENT.value, 0) >= expected


async def _counted(db: Database, status: str, expected: int) -> bool:
    return (await counts(db)).get(status, 0) == expected
