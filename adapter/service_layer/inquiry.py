"""Inquiry use cases (§三 3.2 投保咨询): submit an inquiry (X-OUT-6), take in the reply (X-IN-7).

Submitting stores the form, queues the document and writes the timeline in one unit of
work. A reply for an inquiry the hub never sent, or for another enterprise's inquiry, is
refused and recorded on that serial number's timeline as ``reply_refused``; a second
reply is accepted, recorded as ``reply_ignored`` and changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from adapter.domain import messages
from adapter.domain.errors import DocumentRejected
from adapter.domain.exchange import Envelope, utcnow
from adapter.domain.identity import Identity
from adapter.domain.inquiry import (
    Inquiry,
    InquiryContent,
    InquiryForm,
    InquiryNotFound,
    InquiryReply,
    InquiryStatus,
    InquiryUnknown,
    RegisteredAddress,
    require_other_needs,
)
from adapter.domain.insurance import Contact, Ignored
from adapter.domain.messages import INSURER_ZH
from adapter.domain.timeline import TimelineEntry
from adapter.mappings.registry import render
from adapter.service_layer.parties import Parties
from adapter.service_layer.unit_of_work import UnitOfWork, UnitsOfWork

OBJECT = "insurance_inquiry"
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class InquiryRequest:
    """What the enterprise typed in the §3.2 form (the address already checked against the
    cascade at the edge)."""

    company_name: str
    address: RegisteredAddress
    contact: Contact
    content: InquiryContent
    other_needs: str | None


def serial_number(now: datetime) -> str:
    """询保申请流水号: 18 digits like the manual's (202400000000037819): the year, then 14
    random digits, so numbers say nothing about how many other enterprises asked."""
    return f"{now:%Y}{secrets.randbelow(10 ** 14):014d}"


async def submit(uows: UnitsOfWork, identity: Identity, request: InquiryRequest,
                 parties: Parties, *, clock: Clock = utcnow) -> Inquiry:
    """提交: 已提交, X-OUT-6 queued; the form is read-only from here on."""
    require_other_needs(request.content, request.other_needs)
    async with uows.begin() as uow:
        now = clock()
        form = InquiryForm(
            serial_no=serial_number(now), insurer_name=INSURER_ZH,
            company_name=request.company_name, uscc=identity.uscc, address=request.address,
            contact=request.contact, content=request.content,
            other_needs=(request.other_needs or None), submitted_by=identity.user_name,
            card_type=identity.card_type.value, submitted_at=now)
        inquiry = Inquiry.submitted(form)
        envelope = parties.envelope(messages.INSURANCE_INQUIRY, f"{form.serial_no}-INQ")
        await uow.inquiries.add(inquiry)
        await uow.outbox.add(envelope, render(messages.INSURANCE_INQUIRY.message_type, form, envelope),
                             partner=parties.insurer, object_type=OBJECT, object_id=form.serial_no)
        uow.timeline.record(TimelineEntry.about(
            envelope, OBJECT, form.serial_no, "state_changed", outcome=inquiry.status.value,
            detail={"to": inquiry.status.value, "by": identity.user_name,
                    "card": identity.card_type.value}))
        await uow.commit()
    return inquiry


async def apply_replies(uow: UnitOfWork, items: Sequence[tuple[InquiryReply, Envelope]]
                        ) -> list[DocumentRejected | None]:
    """A group of X-IN-7, in order; one outcome (a refusal or None) per reply."""
    outcomes: list[DocumentRejected | None] = []
    for reply, envelope in items:
        try:
            await _apply_reply(uow, reply, envelope)
            outcomes.append(None)
        except DocumentRejected as refused:
            outcomes.append(refused)
    return outcomes


async def _apply_reply(uow: UnitOfWork, reply: InquiryReply, envelope: Envelope) -> None:
    inquiry = await uow.inquiries.for_update(reply.serial_no)
    try:
        if inquiry is None:
            raise InquiryUnknown(f"no inquiry {reply.serial_no}", path="/InquiryReply/Body/SerialNo")
        inquiry.check_reply(reply)
    except DocumentRejected as refused:
        uow.timeline.record(TimelineEntry.about(
            envelope, OBJECT, reply.serial_no, "reply_refused", outcome=refused.code,
            detail={"reason": f"{refused.message_zh}，询保反馈已拒收"}))
        raise
    uow.timeline.record(TimelineEntry.about(envelope, OBJECT, reply.serial_no, "message_received",
                                            outcome="REPLIED"))
    before = inquiry.status
    result = inquiry.answer(reply)
    if isinstance(result, Ignored):
        uow.timeline.record(TimelineEntry.about(
            envelope, OBJECT, reply.serial_no, "reply_ignored", outcome=inquiry.status.value,
            detail={"reason": result.reason}))
        return
    await uow.inquiries.save(inquiry)
    uow.timeline.record(TimelineEntry.about(
        envelope, OBJECT, reply.serial_no, "state_changed", outcome=result.value,
        detail={"from": before.value, "to": result.value}))


async def inquiry_of(uows: UnitsOfWork, identity: Identity, serial_no: str) -> Inquiry:
    """The enterprise's inquiry; another enterprise's is not found (404)."""
    async with uows.reading() as uow:
        found = await uow.inquiries.get(serial_no, uscc=identity.uscc)
    if found is None:
        raise InquiryNotFound(f"inquiry {serial_no}")
    return found


async def page(uows: UnitsOfWork, identity: Identity, status: InquiryStatus | None, limit: int,
               after: tuple[datetime, str] | None) -> list[Inquiry]:
    """One page of the enterprise's inquiries, newest first (``limit`` + 1 asks if more follow)."""
    async with uows.reading() as uow:
        return await uow.inquiries.page(identity.uscc, statuses=[status.value] if status else None,
                                        limit=limit, after=after)
