"""The common envelope (xsd/common.xsd) to and from :class:`Envelope`."""

from __future__ import annotations

from lxml import etree

from adapter.domain.exchange import Envelope
from adapter.mappings.elements import Builder, children, read_datetime, text, write_datetime

COMMON_NS = "urn:swcredit:common:1"
_common = Builder(COMMON_NS)


def read_envelope(root: etree._Element) -> Envelope:
    """Read the envelope of a schema-valid document (its first child)."""
    found = children(root[0])
    return Envelope(
        message_id=text(found, "MessageId"),
        message_type=text(found, "MessageType"),
        schema_version=text(found, "SchemaVersion"),
        correlation_id=text(found, "CorrelationId"),
        business_serial=text(found, "BusinessSerial"),
        sender=text(found, "Sender"),
        receiver=text(found, "Receiver"),
        sent_at=read_datetime(text(found, "SentAt")),
    )


def peek_envelope(root: etree._Element) -> dict[str, str]:
    """Best-effort envelope fields of a document that may be invalid, for the inbox record."""
    if len(root) == 0 or not isinstance(root[0].tag, str):
        return {}
    return {name: (element.text or "")[:64] for name, element in children(root[0]).items()}


def document_root(namespace: str, name: str, envelope: Envelope) -> tuple[etree._Element, etree._Element]:
    """Create ``<Name><Envelope/><Body/></Name>`` and return the root and its empty body."""
    root = etree.Element(f"{{{namespace}}}{name}", nsmap={None: namespace, "c": COMMON_NS})
    head = etree.SubElement(root, f"{{{namespace}}}Envelope")
    for tag, value in (
        ("MessageId", envelope.message_id),
        ("MessageType", envelope.message_type),
        ("SchemaVersion", envelope.schema_version),
        ("CorrelationId", envelope.correlation_id),
        ("BusinessSerial", envelope.business_serial),
        ("Sender", envelope.sender),
        ("Receiver", envelope.receiver),
        ("SentAt", write_datetime(envelope.sent_at)),
    ):
        _common.add(head, tag, value)
    body = etree.SubElement(root, f"{{{namespace}}}Body")
    return root, body


def serialize(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
