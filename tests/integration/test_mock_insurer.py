"""The mock insurer on real loopback sockets: both channels, dedup, rejections, faults, push."""

from __future__ import annotations

import asyncio
import copy
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests
from aiohttp import web
from lxml import etree
from zeep import Client
from zeep import Settings as ZeepSettings
from zeep.exceptions import Fault, TransportError
from zeep.transports import Transport

from mock_insurer import MockInsurer, running_mock_insurer
from mock_insurer.ack import ACCEPTED, REJECTED, DocumentRef, build_ack
from mock_insurer.catalogue import (
    ANSWERED_TYPES,
    PUSHED_TYPES,
    RECEIVED_TYPES,
    SchemaSet,
    by_root,
)
from mock_insurer.documents import agreement_stamp, validate
from mock_insurer.push import HubSoapClient, basic_auth, push
from mock_insurer.soap import SOAP11, FaultKind, body_payload, envelope, fault, version_for
from mock_insurer.xmlsafe import parse_untrusted

REPO = Path(__file__).resolve().parents[2]
SA = "urn:swcredit:signed-agreement:1"
C = "urn:swcredit:common:1"
ACK = "urn:swcredit:acknowledgement:1"
USCC = "91350100M000100Y43"
HUB_AUTH = {"Authorization": basic_auth("hub", "hub-secret")}
REST_PATH = "/api/v1/documents/signed-agreement"
SOAP_PORTS = {"1.1": "InsurerSoap11", "1.2": "InsurerSoap12"}


# --- documents -------------------------------------------------------------------------


def signed_agreement(
    serial: str = "BS-0001", message_id: str = "MSG-0001", uscc: str = USCC
) -> etree._Element:
    """A SignedAgreement as the hub sends it: envelope and enterprise fields are in c:."""
    root = etree.Element(f"{{{SA}}}SignedAgreement", nsmap={"sa": SA, "c": C})
    env = etree.SubElement(root, f"{{{SA}}}Envelope")
    for name, value in (
        ("MessageId", message_id),
        ("MessageType", "SIGNED_AGREEMENT"),
        ("SchemaVersion", "1.0"),
        ("CorrelationId", f"COR-{serial}"),
        ("BusinessSerial", serial),
        ("Sender", "SWCREDIT"),
        ("Receiver", "SINOSURE"),
        ("SentAt", "2024-05-01T10:00:00+08:00"),
    ):
        etree.SubElement(env, f"{{{C}}}{name}").text = value
    body = etree.SubElement(root, f"{{{SA}}}Body")
    etree.SubElement(body, f"{{{SA}}}AgreementNo").text = "AG-2024-0001"
    etree.SubElement(body, f"{{{SA}}}AgreementVersion").text = "1.0"
    enterprise = etree.SubElement(body, f"{{{SA}}}Enterprise")
    etree.SubElement(enterprise, f"{{{C}}}Name").text = "厦门示例进出口有限公司"
    etree.SubElement(enterprise, f"{{{C}}}Uscc").text = uscc
    etree.SubElement(body, f"{{{SA}}}SignerName").text = "张三"
    etree.SubElement(body, f"{{{SA}}}SignedAt").text = "2024-05-01T09:58:00+08:00"
    seal = etree.SubElement(body, f"{{{SA}}}Seal")
    etree.SubElement(seal, f"{{{SA}}}SealId").text = "SEAL-0001"
    etree.SubElement(seal, f"{{{SA}}}SealType").text = "公司"
    etree.SubElement(seal, f"{{{SA}}}ValidUntil").text = "2030-12-31"
    return root


def to_bytes(root: etree._Element) -> bytes:
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


def ack_of(data: bytes) -> etree._Element:
    root = etree.fromstring(data)
    ack = (
        root
        if root.tag == f"{{{ACK}}}Acknowledgement"
        else next(root.iter(f"{{{ACK}}}Acknowledgement"))
    )
    assert SchemaSet(REPO / "xsd").validate(ack, "acknowledgement.xsd") == []
    return ack


