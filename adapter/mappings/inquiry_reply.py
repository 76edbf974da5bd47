"""X-IN-7 询保反馈 (xsd/inquiry_reply.xsd) to and from :class:`InquiryReply`."""

from __future__ import annotations

from lxml import etree

from adapter.domain import messages
from adapter.domain.exchange import Envelope
from adapter.domain.inquiry import InquiryReply
from adapter.mappings.elements import (
    Builder,
    children,
    optional_text,
    read_datetime,
    text,
    write_datetime,
)
from adapter.mappings.envelope import document_root, serialize

NS = "urn:swcredit:inquiry-reply:1"
ROOT = f"{{{NS}}}InquiryReply"
MESSAGE_TYPE = messages.INQUIRY_REPLY.message_type
XSD = messages.INQUIRY_REPLY.xsd
_b = Builder(NS)


def from_element(root: etree._Element) -> InquiryReply:
    found = children(root[1])
    return InquiryReply(
        serial_no=text(found, "SerialNo"),
        uscc=text(found, "Uscc"),
        replied_at=read_datetime(text(found, "RepliedAt")),
        reply=text(found, "Reply"),
        handler=optional_text(found, "Handler"),
        handler_contact=optional_text(found, "HandlerContact"),
    )


def to_xml(reply: InquiryReply, envelope: Envelope) -> bytes:
    root, body = document_root(NS, "InquiryReply", envelope)
    _b.add(body, "SerialNo", reply.serial_no)
    _b.add(body, "Uscc", reply.uscc)
    _b.add(body, "RepliedAt", write_datetime(reply.replied_at))
    _b.add(body, "Reply", reply.reply)
    _b.add(body, "Handler", reply.handler)
    _b.add(body, "HandlerContact", reply.handler_contact)
    return serialize(root)
