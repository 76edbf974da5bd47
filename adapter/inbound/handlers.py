"""Inbound message type → the use case it triggers: one line per inbound message type.

Each handler takes a group of documents of its type (one alone is a group of one) and
answers one outcome per document.
"""

from __future__ import annotations

from collections.abc import Mapping

from adapter.domain import messages
from adapter.inbound import (
    agreement_stamp,
    application_receipt,
    claim_review,
    inquiry_reply,
    pending_policy,
    risk_article,
    termination_result,
)
from adapter.ports.attachments import AttachmentStore
from adapter.service_layer.receiving import Handler

HANDLERS: Mapping[str, Handler] = {
    messages.AGREEMENT_STAMP.message_type: agreement_stamp.handle,
    messages.TERMINATION_RESULT.message_type: termination_result.handle,
    messages.PENDING_POLICY.message_type: pending_policy.handle,
    messages.APPLICATION_RECEIPT.message_type: application_receipt.handle,
    messages.INQUIRY_REPLY.message_type: inquiry_reply.handle,
    messages.CLAIM_REVIEW.message_type: claim_review.handle,
    messages.RISK_ARTICLE.message_type: risk_article.unbound,
}


def bound(attachments: AttachmentStore) -> Mapping[str, Handler]:
    """The table with the handlers that need a port given theirs: what the app receives with."""
    return {**HANDLERS, messages.RISK_ARTICLE.message_type: risk_article.handler(attachments)}
