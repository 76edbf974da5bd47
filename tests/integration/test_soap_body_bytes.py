"""The SOAP gateway puts the stored document into the Body byte for byte.

A signature over the document, or the insurer's own hash of it, holds only if the bytes
that arrive are the bytes the hub committed. The real mock insurer keeps each first
delivery's HTTP request body as it came off the socket; the Body's content is cut out of
it and compared with the stored payload (without its XML declaration).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from adapter.config import PartnerSettings
from adapter.domain.errors import DeliveryInternal
from adapter.domain.exchange import OutboundDocument
from adapter.domain.messages import Direction
from adapter.mappings.envelope import read_envelope
from adapter.mappings.registry import DOCUMENT_TYPES, DocumentType, render
from adapter.mappings.xml_safety import parse_trusted
from adapter.outbound.soap_gateway import SoapGateway, document_bytes
from mock_insurer import running_mock_insurer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
OUTBOUND = [t for t in DOCUMENT_TYPES if t.direction is Direction.OUTBOUND]
ENVELOPE_NS = {"1.1": "http://schemas.xmlsoap.org/soap/envelope/",
               "1.2": "http://www.w3.org/2003/05/soap-envelope"}
DECLARATION = re.compile(rb"\A<\?xml[^>]*\?>\s*")


def golden(doc_type: DocumentType) -> bytes:
    return (FIXTURES / doc_type.xsd.removesuffix(".xsd") / "valid.xml").read_bytes()


def rendered(doc_type: DocumentType) -> bytes:
    """What the hub stores: the golden document read into the domain and written again."""
    root = parse_trusted(golden(doc_type))
    return render(doc_type.message_type, doc_type.from_element(root), read_envelope(root))


def unusual(doc_type: DocumentType) -> bytes:
    """Legal bytes a re-serialiser would change: a comment, CRLF line ends, tabs, character
    references for the Chinese text, a prefix for the default namespace, single quotes."""
    text = golden(doc_type).decode("utf-8")
    root = etree.QName(parse_trusted(golden(doc_type)))
    text = text.replace("\n  ", "\r\n\t").replace("厦门", "&#21414;&#38376;")
    text = text.replace(f'<{root.localname} xmlns="{root.namespace}"',
                        f"<d:{root.localname} xmlns:d='{root.namespace}' xmlns=\"{root.namespace}\"", 1)
    text = text.replace(f"</{root.localname}>", f"<!-- 签名之后 --></d:{root.localname}>")
    return text.encode("utf-8")


def outbound(payload: bytes) -> OutboundDocument:
    envelope = read_envelope(parse_trusted(payload))
    return OutboundDocument(envelope.message_type, envelope.message_id, envelope.business_serial,
                            envelope.correlation_id, payload)


def soap_body(raw: bytes, version: str) -> bytes:
    """The bytes between the SOAP Body's start and end tags, as they were received."""
    body = etree.fromstring(raw).find(f"{{{ENVELOPE_NS[version]}}}Body")
    assert body is not None, raw[:300]
    tag = f"{body.prefix}:Body" if body.prefix else "Body"
    start = re.search(rb"<" + tag.encode() + rb"(\s[^>]*)?>", raw)
    assert start is not None
    return raw[start.end():raw.rindex(f"</{tag}>".encode())]


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("make", [rendered, golden, unusual])
async def test_the_document_in_the_sent_body_is_the_stored_payload(version, make) -> None:
    async with running_mock_insurer() as mock:
        gateway = SoapGateway(PartnerSettings(channel="soap", soap_version=version,
                                              soap_address=mock.soap_url), timeout_seconds=5)
        try:
            for doc_type in OUTBOUND:
                document = outbound(make(doc_type))
                await gateway.send(document)
                received = mock.store.get(document.business_serial)
                assert received is not None and received.channel == f"soap{version}"
                assert soap_body(received.raw, version) == DECLARATION.sub(b"", document.payload)
        finally:
            await gateway.close()
    assert mock.store.business_count == len(OUTBOUND)
    assert mock.store.rejected_count == 0


async def test_the_body_is_the_same_bytes_on_every_attempt() -> None:
    """A retry or a replay sends what was committed, not a fresh rendering."""
    async with running_mock_insurer() as mock:
        gateway = SoapGateway(PartnerSettings(channel="soap", soap_address=mock.soap_url),
                              timeout_seconds=5)
        document = outbound(unusual(OUTBOUND[0]))
        try:
            first = gateway.template(OUTBOUND[0]).envelope(document.payload)
            await gateway.send(document)
            await gateway.send(document)
            assert gateway.template(OUTBOUND[0]).envelope(document.payload) == first
        finally:
            await gateway.close()
    received = mock.store.get(document.business_serial)
    assert received is not None and received.deliveries == 2
    assert received.raw == first


def test_only_the_prologue_is_left_out_of_the_body() -> None:
    document = b"<r xmlns='urn:x'>\r\n\t<a>&#21414;</a><!-- c --></r>"
    for prologue in (b"", b'<?xml version="1.0" encoding="UTF-8"?>\n', b"\xef\xbb\xbf",
                     b"\xef\xbb\xbf<?xml version='1.0'?>"):
        assert document_bytes(prologue + document) == document


def test_a_document_stored_in_another_encoding_is_not_spliced_into_a_utf8_envelope() -> None:
    stored = '<?xml version="1.0" encoding="GBK"?><r>厦门</r>'.encode("gbk")
    with pytest.raises(DeliveryInternal) as refused:
        document_bytes(stored)
    assert not refused.value.retryable