def field(ack: etree._Element, name: str) -> str | None:
    value: str | None = ack.findtext(f"{{{ACK}}}{name}")
    return value


def error_codes(ack: etree._Element) -> list[str]:
    return [e.findtext(f"{{{ACK}}}Code") or "" for e in ack.iterfind(f"{{{ACK}}}Error")]


# --- fixtures and clients ----------------------------------------------------------------


@pytest.fixture
async def mock() -> AsyncIterator[MockInsurer]:
    async with running_mock_insurer() as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session


async def post_rest(
    http: aiohttp.ClientSession,
    mock: MockInsurer,
    body: bytes,
    auth: dict[str, str] | None = HUB_AUTH,
    path: str = REST_PATH,
) -> tuple[int, bytes, Any]:
    headers = {"Content-Type": "application/xml", **(auth or {})}
    async with http.post(mock.base_url + path, data=body, headers=headers) as response:
        return response.status, await response.read(), response.headers


async def set_fault(
    http: aiohttp.ClientSession, mock: MockInsurer, **fault_: Any
) -> dict[str, Any]:
    async with http.put(f"{mock.admin_url}/admin/fault", json=fault_) as response:
        assert response.status == 200, await response.text()
        result: dict[str, Any] = await response.json()
        return result


async def admin_get(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url) as response:
        assert response.status == 200
        return await response.json()


def zeep_submit(wsdl_url: str, soap_version: str, document: etree._Element) -> Any:
    """Blocking: a strict zeep client built from the served WSDL submits ``document``."""
    session = requests.Session()
    session.auth = ("hub", "hub-secret")
    transport = Transport(session=session, timeout=5, operation_timeout=5)  # type: ignore[no-untyped-call]
    settings = ZeepSettings(strict=True, forbid_dtd=True)
    client = Client(wsdl_url, transport=transport, settings=settings)  # type: ignore[no-untyped-call]
    element = client.get_element(f"{{{SA}}}SignedAgreement")  # type: ignore[no-untyped-call]
    value = element.parse(document, client.wsdl.types)
    service = client.bind("InsurerGateway", SOAP_PORTS[soap_version])
    return service.SubmitSignedAgreement(**{name: value[name] for name in value})


async def submit_soap(mock: MockInsurer, soap_version: str, document: etree._Element) -> Any:
    return await asyncio.to_thread(zeep_submit, mock.wsdl_url, soap_version, document)


# --- contracts ---------------------------------------------------------------------------


def test_tables_match_the_wsdls() -> None:
    """One table row per WSDL operation, with the same SOAP action and input element."""
    ns = {
        "w": "http://schemas.xmlsoap.org/wsdl/",
        "s": "http://schemas.xmlsoap.org/wsdl/soap/",
    }
    for wsdl_name, types in (("insurer.wsdl", (*RECEIVED_TYPES, *ANSWERED_TYPES)),
                             ("hub.wsdl", PUSHED_TYPES)):
        wsdl = etree.parse(str(REPO / "contracts" / wsdl_name)).getroot()
        operations = wsdl.xpath("w:binding[1]/w:operation", namespaces=ns)
        assert len(operations) == len(types)
        for operation in operations:
            doc_type = next(t for t in types if t.soap_operation == operation.get("name"))
            action = operation.find("s:operation", ns).get("soapAction")
            assert action == doc_type.soap_action
            assert (REPO / "xsd" / doc_type.xsd).exists()


async def test_wsdl_and_schemas_are_served(mock: MockInsurer, http: aiohttp.ClientSession) -> None:
    async with http.get(mock.wsdl_url) as response:
        assert response.status == 200
        wsdl = etree.fromstring(await response.read())
    locations = wsdl.xpath("//*[local-name()='address']/@location")
    assert locations == [mock.soap_url, mock.soap_url]
    async with http.get(f"{mock.base_url}/xsd/common.xsd") as response:
        assert response.status == 200
        assert (await response.read()) == (REPO / "xsd" / "common.xsd").read_bytes()
    for bad in ("/xsd/nope.xsd", "/xsd/..%2Fpyproject.toml", "/xsd/%2E%2E%2Fcontracts%2Fhub.wsdl"):
        async with http.get(mock.base_url + bad) as response:
            assert response.status == 404, bad


