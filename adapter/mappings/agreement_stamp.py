"""X-IN-2 签章回执 (xsd/agreement_stamp.xsd) to and from :class:`AgreementStamp`."""

from __future__ import annotations

from lxml import etree

from adapter.domain import messages
from adapter.domain.agreement import AgreementStamp, StampResult
from adapter.domain.exchange import Envelope
from adapter.mappings.elements import (
    Builder,
    children,
    optional_text,
    read_base64,
    read_datetime,
    text,
    write_base64,
    write_datetime,
)
from adapter.mappings.envelope import document_root, serialize

NS = "urn:swcredit:agreement-stamp:1"
ROOT = f"{{{NS}}}AgreementStamp"
MESSAGE_TYPE = messages.AGREEMENT_STAMP.message_type
XSD = messages.AGREEMENT_STAMP.xsd
_b = Builder(NS)


def from_element(root: etree._Element) -> AgreementStamp:
    found = children(root[1])
    return AgreementStamp(
        agreement_no=text(found, "AgreementNo"),
        uscc=text(found, "Uscc"),
        result=StampResult(text(found, "Result")),
        stamped_at=read_datetime(text(found, "StampedAt")),
        insurer_seal_serial=optional_text(found, "InsurerSealSerial"),
        insurer_seal_certificate=read_base64(optional_text(found, "InsurerSealCertificate")),
        refusal_reason=optional_text(found, "RefusalReason"),
    )


def to_xml(stamp: AgreementStamp, envelope: Envelope) -> bytes:
    root, body = document_root(NS, "AgreementStamp", envelope)
    _b.add(body, "AgreementNo", stamp.agreement_no)
    _b.add(body, "Uscc", stamp.uscc)
    _b.add(body, "Result", stamp.result.value)
    _b.add(body, "StampedAt", write_datetime(stamp.stamped_at))
    _b.add(body, "InsurerSealSerial", stamp.insurer_seal_serial)
    certificate = stamp.insurer_seal_certificate
    _b.add(body, "InsurerSealCertificate", write_base64(certificate) if certificate else None)
    _b.add(body, "RefusalReason", stamp.refusal_reason)
    return serialize(root)
