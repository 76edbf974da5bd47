"""Insurance use cases (§三 3.1): pending policies in, SMS code, application out, receipts in,
收悉 out.

Each use case loads the application through the unit of work, lets the aggregate decide,
and commits the state, the outbound document and the timeline together. Inbound
documents that change nothing (a repeat, a receipt before the application was sent, a
second receipt) are recorded on the timeline as ``receipt_ignored`` and accepted.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapter.domain import messages
from adapter.domain.agreement import AgreementStatus, Enterprise
from adapter.domain.errors import DocumentRejected
from adapter.domain.exchange import Envelope, utcnow
from adapter.domain.identity import Identity
from adapter.domain.insurance import (
    ApplicationEvent,
    ApplicationForm,
    ApplicationNeedsAgreement,
    ApplicationNotFound,
    ApplicationReceipt,
    ApplicationUnknown,
    Contact,
    Ignored,
    InsuranceApplication,
    Move,
    OfferAction,
    OfferNeedsAgreement,
    PolicyOffer,
    ReceiptAcknowledgement,
    Submission,
    offer_decision,
    require_declaration,
    withdrawal_decision,
)
from adapter.domain.sms import (
    SmsCodeMissing,
    VerificationCode,
    code_hash,
    message_text,
    quota_refusal,
    resend_refusal,
)
from adapter.domain.timeline import TimelineEntry
from adapter.mappings.registry import render
from adapter.ports.sms import SmsGateway
from adapter.service_layer.parties import Parties
from adapter.service_layer.unit_of_work import UnitOfWork, UnitsOfWork

OBJECT = "insurance_application"
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class SmsPolicy:
    """What the code rules need from config: the hash key and the per-enterprise quota."""

    key: bytes
    per_hour: int


@dataclass(frozen=True, slots=True)
class CodeSent:
    expires_at: datetime
    resend_after: datetime


@dataclass(frozen=True, slots=True)
class ApplicationRequest:
    """I-4: the contact, the declaration and the SMS code that confirms them."""

    contact: Contact
    declaration_accepted: bool
    sms_code: str


# --- X-IN-1 pending policies ------------------------------------------------------------------


async def receive_offers(uow: UnitOfWork, items: Sequence[tuple[PolicyOffer, Envelope]]
                         ) -> list[DocumentRejected | None]:
    """A group of X-IN-1, in order; one outcome (a refusal or None) per document."""
    outcomes: list[DocumentRejected | None] = []
    for offer, envelope in items:
        try:
            if offer.action is OfferAction.WITHDRAW:
                await _withdraw(uow, offer, envelope)
            else:
                await _offer(uow, offer, envelope)
            outcomes.append(None)
        except DocumentRejected as refused:
            outcomes.append(refused)
    return outcomes


class OfferRace(RuntimeError):
    """Another transaction opened an offer for the enterprise meanwhile: the group is
    retried document by document, and this one is then refused by the rules."""


async def _offer(uow: UnitOfWork, offer: PolicyOffer, envelope: Envelope) -> None:
    agreement = await uow.agreements.live_of(offer.uscc)
    if agreement is None or agreement.status is not AgreementStatus.SIGNED:
        raise OfferNeedsAgreement(f"{offer.uscc} has no signed agreement",
                                  path="/PendingPolicy/Body/Enterprise/Uscc")
    existing = await uow.applications.for_update(offer.offer_no)
    open_offer = await uow.applications.open_of(offer.uscc)
    ignored = offer_decision(offer, existing, open_offer)
    if ignored is not None:
        uow.timeline.record(_received(offer.offer_no, envelope, offer.action.value),
                            _ignored(offer.offer_no, envelope, ignored, existing))
        return
    if open_offer is not None:
        move = open_offer.close(ApplicationEvent.SUPERSEDED, offer.offered_at)
        await uow.applications.save(open_offer)
        uow.timeline.record(_changed(open_offer.offer_no, move, envelope,
                                     reason=f"被待确认保单{offer.offer_no}替代"))
    application = InsuranceApplication.offered(offer)
    if not await uow.applications.add(application):
        raise OfferRace(offer.offer_no)
    uow.timeline.record(_received(offer.offer_no, envelope, offer.action.value),
                        _changed(offer.offer_no, Move(None, application.status), envelope))


async def _withdraw(uow: UnitOfWork, offer: PolicyOffer, envelope: Envelope) -> None:
    existing = await uow.applications.for_update(offer.offer_no)
    ignored = withdrawal_decision(offer, existing)
    assert existing is not None  # withdrawal_decision refuses an unknown offer
    uow.timeline.record(_received(offer.offer_no, envelope, offer.action.value))
    if ignored is not None:
        uow.timeline.record(_ignored(offer.offer_no, envelope, ignored, existing))
        return
    move = existing.close(ApplicationEvent.WITHDRAWN, offer.offered_at)
    await uow.applications.save(existing)
    uow.timeline.record(_changed(offer.offer_no, move, envelope, reason=offer.reason))


# --- I-4 the SMS code and the application (X-OUT-4) -------------------------------------------


async def send_code(uows: UnitsOfWork, sms: SmsGateway, identity: Identity, offer_no: str,
                    mobile: str, policy: SmsPolicy, *, clock: Clock = utcnow) -> CodeSent:
    """获取验证码: a new code for this application and mobile, if cooldown and quota allow."""
    async with uows.begin() as uow:
        application = await _owned(uow, identity, offer_no)
        application.require_pending()
        await _require_signed(uow, identity.uscc)
        now = clock()
        refusal = (resend_refusal(await uow.sms_codes.latest(offer_no), now)
                   or quota_refusal(await uow.sms_codes.sent_since(identity.uscc,
                                                                   now - timedelta(hours=1)),
                                    policy.per_hour))
        if refusal is not None:
            raise refusal
        code = f"{secrets.randbelow(10 ** 6):06d}"
        issued = VerificationCode(offer_no, identity.uscc, mobile,
                                  code_hash(policy.key, offer_no, mobile, code), now)
        await uow.sms_codes.add(issued)
        uow.timeline.record(TimelineEntry(OBJECT, offer_no, "sms_code_sent", outcome="sent",
                                          detail={"mobile": _masked(mobile), "by": identity.user_name},
                                          at=now))
        await sms.send(mobile, message_text(code))
        await uow.commit()
    return CodeSent(issued.expires_at, now + timedelta(seconds=60))


async def submit(uows: UnitsOfWork, identity: Identity, offer_no: str, request: ApplicationRequest,
                 policy: SmsPolicy, parties: Parties, *, clock: Clock = utcnow
                 ) -> InsuranceApplication:
    """提交验证码信息 / 确认投保: 待确认 → 已投保 and X-OUT-4 queued, once the code proves the
    mobile. A wrong code is counted (and committed) before it is refused."""
    require_declaration(request.declaration_accepted)
    async with uows.begin() as uow:
        application = await _owned(uow, identity, offer_no)
        application.require_pending()
        await _require_signed(uow, identity.uscc)
        code = await uow.sms_codes.latest(offer_no)
        if code is None:
            raise SmsCodeMissing("no code sent", path="$.sms_code")
        now = clock()
        refusal = code.check(key=policy.key, mobile=request.contact.mobile, code=request.sms_code,
                             now=now)
        await uow.sms_codes.save(code)
        if refusal is not None:
            uow.timeline.record(TimelineEntry(OBJECT, offer_no, "sms_code_refused",
                                              outcome=refusal.code, at=now))
            await uow.commit()
            raise refusal
        await _apply_for(uow, application, identity, request.contact, now, parties)
        await uow.commit()
    return application


async def _apply_for(uow: UnitOfWork, application: InsuranceApplication, identity: Identity,
                     contact: Contact, now: datetime, parties: Parties) -> None:
    number = f"TB{now:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}"
    move = application.submit(Submission(number, contact, now, identity.user_name,
                                         identity.card_type.value))
    form = application_form(application, identity, now)
    envelope = parties.envelope(messages.INSURANCE_APPLICATION, f"{number}-APPLY")
    await uow.applications.save(application)
    await uow.outbox.add(envelope, render(messages.INSURANCE_APPLICATION.message_type, form, envelope),
                         partner=parties.insurer, object_type=OBJECT, object_id=application.offer_no)
    uow.timeline.record(_changed(application.offer_no, move, envelope, by=identity.user_name,
                                 card=identity.card_type.value))


def application_form(application: InsuranceApplication, identity: Identity,
                     verified_at: datetime) -> ApplicationForm:
    submission = application.submission
    assert submission is not None
    offer = application.offer
    return ApplicationForm(
        application_no=submission.application_no, offer_no=offer.offer_no,
        enterprise=Enterprise(identity.enterprise_name, identity.uscc, identity.org_code or None),
        insurer=offer.insurer, product_code=offer.product_code, product_name=offer.product_name,
        coverage_start=offer.coverage_start, coverage_end=offer.coverage_end,
        contact=submission.contact, declaration_accepted=True,
        submitted_by=submission.submitted_by, card_type=submission.card_type,
        submitted_at=submission.submitted_at, sms_verified_at=verified_at)


# --- X-IN-4 receipts and X-OUT-5 收悉 ----------------------------------------------------------


async def apply_receipts(uow: UnitOfWork, items: Sequence[tuple[ApplicationReceipt, Envelope]]
                         ) -> list[DocumentRejected | None]:
    outcomes: list[DocumentRejected | None] = []
    for receipt, envelope in items:
        try:
            await _apply_receipt(uow, receipt, envelope)
            outcomes.append(None)
        except DocumentRejected as refused:
            outcomes.append(refused)
    return outcomes


async def _apply_receipt(uow: UnitOfWork, receipt: ApplicationReceipt, envelope: Envelope) -> None:
    receipt.check_complete()
    application = await uow.applications.for_update(receipt.offer_no)
    if application is None:
        raise ApplicationUnknown(f"no offer {receipt.offer_no}",
                                 path="/ApplicationReceipt/Body/OfferNo")
    try:
        application.check_receipt(receipt)
    except DocumentRejected as refused:
        uow.timeline.record(TimelineEntry.about(
            envelope, OBJECT, receipt.offer_no, "receipt_refused", outcome=refused.code,
            detail={"reason": "受理结果的统一社会信用代码与本申请不一致，已拒收"}))
        raise
    uow.timeline.record(_received(receipt.offer_no, envelope, receipt.result.value,
                                  reason=receipt.return_reason))
    result = application.apply(receipt)
    if isinstance(result, Ignored):
        uow.timeline.record(_ignored(receipt.offer_no, envelope, result, application))
        return
    await uow.applications.save(application)
    if receipt.policy is not None and application.policy_no:
        await uow.applications.store_document(application.offer_no, "e_policy",
                                              receipt.policy.e_policy, application.status.value)
    uow.timeline.record(*(_changed(receipt.offer_no, move, envelope,
                                   reason=receipt.return_reason if i == 0 else None)
                          for i, move in enumerate(result)))


async def acknowledge(uows: UnitsOfWork, identity: Identity, offer_no: str, parties: Parties, *,
                      clock: Clock = utcnow) -> InsuranceApplication:
    """I-6 收悉: 待收悉 → 已收悉 as X-OUT-5 is queued; the dispatcher's entry tells when it arrived."""
    async with uows.begin() as uow:
        application = await _owned(uow, identity, offer_no)
        now = clock()
        move = application.acknowledge(at=now, by=identity.user_name)
        assert application.policy_no is not None and application.application_no is not None
        document = ReceiptAcknowledgement(application.policy_no, offer_no,
                                          application.application_no, identity.uscc,
                                          identity.user_name, now)
        envelope = parties.envelope(messages.RECEIPT_ACKNOWLEDGEMENT, f"{application.policy_no}-ACK")
        await uow.applications.save(application)
        await uow.outbox.add(envelope, render(messages.RECEIPT_ACKNOWLEDGEMENT.message_type,
                                              document, envelope),
                             partner=parties.insurer, object_type=OBJECT, object_id=offer_no)
        uow.timeline.record(_changed(offer_no, move, envelope, by=identity.user_name))
        await uow.commit()
    return application


