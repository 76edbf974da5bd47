"""The database away: inbound answers 503 at once, stores nothing, and recovers by itself.

A TCP proxy of the tests' own sits between the hub and PostgreSQL; the shared server is
never stopped. "Refusing" closes the proxy's port; "stalled" keeps every connection open
and forwards nothing, the case a statement timeout exists for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from lxml import etree
from sqlalchemy import select
from sqlalchemy.engine import make_url

from adapter.config import DatabaseTimeouts
from adapter.domain.exchange import Envelope
from adapter.inbound.soap import SOAP11, SOAP12, envelope_bytes
from adapter.mappings import acknowledgement
from adapter.persistence.database import Database
from adapter.persistence.tables import inbound_messages
from tests.conftest import POSTGRES_URL, _fresh_postgres
from tests.harness import (
    INSURER_AUTH,
    RunningHub,
    hub_settings,
    portal_token,
    post_rest,
    running_hub,
    sign_many,
    stamp_document,
    stamp_envelope,
    status_of,
    uscc_for,
)
from tests.tcp_proxy import TcpProxy, proxy_to


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    """PostgreSQL only: SQLite is a file, it has no connection to lose."""
    await _fresh_postgres()
    database = Database(POSTGRES_URL)
    yield database
    await database.dispose()



def _agreements(prefix: str, count: int, first: int) -> list[tuple[str, str]]:
    """(number, USCC) of ``count`` agreements, each enterprise its own."""
    return [(f"{prefix}-{n}", uscc_for(first + n)) for n in range(count)]


def _documents(agreements: list[tuple[str, str]]) -> list[tuple[str, bytes]]:
    """(message id, stamp) for each agreement, signed beforehand."""
    found = []
    for number, uscc in agreements:
        envelope: Envelope = stamp_envelope(f"AS-{number}")
        found.append((envelope.message_id,
                      stamp_document(number, uscc=uscc, envelope=envelope)))
    return found


async def _post_soap(session: aiohttp.ClientSession, hub: RunningHub, document: bytes,
                     ns: str) -> tuple[int, bytes]:
    body = envelope_bytes(ns, etree.fromstring(document))
    content_type = "text/xml" if ns == SOAP11 else "application/soap+xml"
    async with session.post(f"{hub.base_url}/insurer/soap", data=body,
                            headers={**INSURER_AUTH, "Content-Type": content_type}) as response:
        return response.status, await response.read()


def _ack_code(answer: bytes) -> tuple[str, list[str]]:
    root = etree.fromstring(answer)
    element = root if root.tag.endswith("Acknowledgement") else root.find(
        ".//{urn:swcredit:acknowledgement:1}Acknowledgement")
    ack = acknowledgement.from_element(element)
    return ack.status.value, [error.code for error in ack.errors]


async def _send_all(hub: RunningHub, documents: list[tuple[str, bytes]]
                    ) -> list[tuple[int, bytes, float]]:
    """Half over REST, a quarter over SOAP 1.1, a quarter over SOAP 1.2, all at once."""
    async with aiohttp.ClientSession() as session:
        async def one(index: int, document: bytes) -> tuple[int, bytes, float]:
            started = time.monotonic()
            if index % 2 == 0:
                status, answer = await post_rest(session, hub, document)
            else:
                status, answer = await _post_soap(session, hub, document,
                                                  SOAP11 if index % 4 == 1 else SOAP12)
            return status, answer, time.monotonic() - started
        return await asyncio.gather(*(one(i, doc) for i, (_, doc) in enumerate(documents)))


def _through(proxy: TcpProxy) -> str:
    return make_url(POSTGRES_URL).set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False)


async def _stored(db: Database, message_ids: list[str]) -> set[str]:
    async with db.reading() as conn:
        rows = await conn.execute(select(inbound_messages.c.message_id)
                                  .where(inbound_messages.c.message_id.in_(message_ids)))
        return {row.message_id for row in rows}


def _assert_unavailable(results: list[tuple[int, bytes, float]], within: float) -> None:
    for status, answer, seconds in results:
        assert status in (503, 500), (status, answer[:300])  # SOAP 1.1 faults travel as 500
        assert _ack_code(answer) == ("REJECTED", ["E-HUB-UNAVAILABLE"])
        assert seconds < within, seconds
    assert any(b"soap:Server" in answer for _, answer, _ in results)
    assert any(b"soap:Receiver" in answer for _, answer, _ in results)


async def test_database_refusing_connections_answers_503_at_once_and_stores_nothing(db) -> None:
    out, back = _agreements("SA-OUT", 50, 1), _agreements("SA-BACK", 50, 100)
    await sign_many(db, out + back)
    refused, later = _documents(out), _documents(back)
    async with proxy_to("127.0.0.1", make_url(POSTGRES_URL).port or 5432) as proxy:
        hub_db = Database(_through(proxy), timeouts=DatabaseTimeouts())
        try:
            async with running_hub(hub_db, hub_settings(_through(proxy), dispatcher=False)) as hub:
                await proxy.refuse()
                _assert_unavailable(await _send_all(hub, refused), within=5.0)
                async with aiohttp.ClientSession() as session, session.get(
                        f"{hub.base_url}/health/ready") as ready:
                    assert ready.status == 503
                await proxy.restore()
                results = await _send_all(hub, later)
                assert [status for status, _, _ in results] == [200] * 50
                assert {_ack_code(answer)[0] for _, answer, _ in results} == {"ACCEPTED"}
        finally:
            await hub_db.dispose()
    assert await _stored(db, [message_id for message_id, _ in refused]) == set()
    assert await _stored(db, [message_id for message_id, _ in later]) == {m for m, _ in later}
    assert await status_of(db, "SA-OUT-0") == "保险公司签约中"
    assert await status_of(db, "SA-BACK-0") == "签约成功"


async def test_database_stalled_on_open_connections_turns_503_and_recovers(db) -> None:
    """Every connection open but silent: statements time out, the connections are thrown
    away, readiness says so, and once the database answers again all works, no restart."""
    stall, after = _agreements("SA-STALL", 8, 1), _agreements("SA-AFTER", 8, 100)
    await sign_many(db, stall + after)
    timeouts = DatabaseTimeouts(connect_seconds=1, statement_seconds=1, pool_wait_seconds=1,
                                inbound_deadline_seconds=1.5)
    stalled, later = _documents(stall), _documents(after)
    async with proxy_to("127.0.0.1", make_url(POSTGRES_URL).port or 5432) as proxy:
        hub_db = Database(_through(proxy), timeouts=timeouts)
        settings = hub_settings(_through(proxy), dispatcher=False, database_timeouts=timeouts)
        try:
            async with running_hub(hub_db, settings) as hub, aiohttp.ClientSession() as session:
                async with session.get(f"{hub.base_url}/health/ready") as ready:
                    assert ready.status == 200  # the pool holds a live connection now
                proxy.stall()
                started = time.monotonic()
                async with session.get(f"{hub.base_url}/health/ready") as ready:
                    assert ready.status == 503
                assert time.monotonic() - started < 2 * timeouts.statement_seconds + 1
                # one statement timeout, plus the queue's deadline, plus a connect timeout
                _assert_unavailable(await _send_all(hub, stalled), within=4.5)
                await proxy.restore()
                results = await _send_all(hub, later)
                assert [status for status, _, _ in results] == [200] * 8
                async with session.get(f"{hub.base_url}/health/ready") as ready:
                    assert ready.status == 200
        finally:
            await hub_db.dispose()
    assert await _stored(db, [message_id for message_id, _ in stalled]) == set()
    assert await status_of(db, "SA-AFTER-7") == "签约成功"


async def test_portal_reads_while_the_database_stalls_answer_503_in_bounded_time(db) -> None:
    """More searches than a process lets be at the database at once, all while it is silent:
    those at the database time out, those waiting for a turn give up at the pool's wait, every
    one is a 503 within a few seconds, and once it answers the same search works again."""
    timeouts = DatabaseTimeouts(connect_seconds=1, statement_seconds=1, pool_wait_seconds=1,
                                inbound_deadline_seconds=1.5)
    async with proxy_to("127.0.0.1", make_url(POSTGRES_URL).port or 5432) as proxy:
        hub_db = Database(_through(proxy), timeouts=timeouts, reads_in_flight=4)
        settings = hub_settings(_through(proxy), dispatcher=False, database_timeouts=timeouts)
        search = "/portal/v1/risk-articles?keyword=美国"
        try:
            async with running_hub(hub_db, settings) as hub, \
                    aiohttp.ClientSession(headers=portal_token(hub.settings)) as session:
                async def ask() -> tuple[int, str, float]:
                    started = time.monotonic()
                    async with session.get(f"{hub.base_url}{search}") as response:
                        body = await response.json()
                        codes = [e["code"] for e in body.get("errors", [])]
                        return response.status, ",".join(codes), time.monotonic() - started

                assert (await ask())[0] == 200
                proxy.stall()
                answers = await asyncio.gather(*(ask() for _ in range(12)))
                assert {(status, codes) for status, codes, _ in answers} == \
                    {(503, "E-STORE-UNAVAILABLE")}
                assert max(seconds for _, _, seconds in answers) < 4.5
                await proxy.restore()
                assert [(await ask())[0] for _ in range(6)] == [200] * 6
        finally:
            await hub_db.dispose()
