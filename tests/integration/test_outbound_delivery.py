"""Documents leave through the outbox and reach the insurer once, whatever the insurer does."""

from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import select

from adapter.config import RetryPolicy
from adapter.domain.records import OutboxStatus
from adapter.persistence.tables import outbox
from adapter.persistence.unit_of_work import SqlUnitOfWork
from mock_insurer import running_mock_insurer
from tests.harness import OPERATOR, eventually, hub_settings, running_hub, sign
from tests.integration.test_soap_body_bytes import DECLARATION, soap_body

CHANNELS = {"rest": ("rest", "1.1"), "soap11": ("soap", "1.1"), "soap12": ("soap", "1.2")}


async def events(db, agreement_no: str) -> list[tuple[str, str | None]]:
    async with db.reading() as conn:
        return [(e.event, e.outcome) for e in await SqlUnitOfWork(conn).timeline.for_object(
            "agreement", agreement_no)]


async def outbox_status(db) -> dict[str, int]:
    async with db.reading() as conn:
        return await SqlUnitOfWork(conn).outbox.counts()


def settings_for(db_url: str, mock, channel: str = "rest", **overrides):
    kind, version = CHANNELS[channel]
    return hub_settings(db_url, insurer_url=mock.base_url, channel=kind, soap_version=version,
                        **overrides)


@pytest.mark.parametrize("channel", sorted(CHANNELS))
async def test_signed_agreement_reaches_the_insurer(db_url, db, channel) -> None:
    async with running_mock_insurer() as mock, running_hub(db, settings_for(db_url, mock, channel)) as hub:
        envelope = await sign(db, "SA-OUT-1")
        hub.dispatcher.wake()
        received = await eventually(lambda: _async(mock.store.get(envelope.business_serial)))
        await eventually(lambda: _sent(db, 1))
    assert received.message_id == envelope.message_id
    assert received.channel.startswith(CHANNELS[channel][0])
    assert mock.store.duplicate_count == 0
    assert ("message_sent", "delivered") in await events(db, "SA-OUT-1")


@pytest.mark.parametrize("channel", ["soap11", "soap12"])
async def test_the_committed_payload_is_what_the_insurer_finds_in_the_soap_body(
        db_url, db, channel) -> None:
    """Through the outbox and a retry: the bytes stored with the state change arrive."""
    async with running_mock_insurer() as mock, \
            running_hub(db, settings_for(db_url, mock, channel)) as hub:
        await mock.set_fault("soap_server", count=1)
        envelope = await sign(db, "SA-OUT-7")
        hub.dispatcher.wake()
        await eventually(lambda: _sent(db, 1))
    async with db.reading() as conn:
        stored = (await conn.execute(select(outbox.c.payload).where(
            outbox.c.message_id == envelope.message_id))).scalar_one()
    received = mock.store.get(envelope.business_serial)
    assert received is not None and received.deliveries == 1
    assert soap_body(received.raw, CHANNELS[channel][1]) == DECLARATION.sub(b"", stored)


async def test_refused_connections_are_retried_until_the_insurer_is_back(db_url, db) -> None:
    patient = RetryPolicy(max_attempts=30, max_total_seconds=20, initial_backoff_seconds=0.05,
                          max_backoff_seconds=0.3, request_timeout_seconds=2)
    async with running_mock_insurer() as mock, \
            running_hub(db, settings_for(db_url, mock, retry=patient)) as hub:
        await mock.set_fault("refuse", seconds=0.6)
        envelope = await sign(db, "SA-OUT-2")
        hub.dispatcher.wake()
        await eventually(lambda: _sent(db, 1))
    assert mock.store.get(envelope.business_serial) is not None
    history = await events(db, "SA-OUT-2")
    retries = [e for e in history if e == ("attempt", "retry")]
    assert len(retries) >= 1
    assert history[-1] == ("message_sent", "delivered")


async def test_soap_client_fault_is_a_dead_letter_at_once_and_replay_delivers(db_url, db) -> None:
    async with running_mock_insurer() as mock, \
            running_hub(db, settings_for(db_url, mock, "soap11")) as hub:
        await mock.set_fault("soap_client")
        envelope = await sign(db, "SA-OUT-3")
        hub.dispatcher.wake()
        await eventually(lambda: _counted(db, OutboxStatus.DEAD.value, 1))
        attempts = [e for e in await events(db, "SA-OUT-3") if e[0] == "attempt"]
        assert attempts == [("attempt", "failed")]
        async with aiohttp.ClientSession(headers=OPERATOR) as session:
            async with session.get(f"{hub.base_url}/ops/v1/dead-letters") as response:
                dead = (await response.json())["items"]
            assert [d["last_error_code"] for d in dead] == ["E-DELIVERY-SOAP-CLIENT"]
            await mock.set_fault("none")
            async with session.post(f"{hub.base_url}/ops/v1/dead-letters/{dead[0]['id']}/replay") as r:
                assert r.status == 202
        await eventually(lambda: _sent(db, 1))
    assert mock.store.get(envelope.business_serial).deliveries == 1
    history = await events(db, "SA-OUT-3")
    assert ("dead_letter", "E-DELIVERY-SOAP-CLIENT") in history
    assert history[-2:] == [("replayed", "pending"), ("message_sent", "delivered")]


@pytest.mark.parametrize("fault", ["drop_response", "malformed"])
async def test_lost_answer_is_resent_with_the_same_business_serial(db_url, db, fault) -> None:
    async with running_mock_insurer() as mock, running_hub(db, settings_for(db_url, mock)) as hub:
        await mock.set_fault(fault, count=1)
        envelope = await sign(db, "SA-OUT-4")
        hub.dispatcher.wake()
        await eventually(lambda: _sent(db, 1))
    assert mock.store.business_count == 1
    assert mock.store.duplicate_count == 1
    assert mock.store.get(envelope.business_serial).deliveries == 2


@pytest.mark.parametrize("fault", ["http500", "http429", "soap_server"])
async def test_server_side_failures_are_retried(db_url, db, fault) -> None:
    channel = "soap12" if fault == "soap_server" else "rest"
    async with running_mock_insurer() as mock, \
            running_hub(db, settings_for(db_url, mock, channel)) as hub:
        await mock.set_fault(fault, count=2)
        await sign(db, "SA-OUT-5")
        hub.dispatcher.wake()
        await eventually(lambda: _sent(db, 1))
    assert [e for e in await events(db, "SA-OUT-5") if e[0] == "attempt"] == [("attempt", "retry")] * 2
    assert mock.store.business_count == 1


async def test_retries_run_out_into_a_dead_letter(db_url, db) -> None:
    policy = RetryPolicy(max_attempts=3, max_total_seconds=10, initial_backoff_seconds=0.01,
                         max_backoff_seconds=0.05, request_timeout_seconds=2)
    async with running_mock_insurer() as mock, \
            running_hub(db, settings_for(db_url, mock, retry=policy)) as hub:
        await mock.set_fault("http500")
        await sign(db, "SA-OUT-6")
        hub.dispatcher.wake()
        await eventually(lambda: _counted(db, OutboxStatus.DEAD.value, 1))
    history = await events(db, "SA-OUT-6")
    assert [e for e in history if e[0] == "attempt"] == [("attempt", "retry")] * 3
    assert history[-1] == ("dead_letter", "E-DELIVERY-HTTP-500")


async def _async(value):
    return value


async def _counted(db, status: str, expected: int) -> bool:
    return (await outbox_status(db)).get(status, 0) == expected


async def _sent(db, expected: int) -> bool:
    return await _counted(db, OutboxStatus.SENT.value, expected)
