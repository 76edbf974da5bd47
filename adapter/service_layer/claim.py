"""索赔申请 use cases (§四, C-1 … C-12): policies and their claims, the form, shipment lines,
the sealed shipment report, submit (X-OUT-7) and the insurer's review (X-IN-5).

Each use case loads the claim through the unit of work, lets the aggregate decide, and
commits the claim, the outbound document and the timeline together. Other workflows
(attachments) build on :func:`editable_claim` and :func:`readable_claim`, so "whose claim is
this and may it still change" is answered in one place.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from adapter.codelists import catalogue
from adapter.domain import messages
from adapter.domain.agreement import AgreementStatus
from adapter.domain.claim import (
    AttachmentRef,
    Bank,
    Buyer,
    CaseQuestions,
    Claim,
    ClaimDocument,
    ClaimNeedsAgreement,
    ClaimNotFound,
    ClaimReview,
    ClaimStatus,
    ClaimSubmissionIncomplete,
    ClaimUnknown,
    Explanation,
    Ignored,
    Move,
    PolicyNotFound,
    PolicyRef,
    ReportStale,
    ReportStamp,
    ShipmentLine,
    ShipmentLinesRequired,
    TooManyLines,
    check_line,
    lines_digest,
    with_line_id,
)
from adapter.domain.declaration_check import CheckResult
from adapter.domain.errors import DocumentRejected, FieldError, FieldErrors, InvalidValue
from adapter.domain.exchange import Envelope, utcnow
from adapter.domain.identity import Identity
from adapter.domain.insurance import ApplicationStatus, InsuranceApplication
from adapter.domain.timeline import TimelineEntry
from adapter.mappings.registry import render
from adapter.ports.customs import CustomsData
from adapter.ports.seals import SealRegistry
from adapter.rendering.shipment_report_pdf import ReportHeader, ShipmentSet, render_signed
from adapter.service_layer.declaration_check import DeclarationRef, check_declarations
from adapter.service_layer.insurance_documents import _company_seal
from adapter.service_layer.parties import Parties
from adapter.service_layer.unit_of_work import UnitOfWork, UnitsOfWork

OBJECT = "claim"
Clock = Callable[[], datetime]
# Attachments of a claim, as the attachment workflow lists them.
AttachmentsOf = Callable[[UnitOfWork, str], Awaitable[Sequence[AttachmentRef]]]
MAX_LINES = 200


# --- the two questions other workflows ask ------------------------------------------------------


async def readable_claim(uow: UnitOfWork, identity: Identity, claim_no: str) -> Claim:
    """The enterprise's claim; another enterprise's, or none, is 404 (E-CLAIM-NOT-FOUND)."""
    found = await uow.claims.get(claim_no, uscc=identity.uscc)
    if found is None:
        raise ClaimNotFound(f"claim {claim_no}")
    return found


async def editable_claim(uow: UnitOfWork, identity: Identity, claim_no: str) -> Claim:
    """The enterprise's claim, locked, while it may still change (未提交 or 退回); 404 as
    :func:`readable_claim`, 409 E-CLAIM-NOT-EDITABLE once submitted or approved."""
    found = await uow.claims.for_update(claim_no)
    if found is None or found.uscc != identity.uscc:
        raise ClaimNotFound(f"claim {claim_no}")
    found.require_editable()
    return found


# --- C-1, C-2 policies and their claims -----------------------------------------------------------


async def require_signed(uow: UnitOfWork, uscc: str) -> None:
    """C-1: only a signed agreement (签约成功) opens the claim screens."""
    agreement = await uow.agreements.live_of(uscc)
    if agreement is None or agreement.status is not AgreementStatus.SIGNED:
        raise ClaimNeedsAgreement(f"{uscc} has no signed agreement")


def policy_ref(application: InsuranceApplication) -> PolicyRef:
    assert application.policy_no and application.policy_start and application.policy_end
    offer = application.offer
    return PolicyRef(offer.offer_no, application.policy_no, application.policy_start,
                     application.policy_end, offer.insurer.name, offer.insurer.code)


@dataclass(frozen=True, slots=True)
class PolicyClaims:
    policy: InsuranceApplication
    claims: list[Claim]


async def policies(uows: UnitsOfWork, identity: Identity, *, limit: int = 100
                   ) -> list[PolicyClaims]:
    """信用保险保单: every effective policy of the enterprise, each with its claims."""
    async with uows.reading() as uow:
        await require_signed(uow, identity.uscc)
        issued = await uow.applications.page(identity.uscc, statuses=None, policies=True,
                                             limit=limit, after=None)
        found = [item for item in issued if item.status is ApplicationStatus.EFFECTIVE]
        return [PolicyClaims(item, await uow.claims.of_policy(identity.uscc, item.offer_no))
                for item in found]


# 索赔申请受理结果 (第二章 1.2, H-3): the claims the insurer has answered.
RESULTS = (ClaimStatus.APPROVED.value, ClaimStatus.RETURNED.value)


async def results(uows: UnitsOfWork, identity: Identity, *, limit: int,
                  after: tuple[datetime, str] | None) -> list[Claim]:
    """The enterprise's claims with the insurer's answer (审核通过, 退回), newest first."""
    async with uows.reading() as uow:
        await require_signed(uow, identity.uscc)
        return await uow.claims.page(identity.uscc, statuses=RESULTS, limit=limit, after=after)


async def results_count(uow: UnitOfWork, uscc: str) -> int:
    """How many rows :func:`results` lists, with its filter; none without a signed
    agreement, where the list opens nothing (C-1)."""
    agreement = await uow.agreements.live_of(uscc)
    if agreement is None or agreement.status is not AgreementStatus.SIGNED:
        return 0
    return await uow.claims.count(uscc, statuses=RESULTS)


async def _effective_policy(uow: UnitOfWork, identity: Identity, offer_no: str) -> PolicyRef:
    application = await uow.applications.get(offer_no, uscc=identity.uscc)
    if (application is None or application.status is not ApplicationStatus.EFFECTIVE
            or application.policy_no is None):
        raise PolicyNotFound(f"no effective policy {offer_no}")
    return policy_ref(application)


async def policy_claims(uows: UnitsOfWork, identity: Identity, offer_no: str) -> list[Claim]:
    async with uows.reading() as uow:
        await require_signed(uow, identity.uscc)
        await _effective_policy(uow, identity, offer_no)
        return await uow.claims.of_policy(identity.uscc, offer_no)


async def create(uows: UnitsOfWork, identity: Identity, offer_no: str, *,
                 clock: Clock = utcnow) -> Claim:
    """我要索赔: a new draft on an effective policy, numbered by the hub."""
    async with uows.begin() as uow:
        await require_signed(uow, identity.uscc)
        policy = await _effective_policy(uow, identity, offer_no)
        now = clock()
        claim = Claim(f"SP{now:%Y%m%d}{uuid.uuid4().hex[:10].upper()}", identity.uscc,
                      identity.enterprise_name, policy, ClaimStatus.DRAFT, now, now,
                      identity.user_name)
        await uow.claims.add(claim)
        uow.timeline.record(_entry(claim.claim_no, "state_changed", Move(None, claim.status), now,
                                   by=identity.user_name, detail={"policy_no": policy.policy_no}))
        await uow.commit()
    return claim


async def claim_of(uows: UnitsOfWork, identity: Identity, claim_no: str) -> Claim:
    async with uows.reading() as uow:
        return await readable_claim(uow, identity, claim_no)


async def report_pdf(uows: UnitsOfWork, identity: Identity, claim_no: str) -> bytes:
    async with uows.reading() as uow:
        claim = await readable_claim(uow, identity, claim_no)
        pdf = await uow.claims.report(claim.claim_no) if claim.report else None
    if pdf is None:
        raise ClaimNotFound(f"claim {claim_no} has no report")
    return pdf


# --- C-3 … C-6, C-9 the form and its lines --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FormChange:
    """The sections a save sends; ``sent`` names those present (a null clears one)."""

    sent: frozenset[str]
    buyer: Buyer | None = None
    issuing_bank: Bank | None = None
    confirming_bank: Bank | None = None
    case: CaseQuestions | None = None
    explanation: Explanation | None = None


async def update_form(uows: UnitsOfWork, identity: Identity, claim_no: str, change: FormChange, *,
                      clock: Clock = utcnow) -> Claim:
    """界面顶端的保存: the claim's sections, each replaced when sent."""
    if change.case is not None and (refused := change.case.refusals()):
        raise FieldErrors(refused)
    async with uows.begin() as uow:
        claim = await editable_claim(uow, identity, claim_no)
        for name in ("buyer", "issuing_bank", "confirming_bank", "case", "explanation"):
            if name in change.sent:
                setattr(claim, name, getattr(change, name))
        claim.updated_at = clock()
        await uow.claims.save(claim)
        uow.timeline.record(_entry(claim_no, "form_saved", None, claim.updated_at,
                                   by=identity.user_name,
                                   detail={"sections": ",".join(sorted(change.sent))}))
        await uow.commit()
    return claim


