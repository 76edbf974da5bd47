"""X-IN-7 询保反馈: the insurer's answer to an inquiry the hub sent (§三 3.2)."""

from __future__ import annotations

from collections.abc import Sequence

from adapter.domain.errors import DocumentRejected
from adapter.domain.exchange import Envelope
from adapter.domain.inquiry import InquiryReply
from adapter.service_layer import inquiry
from adapter.service_layer.unit_of_work import UnitOfWork


async def handle(uow: UnitOfWork, items: Sequence[tuple[object, Envelope]]
                 ) -> list[DocumentRejected | None]:
    replies = [(document, envelope) for document, envelope in items
               if isinstance(document, InquiryReply)]
    return await inquiry.apply_replies(uow, replies)