# --- REST --------------------------------------------------------------------------------


async def test_rest_delivery_then_duplicate(mock: MockInsurer, http: aiohttp.ClientSession) -> None:
    status, body, _ = await post_rest(http, mock, to_bytes(signed_agreement("BS-REST")))
    assert status == 200
    first = ack_of(body)
    assert field(first, "Status") == ACCEPTED
    assert field(first, "Sender") == "SINOSURE"
    assert field(first, "Receiver") == "SWCREDIT"
    assert field(first, "RefBusinessSerial") == "BS-REST"

    # A resend with a new message id but the same business serial is a duplicate.
    status, body, _ = await post_rest(http, mock, to_bytes(signed_agreement("BS-REST", "MSG-2")))
    assert status == 200
    again = ack_of(body)
    assert field(again, "Status") == "DUPLICATE"
    assert field(again, "OriginalAckId") == field(first, "AckId")

    received = await admin_get(http, f"{mock.admin_url}/admin/received")
    assert received["business_count"] == 1
    assert received["duplicate_count"] == 1
    [message] = received["messages"]
    assert message["business_serial"] == "BS-REST"
    assert message["message_type"] == "SIGNED_AGREEMENT"
    assert message["message_id"] == "MSG-0001"
    assert message["channel"] == "rest"
    assert message["deliveries"] == 2
    detail = await admin_get(http, f"{mock.admin_url}/admin/received/BS-REST")
    assert "厦门示例进出口有限公司" in detail["document"]
    record = mock.store.get("BS-REST")
    assert record is not None and record.ack_id == field(first, "AckId")


async def test_rest_rejects_invalid_documents(
    mock: MockInsurer, http: aiohttp.ClientSession
) -> None:
    status, body, _ = await post_rest(http, mock, to_bytes(signed_agreement("BS-BAD", uscc="BAD")))
    assert status == 400
    ack = ack_of(body)
    assert field(ack, "Status") == REJECTED
    assert error_codes(ack) == ["E-XSD-INVALID"]
    assert ack.findtext(f"{{{ACK}}}Error/{{{ACK}}}Path") == "/SignedAgreement/Body/Enterprise/Uscc"
    assert field(ack, "RefBusinessSerial") == "BS-BAD"

    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<sa:SignedAgreement xmlns:sa="urn:swcredit:signed-agreement:1">&x;</sa:SignedAgreement>'
    )
    status, body, _ = await post_rest(http, mock, xxe)
    assert status == 400 and error_codes(ack_of(body)) == ["E-XML-FORBIDDEN"]
    status, body, _ = await post_rest(http, mock, b"<not-closed>")
    assert status == 400 and error_codes(ack_of(body)) == ["E-XML-MALFORMED"]
    assert mock.store.business_count == 0
    assert mock.store.rejected_count == 3


async def test_rest_auth_and_routing(mock: MockInsurer, http: aiohttp.ClientSession) -> None:
    document = to_bytes(signed_agreement())
    status, _, headers = await post_rest(http, mock, document, auth=None)
    assert status == 401 and headers["WWW-Authenticate"].startswith("Basic")
    status, _, _ = await post_rest(
        http, mock, document, auth={"Authorization": basic_auth("hub", "wrong")}
    )
    assert status == 401
    status, _, _ = await post_rest(http, mock, document, path="/api/v1/documents/no-such-type")
    assert status == 404
    assert mock.store.business_count == 0