def max_term_days() -> int:
    """The longest 支付期限 the credit-period list allows."""
    return max(int(entry["max_days"]) for entry in catalogue().get("credit-periods").entries)


def new_line_id(now: datetime) -> str:
    """出运信息流水号: 20 digits, the date and twelve random ones (the manual's example's shape)."""
    return f"{now:%Y%m%d}{secrets.randbelow(10 ** 12):012d}"


def _checked(claim: Claim, lines: Sequence[ShipmentLine], prefix: str, *,
             replacing: bool = False) -> None:
    errors: list[FieldError] = []
    for index, line in enumerate(lines):
        at = prefix if len(lines) == 1 and not prefix.endswith("rows") else f"{prefix}[{index}]"
        errors += check_line(line, claim.policy, max_term_days(), at)
    if len(claim.lines) + (0 if replacing else len(lines)) > MAX_LINES:
        errors.append(FieldError.of(TooManyLines("too many lines", max_lines=MAX_LINES), prefix))
    if errors:
        raise FieldErrors(errors)


async def save_line(uows: UnitsOfWork, identity: Identity, claim_no: str, line: ShipmentLine,
                    *, line_id: str | None = None, clock: Clock = utcnow) -> ShipmentLine:
    """保存 (``line_id`` given: that line) or 新增 (a new line)."""
    async with uows.begin() as uow:
        claim = await editable_claim(uow, identity, claim_no)
        now = clock()
        if line_id is not None:
            claim.line(line_id)
        line = with_line_id(line, line_id or new_line_id(now))
        _checked(claim, [line], "$", replacing=line_id is not None)
        claim.put_line(line, now)
        await _save_lines(uow, claim, identity, "line_saved", [line.line_id], now)
    return line


