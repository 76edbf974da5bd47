"""The insurer's documents arrive over REST and SOAP: same effect, same answer, once."""

from __future__ import annotations

import asyncio

import aiohttp
import httpx
import pytest
import zeep
from lxml import etree
from sqlalchemy import select
from zeep.exceptions import Fault
from zeep.transports import AsyncTransport

from adapter.mappings import acknowledgement
from adapter.mappings.registry import DOCUMENT_TYPES
from adapter.persistence.tables import inbound_messages
from tests.harness import (
    INSURER_AUTH,
    hub_settings,
    post_rest,
    running_hub,
    sign,
    stamp_document,
    stamp_envelope,
    status_of,
    timeline_of,
)

HUB_WSDL_NS = "urn:swcredit:hub:wsdl:1"


async def zeep_client(base_url: str, soap_version: str = "1.1") -> tuple[zeep.AsyncClient, object]:
    """A zeep client built from the WSDL the running hub serves (loaded off the event loop)."""
    def build() -> zeep.AsyncClient:
        auth = ("sinosure", "insurer-secret")
        transport = AsyncTransport(client=httpx.AsyncClient(auth=auth), wsdl_client=httpx.Client())
        return zeep.AsyncClient(f"{base_url}/insurer/soap?wsdl", transport=transport,
                                settings=zeep.Settings(strict=True))
    client = await asyncio.to_thread(build)
    binding = "HubSoap12" if soap_version == "1.2" else "HubSoap11"
    return client, client.bind("CreditHub", binding)


async def push_soap(client: zeep.AsyncClient, service: object, document: bytes) -> etree._Element:
    """Send a built document through zeep; answer the acknowledgement element (or the fault's)."""
    root = etree.fromstring(document)
    value = client.get_element(root.tag).parse(root, client.wsdl.types)
    with client.settings(raw_response=True):
        response = await service.ReceiveAgreementStamp(Envelope=value.Envelope, Body=value.Body)
    envelope = etree.fromstring(response.content)
    body = envelope.find("{*}Body")
    fault = body.find("{*}Fault")
    if fault is not None:
        return fault.find(".//{urn:swcredit:acknowledgement:1}Acknowledgement")
    return body[0]


def ack_fields(element: etree._Element) -> dict[str, object]:
    ack = acknowledgement.from_element(element)
    return {"status": ack.status.value, "sender": ack.sender, "receiver": ack.receiver,
            "ref_type": ack.ref_message_type, "errors": [(e.code, e.path) for e in ack.errors]}