async def test_size_limit_is_checked_before_parsing(http: aiohttp.ClientSession) -> None:
    async with running_mock_insurer(max_body_bytes=2048) as small:
        padding = etree.Comment("x" * 4096)
        document = signed_agreement("BS-BIG")
        document.append(padding)
        status, body, _ = await post_rest(http, small, to_bytes(document))
        assert status == 413
        assert error_codes(ack_of(body)) == ["E-XML-TOO-LARGE"]
        assert small.store.business_count == 0


# --- SOAP --------------------------------------------------------------------------------


@pytest.mark.parametrize("soap_version", ["1.1", "1.2"])
async def test_soap_delivery_through_zeep(mock: MockInsurer, soap_version: str) -> None:
    serial = f"BS-SOAP-{soap_version}"
    first = await submit_soap(mock, soap_version, signed_agreement(serial))
    assert first.Status == ACCEPTED
    assert first.RefBusinessSerial == serial
    again = await submit_soap(mock, soap_version, signed_agreement(serial, "MSG-RESEND"))
    assert again.Status == "DUPLICATE"
    assert again.OriginalAckId == first.AckId
    record = mock.store.get(serial)
    assert record is not None
    assert record.channel == f"soap{soap_version}"
    assert record.deliveries == 2
    assert etree.fromstring(record.document).tag == f"{{{SA}}}SignedAgreement"


@pytest.mark.parametrize(("soap_version", "code"), [("1.1", "soap:Client"), ("1.2", "soap:Sender")])
async def test_soap_invalid_document_is_a_client_fault(
    mock: MockInsurer, soap_version: str, code: str
) -> None:
    with pytest.raises(Fault) as raised:
        await submit_soap(mock, soap_version, signed_agreement("BS-BAD", uscc="BAD"))
    assert raised.value.code == code
    ack = ack_of(etree.tostring(raised.value.detail))
    assert field(ack, "Status") == REJECTED
    assert error_codes(ack) == ["E-XSD-INVALID"]
    assert ack.findtext(f"{{{ACK}}}Error/{{{ACK}}}Path") == "/SignedAgreement/Body/Enterprise/Uscc"
    assert mock.store.business_count == 0


async def test_soap_protocol_checks(mock: MockInsurer, http: aiohttp.ClientSession) -> None:
    document = envelope(SOAP11, signed_agreement("BS-RAW"))
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    async with http.post(mock.soap_url, data=document, headers=headers) as response:
        assert response.status == 401
    # SOAP 1.1 without a SOAPAction header, then with the wrong one.
    async with http.post(mock.soap_url, data=document, headers={**headers, **HUB_AUTH}) as response:
        assert response.status == 500
        assert error_codes(ack_of(await response.read())) == ["E-SOAP-ACTION"]
    wrong = {**headers, "SOAPAction": '"urn:other"'}
    async with http.post(mock.soap_url, data=document, headers={**wrong, **HUB_AUTH}) as response:
        assert error_codes(ack_of(await response.read())) == ["E-SOAP-ACTION"]
    # A SOAP 1.1 envelope sent as SOAP 1.2 is a version mismatch.
    soap12 = {"Content-Type": "application/soap+xml; charset=utf-8"}
    async with http.post(mock.soap_url, data=document, headers={**soap12, **HUB_AUTH}) as response:
        reply = etree.fromstring(await response.read())
        assert reply.xpath("string(//*[local-name()='Value'])") == "soap:VersionMismatch"
    right = {**headers, "SOAPAction": '"urn:swcredit:insurer:SubmitSignedAgreement"'}
    async with http.post(mock.soap_url, data=document, headers={**right, **HUB_AUTH}) as response:
        assert response.status == 200
        assert field(ack_of(await response.read()), "Status") == ACCEPTED


# --- faults ------------------------------------------------------------------------------