async def import_lines(uows: UnitsOfWork, identity: Identity, claim_no: str,
                       lines: Sequence[ShipmentLine], *, clock: Clock = utcnow) -> list[ShipmentLine]:
    """导入: the template's rows become new lines, all or none."""
    async with uows.begin() as uow:
        claim = await editable_claim(uow, identity, claim_no)
        now = clock()
        added = [with_line_id(line, new_line_id(now)) for line in lines]
        _checked(claim, added, "$.rows")
        for line in added:
            claim.put_line(line, now)
        await _save_lines(uow, claim, identity, "lines_imported", [x.line_id for x in added], now)
    return added


async def delete_lines(uows: UnitsOfWork, identity: Identity, claim_no: str,
                       line_ids: Sequence[str], *, clock: Clock = utcnow) -> Claim:
    """删除 one or several lines."""
    async with uows.begin() as uow:
        claim = await editable_claim(uow, identity, claim_no)
        now = clock()
        claim.remove_lines(line_ids, now)
        await _save_lines(uow, claim, identity, "lines_deleted", line_ids, now)
    return claim


async def _save_lines(uow: UnitOfWork, claim: Claim, identity: Identity, event: str,
                      line_ids: Sequence[str], now: datetime) -> None:
    await uow.claims.save(claim)
    uow.timeline.record(_entry(claim.claim_no, event, None, now, by=identity.user_name,
                               detail={"lines": ",".join(line_ids),
                                       "report": claim.report_state}))
    await uow.commit()


# --- C-8 the shipment report ----------------------------------------------------------------------


