"""X-IN-5 索赔审核回执 (xsd/claim_review.xsd) to and from :class:`ClaimReview`."""

from __future__ import annotations

from lxml import etree

from adapter.domain import messages
from adapter.domain.claim import ClaimReview, ReviewResult
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

NS = "urn:swcredit:claim-review:1"
ROOT = f"{{{NS}}}ClaimReview"
MESSAGE_TYPE = messages.CLAIM_REVIEW.message_type
XSD = messages.CLAIM_REVIEW.xsd
_b = Builder(NS)


def from_element(root: etree._Element) -> ClaimReview:
    found = children(root[1])
    manager = children(found["AccountManager"])
    return ClaimReview(
        claim_no=text(found, "ClaimNo"),
        business_serial=text(found, "SubmissionSerial"),
        uscc=text(found, "Uscc"),
        result=ReviewResult(text(found, "Result")),
        decided_at=read_datetime(text(found, "DecidedAt")),
        manager_name=text(manager, "Name"),
        manager_contact=text(manager, "Contact"),
        return_reason=optional_text(found, "ReturnReason"),
    )


def to_xml(review: ClaimReview, envelope: Envelope) -> bytes:
    root, body = document_root(NS, "ClaimReview", envelope)
    _b.add(body, "ClaimNo", review.claim_no)
    _b.add(body, "SubmissionSerial", review.business_serial)
    _b.add(body, "Uscc", review.uscc)
    _b.add(body, "Result", review.result.value)
    _b.add(body, "DecidedAt", write_datetime(review.decided_at))
    manager = _b.group(body, "AccountManager")
    _b.add(manager, "Name", review.manager_name)
    _b.add(manager, "Contact", review.manager_contact)
    _b.add(body, "ReturnReason", review.return_reason)
    return serialize(root)
