"""Failed authentication backs off on every channel, portal writes are rate-limited, and the
limits are kept in memory by default or shared between hub processes through Redis."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from lxml import etree

from adapter.config import RateLimitSettings
from adapter.inbound.soap import SOAP11, envelope_bytes
from adapter.throttle import CLEAR_SECONDS
from tests.harness import (
    INSURER_AUTH,
    OPERATOR,
    RunningHub,
    hub_settings,
    portal_token,
    running_hub,
    stamp_document,
    uscc_for,
)

REDIS = "redis://127.0.0.1:6379/0"
STORAGES = pytest.mark.parametrize("storage", ["memory://", REDIS], ids=["memory", "redis"])
WRONG_BASIC = {"Authorization": aiohttp.encode_basic_auth("sinosure", "wrong")}


def _limits(storage: str, **values: str) -> RateLimitSettings:
    return RateLimitSettings(storage=storage, key_prefix=f"test-{uuid.uuid4().hex}", **values)


@asynccontextmanager
async def _hub(db_url: str, db: object, limits: RateLimitSettings) -> AsyncIterator[RunningHub]:
    async with running_hub(db, hub_settings(db_url, dispatcher=False, rate_limits=limits)) as hub:  # type: ignore[arg-type]
        yield hub


@asynccontextmanager
async def _client(address: str = "127.0.0.1") -> AsyncIterator[aiohttp.ClientSession]:
    """A client calling from ``address`` (any 127.x address is this machine)."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        yield session


async def _ops_status(session: aiohttp.ClientSession, hub: RunningHub,
                      headers: dict[str, str]) -> tuple[int, dict[str, str], dict[str, object]]:
    async with session.get(f"{hub.base_url}/ops/v1/inbox", headers=headers) as response:
        return response.status, dict(response.headers), await response.json()


@STORAGES
async def test_wrong_operator_tokens_lock_out_the_right_one_for_that_client_only(
        db_url, db, storage) -> None:
    async with _hub(db_url, db, _limits(storage, failed_authentication="5/minute")) as hub, \
            _client() as guesser, _client("127.0.0.2") as colleague:
        for _ in range(5):
            status, _headers, _body = await _ops_status(guesser, hub, {"Authorization": "Bearer guess"})
            assert status == 401
        status, headers, body = await _ops_status(guesser, hub, OPERATOR)
        assert status == 429
        assert body["errors"][0]["code"] == "E-AUTH-THROTTLED"  # type: ignore[index]
        assert 1 <= int(headers["Retry-After"]) <= 60
        status, _headers, _body = await _ops_status(colleague, hub, OPERATOR)
        assert status == 200


@STORAGES
async def test_wrong_basic_passwords_lock_out_the_insurer_channel(db_url, db, storage) -> None:
    document = stamp_document("SA-RATE-1")
    async with _hub(db_url, db, _limits(storage, failed_authentication="5/minute")) as hub, \
            _client() as session:
        url = f"{hub.base_url}/insurer/v1/documents/agreement-stamp"
        headers = {"Content-Type": "application/xml"}
        for _ in range(5):
            async with session.post(url, data=document, headers={**headers, **WRONG_BASIC}) as r:
                assert r.status == 401
        async with session.post(url, data=document, headers={**headers, **INSURER_AUTH}) as r:
            assert r.status == 429
            assert (await r.json())["errors"][0]["code"] == "E-AUTH-THROTTLED"
            assert "Retry-After" in r.headers


async def test_a_locked_out_soap_caller_gets_a_soap_fault_not_json(db_url, db) -> None:
    envelope = envelope_bytes(SOAP11, etree.fromstring(stamp_document("SA-RATE-2")))
    async with _hub(db_url, db, _limits("memory://", failed_authentication="3/minute")) as hub, \
            _client() as session:
        url = f"{hub.base_url}/insurer/soap"
        headers = {"Content-Type": "text/xml"}
        for _ in range(3):
            async with session.post(url, data=envelope, headers={**headers, **WRONG_BASIC}) as r:
                assert r.status == 401
        async with session.post(url, data=envelope, headers={**headers, **INSURER_AUTH}) as r:
            assert r.status == 429
            assert r.content_type == "text/xml"
            fault = etree.fromstring(await r.read()).find(".//{*}Fault")
            assert fault is not None
            assert fault.findtext("faultcode") == "soap:Client"
            assert fault.findtext("faultstring").startswith("E-AUTH-THROTTLED")
            assert "Retry-After" in r.headers


