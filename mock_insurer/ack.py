"""The Acknowledgement the insurer answers every document with (xsd/acknowledgement.xsd)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from mock_insurer.catalogue import ACK_NS, COMMON_NS, INSURER_PARTY
from mock_insurer.xmlsafe import serialise

ACCEPTED = "ACCEPTED"
DUPLICATE = "DUPLICATE"
REJECTED = "REJECTED"


@dataclass(frozen=True)
class AckError:
    code: str
    reason: str
    path: str | None = None


@dataclass(frozen=True)
class DocumentRef:
    """What an acknowledgement repeats about the document it answers.

    Every field may be missing: a rejected document may not even have an envelope.
    """

    message_id: str | None = None
    message_type: str | None = None
    business_serial: str | None = None
    sender: str | None = None
    receiver: str | None = None

    @classmethod
    def of(cls, root: etree._Element) -> DocumentRef:
        """Read the common envelope (``Root/Envelope/c:*``) without assuming it is valid."""
        envelope = next(
            (child for child in root if etree.QName(child).localname == "Envelope"), None
        )
        if envelope is None:
            return cls()

        def text(name: str) -> str | None:
            value = envelope.findtext(f"{{{COMMON_NS}}}{name}")
            return value.strip() if value and value.strip() else None

        return cls(
            message_id=text("MessageId"),
            message_type=text("MessageType"),
            business_serial=text("BusinessSerial"),
            sender=text("Sender"),
            receiver=text("Receiver"),
        )


def new_id(prefix: str) -> str:
    """An Identifier-typed id (``[A-Za-z0-9][A-Za-z0-9._:-]{0,63}``)."""
    return f"{prefix}-{uuid.uuid4().hex}"


def xml_datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_ack(
    status: str,
    ref: DocumentRef,
    *,
    received_at: datetime,
    ack_id: str | None = None,
    original_ack_id: str | None = None,
    errors: Iterable[AckError] = (),
    sender: str = INSURER_PARTY,
) -> etree._Element:
    """Build an ``ack:Acknowledgement`` element in schema order."""
    nsmap = {"ack": ACK_NS}
    root = etree.Element(f"{{{ACK_NS}}}Acknowledgement", nsmap=nsmap)

    def add(parent: etree._Element, name: str, value: str | None) -> None:
        if value is not None:
            etree.SubElement(parent, f"{{{ACK_NS}}}{name}").text = value

    add(root, "AckId", ack_id or new_id("ACK"))
    add(root, "Status", status)
    add(root, "RefMessageId", ref.message_id)
    add(root, "RefMessageType", ref.message_type)
    add(root, "RefBusinessSerial", ref.business_serial)
    add(root, "Sender", sender)
    add(root, "Receiver", ref.sender)
    add(root, "ReceivedAt", xml_datetime(received_at))
    add(root, "OriginalAckId", original_ack_id)
    for error in errors:
        node = etree.SubElement(root, f"{{{ACK_NS}}}Error")
        add(node, "Code", error.code)
        add(node, "Path", error.path)
        add(node, "Reason", error.reason)
    return root


def ack_bytes(ack: etree._Element) -> bytes:
    return serialise(ack)