async def test_refuse_closes_the_port_then_listens_again(
    mock: MockInsurer, http: aiohttp.ClientSession
) -> None:
    port = mock.port
    status, _, _ = await post_rest(http, mock, to_bytes(signed_agreement("BS-R0")))
    assert status == 200  # leaves a keep-alive connection in the pool
    state = await set_fault(http, mock, mode="refuse", seconds=0.6)
    assert state["listening"] is False
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)
    with pytest.raises(aiohttp.ClientConnectionError):
        await post_rest(http, mock, to_bytes(signed_agreement("BS-R1")))

    deadline = time.monotonic() + 3
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except ConnectionRefusedError:
            assert time.monotonic() < deadline, "the business port never listened again"
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        break
    assert mock.port == port
    assert (await admin_get(http, f"{mock.admin_url}/admin/fault"))["mode"] == "none"
    status, _, _ = await post_rest(http, mock, to_bytes(signed_agreement("BS-R1")))
    assert status == 200
    assert mock.store.business_count == 2  # R0 and R1, nothing from the refused attempt

    # Without seconds the port stays closed until the fault is changed.
    await set_fault(http, mock, mode="refuse")
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)
    assert (await set_fault(http, mock, mode="none"))["listening"] is True
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.close()
    await writer.wait_closed()


async def test_stops_cleanly_while_refusing() -> None:
    async with running_mock_insurer() as refusing:
        await refusing.set_fault("refuse", seconds=30)
        port = refusing.port
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)


async def test_slow_answers_late_but_normally(
    mock: MockInsurer, http: aiohttp.ClientSession
) -> None:
    await set_fault(http, mock, mode="slow", seconds=0.3, count=1)
    started = time.monotonic()
    status, body, _ = await post_rest(http, mock, to_bytes(signed_agreement("BS-SLOW")))
    assert time.monotonic() - started >= 0.3
    assert status == 200 and field(ack_of(body), "Status") == ACCEPTED
    assert mock.fault.mode == "none"


@pytest.mark.parametrize(("mode", "status"), [("http500", 500), ("http429", 429)])
async def test_http_errors_store_nothing_and_clear_after_count(
    mock: MockInsurer, http: aiohttp.ClientSession, mode: str, status: int
) -> None:
    await set_fault(http, mock, mode=mode, count=2)
    document = to_bytes(signed_agreement("BS-HTTP"))
    got, _, headers = await post_rest(http, mock, document)
    assert got == status
    if mode == "http429":
        assert headers["Retry-After"] == "1"
    assert (await admin_get(http, f"{mock.admin_url}/admin/fault"))["count"] == 1
    got, _, _ = await post_rest(http, mock, document)
    assert got == status
    assert mock.store.business_count == 0
    got, body, _ = await post_rest(http, mock, document)  # the fault has cleared itself
    assert got == 200 and field(ack_of(body), "Status") == ACCEPTED
    assert [a.outcome for a in mock.store.attempts()] == ["FAULT", "FAULT", ACCEPTED]


@pytest.mark.parametrize(
    ("mode", "rest_status", "code"),
    [("soap_server", 500, "E-SERVER-FAULT"), ("soap_client", 400, "E-CLIENT-FAULT")],
)
async def test_injected_rejections_on_both_channels(
    mock: MockInsurer, http: aiohttp.ClientSession, mode: str, rest_status: int, code: str
) -> None:
    await set_fault(http, mock, mode=mode, count=1)
    status, body, _ = await post_rest(http, mock, to_bytes(signed_agreement("BS-INJ")))
    assert status == rest_status
    ack = ack_of(body)
    assert field(ack, "Status") == REJECTED and error_codes(ack) == [code]

    expected = {"soap_server": "soap:Server", "soap_client": "soap:Client"}[mode]
    await set_fault(http, mock, mode=mode, count=1)
    with pytest.raises(Fault) as raised:
        await submit_soap(mock, "1.1", signed_agreement("BS-INJ"))
    assert raised.value.code == expected
    assert error_codes(ack_of(etree.tostring(raised.value.detail))) == [code]
    assert mock.store.business_count == 0


