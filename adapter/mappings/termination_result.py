"""X-IN-3 解约结果 (xsd/termination_result.xsd) to and from :class:`TerminationResult`."""

from __future__ import annotations

from lxml import etree

from adapter.domain import messages
from adapter.domain.agreement import TerminationOutcome, TerminationResult
from adapter.domain.exchange import Envelope
from adapter.mappings.elements import (
    Builder,
    children,
    optional_text,
    read_datetime,
    text,
    write_datetime,
)
from adapter.mappings.envelope import document_root, serialize

NS = "urn:swcredit:termination-result:1"
ROOT = f"{{{NS}}}TerminationResult"
MESSAGE_TYPE = messages.TERMINATION_RESULT.message_type
XSD = messages.TERMINATION_RESULT.xsd
_b = Builder(NS)


def from_element(root: etree._Element) -> TerminationResult:
    found = children(root[1])
    return TerminationResult(
        agreement_no=text(found, "AgreementNo"),
        uscc=text(found, "Uscc"),
        result=TerminationOutcome(text(found, "Result")),
        decided_at=read_datetime(text(found, "DecidedAt")),
        reason=optional_text(found, "Reason"),
    )


def to_xml(result: TerminationResult, envelope: Envelope) -> bytes:
    root, body = document_root(NS, "TerminationResult", envelope)
    _b.add(body, "AgreementNo", result.agreement_no)
    _b.add(body, "Uscc", result.uscc)
    _b.add(body, "Result", result.result.value)
    _b.add(body, "DecidedAt", write_datetime(result.decided_at))
    _b.add(body, "Reason", result.reason)
    return serialize(root)
