"""What each gateway makes of the insurer's answers, called directly over loopback.

The mock insurer plays the faults it knows; a small partner of our own plays the answers
no honest insurer sends (a DTD, an answer outside the WSDL, a REJECTED acknowledgement
inside a SOAP envelope), since a reply is as untrusted as any inbound document.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web

from adapter.config import PartnerSettings
from adapter.domain.errors import (
    DeliveryClientFault,
    DeliveryConnection,
    DeliveryFailed,
    DeliveryHttpStatus,
    DeliveryMalformedAnswer,
    DeliveryRejected,
    DeliveryServerFault,
)
from adapter.domain.exchange import OutboundDocument
from adapter.mappings.envelope import read_envelope
from adapter.mappings.xml_safety import parse_trusted
from adapter.outbound.gateway import Gateway
from adapter.outbound.rest_gateway import RestGateway
from adapter.outbound.soap_gateway import SoapGateway
from mock_insurer import running_mock_insurer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PAYLOAD = (FIXTURES / "signed_agreement" / "valid.xml").read_bytes()
REJECTED_ACK = (FIXTURES / "acknowledgement" / "valid.xml").read_bytes()
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
CHANNELS = ["rest", "soap1.1", "soap1.2"]


def document() -> OutboundDocument:
    envelope = read_envelope(parse_trusted(PAYLOAD))
    return OutboundDocument(envelope.message_type, envelope.message_id, envelope.business_serial,
                            envelope.correlation_id, PAYLOAD)


def gateway_for(channel: str, base_url: str, *, timeout: float = 3) -> Gateway:
    partner = PartnerSettings(channel="rest" if channel == "rest" else "soap",
                              soap_version="1.2" if channel == "soap1.2" else "1.1",
                              rest_base_url=f"{base_url}/api/v1/documents",
                              soap_address=f"{base_url}/soap")
    if channel == "rest":
        return RestGateway(partner, timeout_seconds=timeout)
    return SoapGateway(partner, timeout_seconds=timeout)


async def failure_of(gateway: Gateway) -> DeliveryFailed:
    try:
        with pytest.raises(DeliveryFailed) as raised:
            await gateway.send(document())
    finally:
        await gateway.close()
    return raised.value


# --- the mock insurer's faults -------------------------------------------------------------

FAULTS = {
    "http500": (DeliveryHttpStatus, True),
    "http429": (DeliveryHttpStatus, True),
    "malformed": (DeliveryMalformedAnswer, True),
    "drop_response": (DeliveryConnection, True),
    "soap_server": (DeliveryServerFault, True),
    "soap_client": (DeliveryClientFault, False),
}


@pytest.mark.parametrize("channel", ["soap1.1", "soap1.2"])
@pytest.mark.parametrize("fault", sorted(FAULTS))
async def test_soap_faults_become_the_delivery_failure_the_retry_policy_expects(
        channel: str, fault: str) -> None:
    kind, retryable = FAULTS[fault]
    async with running_mock_insurer() as mock:
        await mock.set_fault(fault, count=1)
        failure = await failure_of(gateway_for(channel, mock.base_url))
    assert type(failure) is kind, failure
    assert failure.retryable is retryable
    if kind is DeliveryHttpStatus:
        assert failure.code == f"E-DELIVERY-HTTP-{fault.removeprefix('http')}"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_refused_connections_and_timeouts_may_pass(channel: str) -> None:
    async with running_mock_insurer() as mock:
        await mock.set_fault("slow", seconds=1.0)
        slow = await failure_of(gateway_for(channel, mock.base_url, timeout=0.2))
        await mock.set_fault("refuse", seconds=5)
        refused = await failure_of(gateway_for(channel, mock.base_url))
    for failure in (slow, refused):
        assert type(failure) is DeliveryConnection and failure.retryable


# --- answers no honest insurer sends -------------------------------------------------------


@asynccontextmanager
async def partner_answering(status: int, body: bytes, content_type: str) -> AsyncIterator[str]:
    async def answer(_request: web.Request) -> web.Response:
        return web.Response(status=status, body=body, content_type=content_type)

    app = web.Application()
    app.router.add_post("/soap", answer)
    app.router.add_post("/api/v1/documents/{slug}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def soap11(inner: str, prologue: str = "") -> bytes:
    return (f'{prologue}<s:Envelope xmlns:s="{SOAP11}"><s:Body>{inner}</s:Body></s:Envelope>'
            ).encode()


def ack_of(answer: bytes) -> str:
    return answer.decode().split("?>", 1)[1].split("-->", 1)[1]


_libc = ctypes.CDLL(None, use_errno=True)


def opened(path: Path) -> Callable[[], bool]:
    """Watch ``path``; the returned function tells whether anything opened or read it since."""
    fd = _libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    assert _libc.inotify_add_watch(fd, os.fsencode(path), 0x1 | 0x20) >= 0

    def check() -> bool:
        try:
            return len(os.read(fd, 4096)) > 0
        except BlockingIOError:
            return False
        finally:
            os.close(fd)
    return check


@pytest.mark.parametrize("channel", ["rest", "soap1.1"])
async def test_a_reply_with_a_dtd_is_unreadable_and_reads_no_file(channel: str,
                                                                 tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    dtd = f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
    body = (dtd + "<r>&x;</r>").encode() if channel == "rest" else soap11("<r>&x;</r>", dtd)
    touched = opened(secret)
    async with partner_answering(200, body, "text/xml") as url:
        failure = await failure_of(gateway_for(channel, url))
    assert not touched()
    assert type(failure) is DeliveryMalformedAnswer and failure.retryable
    assert "E-XML-DTD-FORBIDDEN" in failure.detail and "TOP-SECRET" not in failure.detail


async def test_a_rejected_acknowledgement_in_a_soap_reply_is_final() -> None:
    async with partner_answering(200, soap11(ack_of(REJECTED_ACK)), "text/xml") as url:
        failure = await failure_of(gateway_for("soap1.1", url))
    assert type(failure) is DeliveryRejected and not failure.retryable
    assert "E-SEAL-EXPIRED" in failure.detail


@pytest.mark.parametrize("channel", ["rest", "soap1.1"])
async def test_an_acknowledgement_outside_its_schema_is_unreadable(channel: str) -> None:
    """An ACCEPTED ack with an element its schema (the one the WSDL imports) does not know:
    the hub's mapping alone would take it."""
    accepted = ack_of(REJECTED_ACK).replace("REJECTED", "ACCEPTED")
    stray = accepted.replace("</Acknowledgement>", "<Surprise>1</Surprise></Acknowledgement>")
    body = stray.encode() if channel == "rest" else soap11(stray)
    async with partner_answering(200, body, "text/xml") as url:
        failure = await failure_of(gateway_for(channel, url))
    assert type(failure) is DeliveryMalformedAnswer and failure.retryable
    assert "Surprise" in failure.detail


async def test_a_fault_of_the_other_soap_version_is_no_fault() -> None:
    """A SOAP 1.1 binding reads only SOAP 1.1 faults; anything else is an HTTP error."""
    soap12 = "http://www.w3.org/2003/05/soap-envelope"
    body = (f'<e:Envelope xmlns:e="{soap12}"><e:Body><e:Fault><e:Code><e:Value>e:Sender'
            f'</e:Value></e:Code></e:Fault></e:Body></e:Envelope>').encode()
    async with partner_answering(500, body, "text/xml") as url:
        failure = await failure_of(gateway_for("soap1.1", url))
    assert type(failure) is DeliveryHttpStatus and failure.retryable


async def test_an_http_error_with_an_envelope_but_no_fault_goes_by_its_status() -> None:
    async with partner_answering(503, soap11(""), "text/xml") as url:
        failure = await failure_of(gateway_for("soap1.1", url))
    assert type(failure) is DeliveryHttpStatus and failure.status == 503 and failure.retryable