# --- reads --------------------------------------------------------------------------------------


async def application_of(uows: UnitsOfWork, identity: Identity, offer_no: str
                         ) -> InsuranceApplication:
    """The enterprise's application; another enterprise's is not found (404)."""
    async with uows.reading() as uow:
        found = await uow.applications.get(offer_no, uscc=identity.uscc)
    if found is None:
        raise ApplicationNotFound(f"offer {offer_no}")
    return found


async def _owned(uow: UnitOfWork, identity: Identity, offer_no: str) -> InsuranceApplication:
    found = await uow.applications.for_update(offer_no)
    if found is None or found.uscc != identity.uscc:
        raise ApplicationNotFound(f"offer {offer_no}")
    return found


async def _require_signed(uow: UnitOfWork, uscc: str) -> None:
    """Only a signed agreement (签约成功) lets an enterprise apply."""
    agreement = await uow.agreements.live_of(uscc)
    if agreement is None or agreement.status is not AgreementStatus.SIGNED:
        raise ApplicationNeedsAgreement(f"{uscc} has no signed agreement")


def _masked(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) >= 7 else "****"


def _received(offer_no: str, envelope: Envelope, outcome: str, *,
              reason: str | None = None) -> TimelineEntry:
    return TimelineEntry.about(envelope, OBJECT, offer_no, "message_received", outcome=outcome,
                               detail={"reason": reason} if reason else {})


def _ignored(offer_no: str, envelope: Envelope, ignored: Ignored,
             application: InsuranceApplication | None) -> TimelineEntry:
    outcome = application.status.value if application else None
    return TimelineEntry.about(envelope, OBJECT, offer_no, "receipt_ignored", outcome=outcome,
                               detail={"reason": ignored.reason})


def _changed(offer_no: str, move: Move, envelope: Envelope, *, by: str | None = None,
             card: str | None = None, reason: str | None = None) -> TimelineEntry:
    detail: dict[str, str] = {"to": move.after.value}
    if move.before is not None:
        detail["from"] = move.before.value
    for name, value in (("by", by), ("card", card), ("reason", reason)):
        if value:
            detail[name] = value
    return TimelineEntry.about(envelope, OBJECT, offer_no, "state_changed",
                               outcome=move.after.value, detail=detail)