# Draws and seals the report for a claim's lines (rendering + customs + seal, wired by the
# portal); raises FieldErrors naming lines whose documents are not found.
ReportMaker = Callable[[Claim], Awaitable[bytes]]


async def generate_report(uows: UnitsOfWork, identity: Identity, claim_no: str,
                          make: ReportMaker, *, clock: Clock = utcnow) -> Claim:
    """生成出运数据报告: sealed, stored, and stamped with the digest of the lines it shows."""
    async with uows.reading() as uow:
        claim = await readable_claim(uow, identity, claim_no)
    claim.require_editable()
    if not claim.lines:
        raise FieldErrors([FieldError.of(ShipmentLinesRequired("no lines"), "$.shipments")])
    pdf = await make(claim)
    async with uows.begin() as uow:
        current = await editable_claim(uow, identity, claim_no)
        digest = lines_digest(claim.lines)
        if lines_digest(current.lines) != digest:
            raise FieldErrors([FieldError.of(ReportStale("lines changed meanwhile"),
                                             "$.shipment_report")])
        stamp = ReportStamp(digest, clock(), hashlib.sha256(pdf).hexdigest())
        current.stamp_report(stamp)
        await uow.claims.save(current)
        await uow.claims.store_report(claim_no, pdf, stamp.sha256)
        uow.timeline.record(_entry(claim_no, "report_generated", None, stamp.generated_at,
                                   by=identity.user_name,
                                   detail={"sha256": stamp.sha256, "lines_digest": digest}))
        await uow.commit()
    return current


# --- C-11 submit (X-OUT-7) ------------------------------------------------------------------------


def bank_needs(method: str) -> tuple[bool, bool]:
    entry = catalogue().get("payment-methods").entry(method)
    if entry is None:
        return False, False
    return bool(entry["needs_issuing_bank"]), bool(entry["needs_confirming_bank"])


def payment_name(method: str) -> str:
    entry = catalogue().get("payment-methods").entry(method)
    return str(entry["name"]) if entry else method


@dataclass(frozen=True, slots=True)
class Delivery:
    """How the claim's files reach the insurer: the URL it fetches each from."""

    report_url: Callable[[Claim], str]
    attachment_url: Callable[[Claim, AttachmentRef], str]
    org_code: str | None = None


async def submit(uows: UnitsOfWork, identity: Identity, claim_no: str, *,
                 declaration_accepted: bool, parties: Parties, attachments_of: AttachmentsOf,
                 delivery: Delivery, clock: Clock = utcnow) -> Claim:
    """提交: every missing piece refused at once (422), else 已提交 and X-OUT-7 queued."""
    async with uows.begin() as uow:
        claim = await editable_claim(uow, identity, claim_no)
        attachments = tuple(await attachments_of(uow, claim_no))
        missing = claim.missing_pieces(attachments=len(attachments),
                                       declaration_accepted=declaration_accepted,
                                       bank_needs=bank_needs, payment_name=payment_name)
        if missing:
            raise FieldErrors([FieldError.of(ClaimSubmissionIncomplete("incomplete"), "$"),
                               *missing])
        now = clock()
        move = claim.submit(at=now, by=identity.user_name)
        assert claim.business_serial is not None and claim.report is not None
        document = ClaimDocument(
            claim, delivery.org_code or identity.org_code or None, claim.report.sha256,
            delivery.report_url(claim), attachments,
            tuple(delivery.attachment_url(claim, a) for a in attachments), True)
        envelope = parties.envelope(messages.CLAIM_APPLICATION, claim.business_serial)
        await uow.claims.save(claim)
        await uow.outbox.add(envelope, render(messages.CLAIM_APPLICATION.message_type, document,
                                              envelope),
                             partner=parties.insurer, object_type=OBJECT, object_id=claim_no)
        uow.timeline.record(TimelineEntry.about(
            envelope, OBJECT, claim_no, "state_changed", outcome=move.after.value,
            detail={"from": move.before.value if move.before else None, "to": move.after.value,
                    "by": identity.user_name, "business_serial": claim.business_serial,
                    "attachments": len(attachments)}))
        await uow.commit()
    return claim


