"""X-IN-4 投保受理结果 (xsd/application_receipt.xsd) to and from :class:`ApplicationReceipt`."""

from __future__ import annotations

from lxml import etree

from adapter.domain import messages
from adapter.domain.exchange import Envelope
from adapter.domain.insurance import ApplicationReceipt, IssuedPolicy, ReceiptResult
from adapter.mappings.elements import (
    Builder,
    children,
    optional_text,
    read_base64,
    read_date,
    read_datetime,
    text,
    write_base64,
    write_datetime,
)
from adapter.mappings.envelope import document_root, serialize

NS = "urn:swcredit:application-receipt:1"
ROOT = f"{{{NS}}}ApplicationReceipt"
MESSAGE_TYPE = messages.APPLICATION_RECEIPT.message_type
XSD = messages.APPLICATION_RECEIPT.xsd
_b = Builder(NS)


def _policy(element: etree._Element | None) -> IssuedPolicy | None:
    if element is None:
        return None
    found = children(element)
    return IssuedPolicy(
        policy_no=text(found, "PolicyNo"),
        period_start=read_date(text(found, "PeriodStart")),
        period_end=read_date(text(found, "PeriodEnd")),
        issued_at=read_datetime(text(found, "IssuedAt")),
        e_policy=read_base64(text(found, "EPolicy")) or b"",
    )


def from_element(root: etree._Element) -> ApplicationReceipt:
    found = children(root[1])
    return ApplicationReceipt(
        offer_no=text(found, "OfferNo"),
        application_no=text(found, "ApplicationNo"),
        uscc=text(found, "Uscc"),
        result=ReceiptResult(text(found, "Result")),
        decided_at=read_datetime(text(found, "DecidedAt")),
        policy=_policy(found.get("Policy")),
        return_reason=optional_text(found, "ReturnReason"),
    )


def to_xml(receipt: ApplicationReceipt, envelope: Envelope) -> bytes:
    root, body = document_root(NS, "ApplicationReceipt", envelope)
    _b.add(body, "OfferNo", receipt.offer_no)
    _b.add(body, "ApplicationNo", receipt.application_no)
    _b.add(body, "Uscc", receipt.uscc)
    _b.add(body, "Result", receipt.result.value)
    _b.add(body, "DecidedAt", write_datetime(receipt.decided_at))
    if receipt.policy is not None:
        policy = _b.group(body, "Policy")
        _b.add(policy, "PolicyNo", receipt.policy.policy_no)
        _b.add(policy, "PeriodStart", receipt.policy.period_start.isoformat())
        _b.add(policy, "PeriodEnd", receipt.policy.period_end.isoformat())
        _b.add(policy, "IssuedAt", write_datetime(receipt.policy.issued_at))
        _b.add(policy, "EPolicy", write_base64(receipt.policy.e_policy))
    _b.add(body, "ReturnReason", receipt.return_reason)
    return serialize(root)