async def test_served_wsdl_has_one_operation_per_inbound_document(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        client, _service = await zeep_client(hub.base_url)
        operations = set(client.wsdl.bindings[f"{{{HUB_WSDL_NS}}}HubSoap11"]._operations)
        inbound = {t.soap_operation for t in DOCUMENT_TYPES if t.direction == "inbound"}
        assert operations == inbound
        address = client.wsdl.services["CreditHub"].ports["HubSoap11"].binding_options["address"]
        assert address == f"{hub.base_url}/insurer/soap"


@pytest.mark.parametrize("channel", ["rest", "soap11", "soap12"])
async def test_stamp_over_each_channel_signs_the_agreement(db_url, db, channel) -> None:
    await sign(db, "SA-CH-1")
    document = stamp_document("SA-CH-1")
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        if channel == "rest":
            async with aiohttp.ClientSession() as session:
                status, body = await post_rest(session, hub, document)
            assert status == 200
            fields = ack_fields(etree.fromstring(body))
        else:
            client, service = await zeep_client(hub.base_url, "1.2" if channel == "soap12" else "1.1")
            fields = ack_fields(await push_soap(client, service, document))
    assert fields == {"status": "ACCEPTED", "sender": "SWCREDIT", "receiver": "SINOSURE",
                      "ref_type": "AGREEMENT_STAMP", "errors": []}
    assert await status_of(db, "SA-CH-1") == "签约成功"
    async with db.reading() as conn:
        stored = (await conn.execute(select(inbound_messages))).one()
    assert stored.channel == ("rest" if channel == "rest" else channel)
    assert stored.message_id.encode() in stored.raw and b"SA-CH-1" in stored.raw
    if channel == "rest":
        assert stored.raw == document


async def test_rejection_reads_the_same_on_rest_and_soap(db_url, db) -> None:
    document = stamp_document("SA-NOPE")
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        async with aiohttp.ClientSession() as session:
            status, body = await post_rest(session, hub, document)
        client, service = await zeep_client(hub.base_url)
        soap_ack = await push_soap(client, service, stamp_document("SA-NOPE"))
        with pytest.raises(Fault) as fault:
            root = etree.fromstring(stamp_document("SA-NOPE"))
            value = client.get_element(root.tag).parse(root, client.wsdl.types)
            await service.ReceiveAgreementStamp(Envelope=value.Envelope, Body=value.Body)
    assert status == 422
    rest_fields = ack_fields(etree.fromstring(body))
    assert rest_fields["status"] == "REJECTED"
    assert rest_fields["errors"] == [("E-AGREEMENT-UNKNOWN", "/AgreementStamp/Body/AgreementNo")]
    assert ack_fields(soap_ack) == rest_fields
    assert "E-AGREEMENT-UNKNOWN" in fault.value.message
    assert fault.value.code.endswith("Client")


async def test_twenty_concurrent_deliveries_have_one_effect(db_url, db) -> None:
    await sign(db, "SA-DUP-1")
    document = stamp_document("SA-DUP-1")
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        answers = await asyncio.gather(*(post_rest(session, hub, document) for _ in range(20)))
    acks = [acknowledgement.from_element(etree.fromstring(body)) for _, body in answers]
    assert [status for status, _ in answers] == [200] * 20
    accepted = [ack for ack in acks if ack.status.value == "ACCEPTED"]
    duplicates = [ack for ack in acks if ack.status.value == "DUPLICATE"]
    assert len(accepted) == 1 and len(duplicates) == 19
    assert {ack.original_ack_id for ack in duplicates} == {accepted[0].ack_id}
    async with db.reading() as conn:
        rows = (await conn.execute(select(inbound_messages))).all()
        timeline = await _timeline(db, "SA-DUP-1")
    assert len(rows) == 1 and rows[0].duplicates == 19
    assert [e.event for e in timeline].count("state_changed") == 2  # signing, then stamped


async def test_second_stamp_is_recorded_and_changes_nothing(db_url, db) -> None:
    await sign(db, "SA-LATE-1")
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        await post_rest(session, hub, stamp_document("SA-LATE-1"))
        refused = stamp_document("SA-LATE-1", result="REFUSED", reason="印章不清晰",
                                 envelope=stamp_envelope("AS-SA-LATE-1-B"))
        status, _body = await post_rest(session, hub, refused)
    assert status == 200
    assert await status_of(db, "SA-LATE-1") == "签约成功"
    events = [e.event for e in await _timeline(db, "SA-LATE-1")]
    assert events[-1] == "receipt_ignored"


async def test_wrong_credential_is_refused_before_anything_is_read(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        async with session.post(f"{hub.base_url}/insurer/v1/documents/agreement-stamp",
                                data=b"<x/>",
                                headers={"Authorization": aiohttp.encode_basic_auth("sinosure", "guess")}) as r:
            assert r.status == 401
        async with session.post(f"{hub.base_url}/insurer/v1/documents/no-such-type",
                                data=b"<x/>", headers=INSURER_AUTH) as r:
            assert r.status == 404


async def _timeline(db, agreement_no: str):
    return await timeline_of(db, agreement_no)


async def test_pruned_message_id_is_processed_again_as_new(db_url, db) -> None:
    """Past the retention window the hub no longer remembers a message id (config, in days)."""
    from adapter.persistence.unit_of_work import SqlUnitsOfWork
    from adapter.service_layer.operations import prune_deduplication

    await sign(db, "SA-PRUNE-1")
    document = stamp_document("SA-PRUNE-1")
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        await post_rest(session, hub, document)
        assert await prune_deduplication(SqlUnitsOfWork(db), days=30) == 0
        assert await prune_deduplication(SqlUnitsOfWork(db), days=-1) == 1
        _status, body = await post_rest(session, hub, document)
    assert acknowledgement.from_element(etree.fromstring(body)).status.value == "ACCEPTED"
    async with db.reading() as conn:
        assert len((await conn.execute(select(inbound_messages))).all()) == 2
        events = [e.event for e in await _timeline(db, "SA-PRUNE-1")]
    assert events[-1] == "receipt_ignored"