async def test_forged_portal_tokens_lock_out_the_portal_channel(db_url, db) -> None:
    async with _hub(db_url, db, _limits("memory://", failed_authentication="5/minute")) as hub, \
            _client() as session:
        url = f"{hub.base_url}/portal/v1/me"
        for _ in range(5):
            async with session.get(url, headers={"Authorization": "Bearer not.a.token"}) as r:
                assert r.status == 401
        async with session.get(url, headers=portal_token(hub.settings)) as r:
            assert r.status == 429
        async with session.get(f"{hub.base_url}/ops/v1/inbox", headers=OPERATOR) as r:
            assert r.status == 200  # another channel keeps its own count


async def test_requests_without_any_credential_are_plain_401s_and_count_nothing(db_url, db) -> None:
    async with _hub(db_url, db, _limits("memory://", failed_authentication="3/minute")) as hub, \
            _client() as session:
        for _ in range(10):
            status, _headers, _body = await _ops_status(session, hub, {})
            assert status == 401
        status, _headers, _body = await _ops_status(session, hub, OPERATOR)
        assert status == 200


async def test_each_spent_tier_makes_the_wait_longer(db_url, db) -> None:
    limits = _limits("memory://", failed_authentication="3/2 seconds;6/minute")
    async with _hub(db_url, db, limits) as hub, _client() as session:
        wrong = {"Authorization": "Bearer guess"}
        for _ in range(3):
            assert (await _ops_status(session, hub, wrong))[0] == 401
        status, headers, _body = await _ops_status(session, hub, OPERATOR)
        assert status == 429 and int(headers["Retry-After"]) <= 2
        await asyncio.sleep(2.1)
        for _ in range(3):
            assert (await _ops_status(session, hub, wrong))[0] == 401
        await asyncio.sleep(2.1)  # the short tier has passed again; the minute tier has not
        status, headers, _body = await _ops_status(session, hub, OPERATOR)
        assert status == 429 and int(headers["Retry-After"]) > 40


async def test_hub_processes_sharing_redis_share_the_lockout(db_url, db) -> None:
    limits = _limits(REDIS, failed_authentication="4/minute")
    async with _hub(db_url, db, limits) as first, _hub(db_url, db, limits) as second, \
            _client() as session:
        for hub in (first, second, first, second):
            assert (await _ops_status(session, hub, {"Authorization": "Bearer guess"}))[0] == 401
        assert (await _ops_status(session, second, OPERATOR))[0] == 429
        assert (await _ops_status(session, first, OPERATOR))[0] == 429


async def test_a_lockout_counted_by_another_process_holds_here_within_a_second(db_url, db) -> None:
    limits = _limits(REDIS, failed_authentication="3/minute")
    async with _hub(db_url, db, limits) as first, _hub(db_url, db, limits) as second, \
            _client() as session:
        assert (await _ops_status(session, second, OPERATOR))[0] == 200  # found clear here
        for _ in range(3):
            assert (await _ops_status(session, first, {"Authorization": "Bearer guess"}))[0] == 401
        await asyncio.sleep(CLEAR_SECONDS + 0.1)
        assert (await _ops_status(session, second, OPERATOR))[0] == 429


async def test_a_storage_that_is_down_lets_requests_through(db_url, db) -> None:
    limits = _limits("redis://127.0.0.1:9/0", failed_authentication="1/minute")
    async with _hub(db_url, db, limits) as hub, _client() as session:
        started = time.monotonic()
        for _ in range(3):
            assert (await _ops_status(session, hub, {"Authorization": "Bearer guess"}))[0] == 401
        assert (await _ops_status(session, hub, OPERATOR))[0] == 200
        assert time.monotonic() - started < 5


@STORAGES
async def test_portal_writes_are_limited_per_enterprise_user(db_url, db, storage) -> None:
    async with _hub(db_url, db, _limits(storage, portal_writes="3/minute")) as hub, \
            _client() as session:
        url = f"{hub.base_url}/portal/v1/data-authorization"
        busy = portal_token(hub.settings, uscc=uscc_for(7001))
        other = portal_token(hub.settings, uscc=uscc_for(7002))
        statuses = []
        for _ in range(4):
            async with session.post(url, json={"agree": "yes"}, headers=busy) as r:
                statuses.append(r.status)
                body = await r.json()
        assert statuses[:3] == [422, 422, 422] and statuses[3] == 429
        assert body["errors"][0]["code"] == "E-WRITES-THROTTLED"
        async with session.get(url, headers=busy) as r:
            assert r.status == 200  # reading is not writing
        async with session.post(url, json={"agree": "yes"}, headers=other) as r:
            assert r.status == 422