async def test_malformed_stores_then_resend_is_duplicate(
    mock: MockInsurer, http: aiohttp.ClientSession
) -> None:
    await set_fault(http, mock, mode="malformed", count=1)
    document = to_bytes(signed_agreement("BS-MAL"))
    status, body, _ = await post_rest(http, mock, document)
    assert status == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(body)
    status, body, _ = await post_rest(http, mock, document)
    assert field(ack_of(body), "Status") == "DUPLICATE"
    assert (mock.store.business_count, mock.store.duplicate_count) == (1, 1)

    await set_fault(http, mock, mode="malformed", count=1)
    with pytest.raises(TransportError):
        await submit_soap(mock, "1.2", signed_agreement("BS-MAL-SOAP"))
    assert mock.store.get("BS-MAL-SOAP") is not None


async def test_drop_response_stores_then_resend_is_duplicate(
    mock: MockInsurer, http: aiohttp.ClientSession
) -> None:
    await set_fault(http, mock, mode="drop_response", count=2)
    document = to_bytes(signed_agreement("BS-DROP"))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post_rest(http, mock, document)
    assert mock.store.business_count == 1
    with pytest.raises(requests.ConnectionError):
        await submit_soap(mock, "1.1", signed_agreement("BS-DROP", "MSG-SOAP-RESEND"))
    status, body, _ = await post_rest(http, mock, document)
    assert status == 200
    assert field(ack_of(body), "Status") == "DUPLICATE"
    received = await admin_get(http, f"{mock.admin_url}/admin/received")
    assert received["business_count"] == 1
    assert received["duplicate_count"] == 2
    assert received["messages"][0]["deliveries"] == 3


async def test_admin_validates_faults_and_resets(
    mock: MockInsurer, http: aiohttp.ClientSession
) -> None:
    for bad in (
        {"mode": "explode"},
        {"mode": "http500", "count": 0},
        {"mode": "slow", "seconds": "x"},
    ):
        async with http.put(f"{mock.admin_url}/admin/fault", json=bad) as response:
            assert response.status == 400, bad
    await post_rest(http, mock, to_bytes(signed_agreement("BS-RESET")))
    await set_fault(http, mock, mode="http500")
    async with http.post(f"{mock.admin_url}/admin/reset") as response:
        assert (await response.json())["mode"] == "none"
    assert (await admin_get(http, f"{mock.admin_url}/admin/received"))["business_count"] == 0
    async with http.get(f"{mock.admin_url}/admin/received/BS-RESET") as response:
        assert response.status == 404


# --- pushing to the hub ------------------------------------------------------------------


async def stub_hub_app() -> web.Application:
    """The smallest hub that honours contracts/hub.wsdl: validate, then ack or reject.

    Pushing is tested against this stub rather than ``adapter/``, so the mock's own tests
    do not depend on the hub they exist to test.
    """
    schemas = SchemaSet(REPO / "xsd")
    wsdl = (REPO / "contracts" / "hub.wsdl").read_text()

    def answer(document: etree._Element) -> tuple[bool, etree._Element]:
        doc_type = by_root(PUSHED_TYPES, document.tag)
        errors = schemas.validate(document, doc_type.xsd) if doc_type else ["unknown"]
        ref = DocumentRef.of(document)
        status = REJECTED if errors else ACCEPTED
        return not errors, build_ack(status, ref, received_at=datetime.now(UTC), sender="SWCREDIT")

    async def get_wsdl(request: web.Request) -> web.Response:
        base = f"http://{request.host}"
        text = wsdl.replace("http://127.0.0.1:8080", base)
        return web.Response(text=text, content_type="text/xml")

    xsd_files = {path.name: path.read_bytes() for path in (REPO / "xsd").glob("*.xsd")}

    async def get_xsd(request: web.Request) -> web.Response:
        return web.Response(body=xsd_files[request.match_info["name"]])

    async def post_soap(request: web.Request) -> web.Response:
        assert request.headers["Authorization"] == basic_auth("sinosure", "insurer-secret")
        version = version_for(request.content_type)
        assert version is not None
        root = parse_untrusted(await request.read(), max_bytes=1 << 20)
        ok, ack = answer(copy.deepcopy(body_payload(root, version)))
        if ok:
            return web.Response(body=envelope(version, ack), content_type=version.media_type)
        kind = FaultKind.CLIENT
        return web.Response(
            status=version.fault_status(kind),
            body=fault(version, kind, "rejected", ack),
            content_type=version.media_type,
        )

    async def post_rest_doc(request: web.Request) -> web.Response:
        ok, ack = answer(parse_untrusted(await request.read(), max_bytes=1 << 20))
        return web.Response(
            status=200 if ok else 400,
            body=etree.tostring(ack),
            content_type="application/xml",
        )

    app = web.Application()
    app.router.add_get("/insurer/soap", get_wsdl)
    app.router.add_post("/insurer/soap", post_soap)
    app.router.add_get("/xsd/{name}", get_xsd)
    app.router.add_post("/insurer/v1/documents/{slug}", post_rest_doc)
    return app