# --- C-12 X-IN-5 the review ----------------------------------------------------------------------


async def apply_reviews(uow: UnitOfWork, items: Sequence[tuple[ClaimReview, Envelope]]
                        ) -> list[DocumentRejected | None]:
    outcomes: list[DocumentRejected | None] = []
    for review, envelope in items:
        try:
            await _apply_review(uow, review, envelope)
            outcomes.append(None)
        except DocumentRejected as refused:
            outcomes.append(refused)
    return outcomes


async def _apply_review(uow: UnitOfWork, review: ClaimReview, envelope: Envelope) -> None:
    review.check_complete()
    claim = await uow.claims.for_update(review.claim_no)
    if claim is None:
        raise ClaimUnknown(f"no claim {review.claim_no}", path="/ClaimReview/Body/ClaimNo")
    claim.check_review(review)
    uow.timeline.record(TimelineEntry.about(
        envelope, OBJECT, claim.claim_no, "message_received", outcome=review.result.value,
        detail={"business_serial": review.business_serial, "reason": review.return_reason,
                "manager": review.manager_name}))
    result = claim.apply(review)
    if isinstance(result, Ignored):
        uow.timeline.record(TimelineEntry.about(envelope, OBJECT, claim.claim_no, "receipt_ignored",
                                                outcome=claim.status.value,
                                                detail={"reason": result.reason}))
        return
    await uow.claims.save(claim)
    uow.timeline.record(TimelineEntry.about(
        envelope, OBJECT, claim.claim_no, "state_changed", outcome=result.after.value,
        detail={"from": result.before.value if result.before else None, "to": result.after.value,
                "reason": review.return_reason}))


def _entry(claim_no: str, event: str, move: Move | None, at: datetime, *, by: str,
           detail: dict[str, str] | None = None) -> TimelineEntry:
    shown: dict[str, str | int | float | bool | None] = {"by": by, **(detail or {})}
    if move is not None:
        shown["to"] = move.after.value
        if move.before is not None:
            shown["from"] = move.before.value
    return TimelineEntry(OBJECT, claim_no, event, outcome=move.after.value if move else None,
                         detail=shown, at=at)


# --- the report maker: customs documents, the renderer, the enterprise's seal -------------------


class ReportDocumentsMissing(InvalidValue):
    code = "E-CLAIM-REPORT-DOCUMENTS"
    message_zh = "出运信息{line_id}的单证未查询到符合条件的数据，请先完成申报单证检查"


def report_maker(customs: CustomsData, seals: SealRegistry, identity: Identity) -> ReportMaker:
    """Draws the 出运数据报告 from the Single Window's documents for each line and seals it
    with the enterprise's first usable company seal (PAdES, as the agreement)."""
    async def make(claim: Claim) -> bytes:
        refs = [DeclarationRef(line.line_id, line.declaration_no, line.origin_certificate_no)
                for line in claim.lines]
        checks = check_declarations(customs, identity.uscc, refs)
        refused = [FieldError.of(ReportDocumentsMissing("not found", line_id=check.line_id),
                                 f"$.shipments[{index}].declaration_no")
                   for index, check in enumerate(checks) if check.result is not CheckResult.FOUND]
        if refused:
            raise FieldErrors(refused)
        sets = [ShipmentSet(line.line_id, line.invoice_no, check.declaration, check.bill_of_lading,
                            check.certificate, line.origin_certificate_no)
                for line, check in zip(claim.lines, checks, strict=True) if check.declaration]
        header = ReportHeader(claim.claim_no, claim.policy.policy_no, claim.enterprise_name,
                              claim.uscc, claim.buyer.code if claim.buyer else "",
                              claim.buyer.name_en if claim.buyer else "", utcnow())
        material = _company_seal(seals, identity.uscc)
        if material is None:
            raise FieldErrors([FieldError.of(ReportSealMissing("no seal"), "$.shipment_report")])
        return await asyncio.to_thread(render_signed, header, sets, material)
    return make


class ReportSealMissing(InvalidValue):
    code = "E-CLAIM-REPORT-SEAL"
    message_zh = "企业没有可用的公司电子印章，不能对出运数据报告加盖电子印章"