@pytest.fixture
async def stub_hub() -> AsyncIterator[str]:
    runner = web.AppRunner(await stub_hub_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{site.port}"
    finally:
        await runner.cleanup()


def test_built_documents_are_valid() -> None:
    assert validate(agreement_stamp("AG-2024-0001", USCC)) == []
    refused = agreement_stamp("AG-2024-0001", USCC, "REFUSED", "印章与备案不符")
    assert validate(refused) == []
    root = etree.fromstring(refused)
    assert root.findtext(f".//{{{C}}}Sender") == "SINOSURE"
    assert root.findtext(f".//{{{C}}}MessageType") == "AGREEMENT_STAMP"
    with pytest.raises(ValueError):
        agreement_stamp("AG-1", USCC, "REFUSED")


@pytest.mark.parametrize(
    ("channel", "soap_version"), [("rest", "1.1"), ("soap", "1.1"), ("soap", "1.2")]
)
async def test_push_to_hub(stub_hub: str, channel: str, soap_version: str) -> None:
    document = agreement_stamp("AG-2024-0001", USCC, business_serial="SS-PUSH-1")
    result = await push(stub_hub, document, channel=channel, soap_version=soap_version)
    assert result.http_status == 200
    assert result.ack_status == ACCEPTED and result.delivered
    assert result.ack_field("RefBusinessSerial") == "SS-PUSH-1"

    rejected = await push(
        stub_hub, agreement_stamp("AG-1", "BAD"), channel=channel, soap_version=soap_version
    )
    assert rejected.ack_status == REJECTED and not rejected.delivered
    assert rejected.http_status in (400, 500)
    if channel == "soap":
        assert rejected.fault_code in ("soap:Client", "soap:Sender")


async def test_soap_client_reused_for_several_pushes(stub_hub: str) -> None:
    client = await asyncio.to_thread(HubSoapClient, stub_hub)
    for serial in ("SS-A", "SS-B"):
        document = agreement_stamp("AG-2024-0001", USCC, business_serial=serial)
        result = await asyncio.to_thread(client.push, document, "1.2")
        assert result.ack_status == ACCEPTED


async def test_cli_push_and_fault(stub_hub: str, mock: MockInsurer) -> None:
    async def cli(*args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "mock_insurer",
            *args,
            cwd=REPO,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await process.communicate()
        assert process.returncode is not None
        return process.returncode, out.decode()

    code, out = await cli(
        "push",
        "agreement-stamp",
        "--hub",
        stub_hub,
        "--channel",
        "rest",
        "--agreement-no",
        "AG-2024-0001",
        "--uscc",
        USCC,
        "--refuse",
        "印章不符",
    )
    assert code == 0, out
    assert "<ack:Status>ACCEPTED</ack:Status>" in out
    code, out = await cli("fault", "http429", "--count", "3", "--admin", mock.admin_url)
    assert code == 0, out
    assert mock.fault.mode == "http429" and mock.fault.remaining == 3
