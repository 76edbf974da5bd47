"""Agreement use cases (§二 2.1): sign, stamp receipt, terminate, termination result, PDF.

Each use case changes state and records the outbound document and the timeline in the
caller's transaction, so a state change never exists without the message it causes.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.agreement import (
    TERMINATION_CONFIRMATION,
    AgreementEvent,
    AgreementStamp,
    AgreementStatus,
    Enterprise,
    Seal,
    SignedAgreement,
    StampResult,
    TerminationRequest,
    TerminationResult,
    next_status,
    only_source,
)
from adapter.domain.exchange import Envelope, utcnow
from adapter.domain.identity import Identity
from adapter.errors import (
    BusinessRuleViolation,
    Conflict,
    DocumentRejected,
    FieldError,
    FieldErrors,
    InvalidStateTransition,
    NotFound,
)
from adapter.mappings import signed_agreement, termination_request
from adapter.mappings.registry import render
from adapter.persistence import agreements, outbox
from adapter.persistence.timeline import TimelineEntry, record
from adapter.ports.seals import SealInfo, SealRegistry
from adapter.rendering.agreement_pdf import AgreementSheet, render_signed
from adapter.rendering.agreement_text import AGREEMENT_VERSION

OBJECT = "agreement"
COMPANY_SEAL = "公司"


def enterprise_of(identity: Identity) -> Enterprise:
    return Enterprise(identity.enterprise_name, identity.uscc, identity.org_code or None)


def usable_seal(seals: SealRegistry, identity: Identity, seal_id: str) -> SealInfo:
    """A-1: only an unexpired seal of type 公司 may sign; anything else names the field."""
    seal = next((s for s in seals.seals_of(identity.uscc) if s.seal_id == seal_id), None)
    if seal is None:
        raise FieldErrors([FieldError("E-SEAL-UNKNOWN", "$.seal_id", "所选签章不存在，请重新选择")])
    if seal.seal_type != COMPANY_SEAL:
        raise FieldErrors([FieldError("E-SEAL-TYPE", "$.seal_id",
                                      f"签章类型为{seal.seal_type}，签署服务协议须使用类型为“公司”的签章")])
    if seal.valid_until < date.today():
        raise FieldErrors([FieldError("E-SEAL-EXPIRED", "$.seal_id",
                                      f"签章已于{seal.valid_until:%Y-%m-%d}过期，请制作新的签章")])
    return seal


async def prepare_signature(seals: SealRegistry, identity: Identity, seal_id: str) -> tuple[SignedAgreement, bytes, str]:
    """Everything that needs no database: checks, the agreement, its signed PDF (off the loop)."""
    identity.require_legal_person()
    seal = usable_seal(seals, identity, seal_id)
    signed_at = utcnow()
    agreement_no = f"SA{signed_at:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}"
    sheet = AgreementSheet(agreement_no, identity.enterprise_name, identity.uscc, identity.user_name,
                           seal.name, signed_at, AgreementStatus.SIGNING.value)
    pdf = await asyncio.to_thread(render_signed, sheet, seals.material(identity.uscc, seal.seal_id))
    signed = SignedAgreement(
        agreement_no=agreement_no, agreement_version=AGREEMENT_VERSION,
        enterprise=enterprise_of(identity), signer_name=identity.user_name, signed_at=signed_at,
        seal=Seal(seal.seal_id, seal.seal_type, seal.valid_until), document=pdf,
    )
    return signed, pdf, seal.name


async def sign(conn: AsyncConnection, signed: SignedAgreement, *, hub: str, insurer: str,
               seal_name: str | None = None) -> Envelope:
    """Store the signed agreement as 保险公司签约中 and queue X-OUT-1 in the same transaction."""
    envelope = Envelope.new(signed_agreement.MESSAGE_TYPE,
                            business_serial=f"{signed.agreement_no}-SIGN", sender=hub, receiver=insurer)
    if not await agreements.add(conn, signed, seal_name=seal_name, document=signed.document):
        raise Conflict(f"{signed.enterprise.uscc} already has a live agreement",
                       code="E-AGREEMENT-EXISTS", message_zh="当前企业已签署服务协议，请勿重复签署")
    await outbox.enqueue(conn, envelope, render(signed_agreement.MESSAGE_TYPE, signed, envelope),
                         partner=insurer, object_type=OBJECT, object_id=signed.agreement_no)
    await record(conn, _changed(signed.agreement_no, None, AgreementStatus.SIGNING, envelope,
                                at=signed.signed_at, by=signed.signer_name))
    return envelope


@dataclass(frozen=True, slots=True)
class Receipt:
    """An insurer's receipt about an agreement, as the state table and the timeline need it."""

    agreement_no: str
    uscc: str
    root: str
    event: AgreementEvent
    envelope: Envelope
    received: TimelineEntry
    at: Any
    stamped_at: Any = None
    insurer_seal_serial: str | None = None
    refusal_reason: str | None = None
    terminated_at: Any = None

    def fields(self) -> dict[str, Any]:
        values = {"stamped_at": self.stamped_at, "insurer_seal_serial": self.insurer_seal_serial,
                  "refusal_reason": self.refusal_reason, "terminated_at": self.terminated_at}
        return {k: v for k, v in values.items() if v is not None}


def stamp_receipt(stamp: AgreementStamp, envelope: Envelope) -> Receipt:
    stamped = stamp.result is StampResult.STAMPED
    return Receipt(stamp.agreement_no, stamp.uscc, "AgreementStamp", stamp.event, envelope,
                   _received(stamp.agreement_no, envelope, stamp.result.value, stamp.refusal_reason),
                   stamp.stamped_at, stamped_at=stamp.stamped_at if stamped else None,
                   insurer_seal_serial=stamp.insurer_seal_serial, refusal_reason=stamp.refusal_reason)


def termination_receipt(result: TerminationResult, envelope: Envelope) -> Receipt:
    confirmed = result.event is AgreementEvent.TERMINATION_CONFIRMED
    return Receipt(result.agreement_no, result.uscc, "TerminationResult", result.event, envelope,
                   _received(result.agreement_no, envelope, result.result.value, result.reason),
                   result.decided_at, terminated_at=result.decided_at if confirmed else None,
                   refusal_reason=None if confirmed else result.reason)


async def apply_stamp(conn: AsyncConnection, stamp: AgreementStamp, envelope: Envelope) -> None:
    """X-IN-2. A late or repeated stamp is recorded but never moves the state backwards."""
    await _apply_receipt(conn, stamp_receipt(stamp, envelope))


async def apply_receipts(conn: AsyncConnection,
                         receipts: list[Receipt]) -> list[DocumentRejected | None]:
    """A group's receipts: the usual moves in one statement, everything else one by one.

    Only the first receipt for an agreement joins the shared statement; later ones, and
    those whose agreement was not where they expected, take the single path in order.
    """
    leading: dict[str, tuple[Receipt, tuple[AgreementStatus, AgreementStatus]]] = {}
    for receipt in receipts:
        move = only_source(receipt.event)
        if move and receipt.agreement_no not in leading:
            leading[receipt.agreement_no] = (receipt, move)
    moved = await agreements.move_many(conn, [
        agreements.Move(r.agreement_no, r.uscc, move[0], move[1], r.at, **r.fields())
        for r, move in leading.values()])
    outcomes: list[DocumentRejected | None] = []
    for receipt in receipts:
        lead = leading.get(receipt.agreement_no)
        if lead and lead[0] is receipt and receipt.agreement_no in moved:
            await record(conn, receipt.received, _changed(receipt.agreement_no, lead[1][0], lead[1][1],
                                                          receipt.envelope, at=None))
            outcomes.append(None)
            continue
        try:
            await _apply_receipt(conn, receipt)
            outcomes.append(None)
        except DocumentRejected as refused:
            outcomes.append(refused)
    return outcomes


async def request_termination(conn: AsyncConnection, identity: Identity, agreement_no: str, *,
                              confirmation: str, reason: str | None, hub: str, insurer: str) -> Envelope:
    """A-4: only with the explicit 坚持解约, only by the legal-person card; queues X-OUT-2."""
    identity.require_legal_person()
    if confirmation != TERMINATION_CONFIRMATION:
        raise FieldErrors([FieldError("E-TERMINATION-CONFIRMATION", "$.confirmation",
                                      "请确认是否解约：点击“坚持解约”后方可提交解约申请")])
    current = await agreements.for_update(conn, agreement_no)
    if current is None or current["uscc"] != identity.uscc:
        raise NotFound(f"agreement {agreement_no}", code="E-AGREEMENT-NOT-FOUND", message_zh="协议不存在")
    before = AgreementStatus(current["status"])
    after = next_status(before, AgreementEvent.TERMINATION_REQUESTED)
    now = utcnow()
    request = TerminationRequest(agreement_no, enterprise_of(identity), identity.user_name, now, reason)
    envelope = Envelope.new(termination_request.MESSAGE_TYPE, sender=hub, receiver=insurer,
                            business_serial=f"{agreement_no}-TERM-{now:%Y%m%d%H%M%S}")
    await agreements.set_status(conn, agreement_no, after, at=now, termination_requested_at=now,
                                termination_reason=reason)
    await outbox.enqueue(conn, envelope, render(termination_request.MESSAGE_TYPE, request, envelope),
                         partner=insurer, object_type=OBJECT, object_id=agreement_no)
    await record(conn, _changed(agreement_no, before, after, envelope, at=now, by=identity.user_name))
    return envelope


async def apply_termination_result(conn: AsyncConnection, result: TerminationResult,
                                   envelope: Envelope) -> None:
    """X-IN-3: 解约中 → 解约成功 / 解约失败; a result for another state is only recorded."""
    await _apply_receipt(conn, termination_receipt(result, envelope))


async def signed_pdf(conn: AsyncConnection, seals: SealRegistry, identity: Identity,
                     agreement_no: str) -> tuple[str, bytes]:
    """A-2: the stored PDF, re-rendered and re-signed when the state it shows is out of date."""
    row = await agreements.get(conn, agreement_no, uscc=identity.uscc)
    if row is None:
        raise NotFound(f"agreement {agreement_no}", code="E-AGREEMENT-NOT-FOUND", message_zh="协议不存在")
    pdf, shown = await agreements.document(conn, agreement_no)
    if pdf is None or shown != row["status"]:
        sheet = AgreementSheet(agreement_no, row["enterprise_name"], row["uscc"], row["signer_name"],
                               row["seal_name"] or row["seal_id"], row["signed_at"], row["status"],
                               row["stamped_at"], None)
        pdf = await asyncio.to_thread(render_signed, sheet, seals.material(row["uscc"], row["seal_id"]))
        await agreements.store_document(conn, agreement_no, pdf, row["status"])
    return agreement_no, pdf


async def _apply_receipt(conn: AsyncConnection, receipt: Receipt) -> None:
    """The usual case in one statement (the row is still where the receipt expects it);
    anything else (unknown, another enterprise's, late, repeated) is sorted out after."""
    move = only_source(receipt.event)
    if move and await agreements.move_if(conn, receipt.agreement_no, receipt.uscc, expected=move[0],
                                         to=move[1], at=receipt.at, **receipt.fields()):
        await record(conn, receipt.received, _changed(receipt.agreement_no, move[0], move[1],
                                                      receipt.envelope, at=None))
        return
    current = await _receipt_target(conn, receipt.agreement_no, receipt.uscc, receipt.root)
    await _move(conn, current, receipt.event, receipt.envelope, receipt.received, at=receipt.at,
                **receipt.fields())


async def _receipt_target(conn: AsyncConnection, agreement_no: str, uscc: str, root: str) -> dict[str, Any]:
    current = await agreements.for_update(conn, agreement_no)
    if current is None:
        raise BusinessRuleViolation(f"no agreement {agreement_no}", code="E-AGREEMENT-UNKNOWN",
                                    path=f"/{root}/Body/AgreementNo", message_zh="协议不存在")
    if current["uscc"] != uscc:
        raise BusinessRuleViolation(f"agreement {agreement_no} belongs to another enterprise",
                                    code="E-AGREEMENT-USCC-MISMATCH", path=f"/{root}/Body/Uscc",
                                    message_zh="统一社会信用代码与协议不一致")
    return current


async def _move(conn: AsyncConnection, current: dict[str, Any], event: AgreementEvent,
                envelope: Envelope, received: TimelineEntry, *, at: Any, **fields: Any) -> None:
    """Apply a receipt's event if the table allows it; otherwise record it and change nothing."""
    agreement_no = current["agreement_no"]
    before = AgreementStatus(current["status"])
    try:
        after = next_status(before, event)
    except InvalidStateTransition:
        ignored = TimelineEntry(OBJECT, agreement_no, "receipt_ignored", outcome=before.value,
                                message_type=envelope.message_type, message_id=envelope.message_id,
                                correlation_id=envelope.correlation_id,
                                detail={"reason": f"状态为{before.value}，回执不改变状态"})
        await record(conn, received, ignored)
        return
    await agreements.set_status(conn, agreement_no, after, at=at,
                                **{k: v for k, v in fields.items() if v is not None})
    await record(conn, received, _changed(agreement_no, before, after, envelope, at=None))


def _received(agreement_no: str, envelope: Envelope, outcome: str, reason: str | None) -> TimelineEntry:
    return TimelineEntry(OBJECT, agreement_no, "message_received", outcome=outcome,
                         message_type=envelope.message_type, message_id=envelope.message_id,
                         correlation_id=envelope.correlation_id,
                         detail={"reason": reason} if reason else {})


def _changed(agreement_no: str, before: AgreementStatus | None, after: AgreementStatus,
             envelope: Envelope, *, at: Any, by: str | None = None) -> TimelineEntry:
    detail: dict[str, Any] = {"to": after.value}
    if before is not None:
        detail["from"] = before.value
    if by:
        detail["by"] = by
    return TimelineEntry(OBJECT, agreement_no, "state_changed", outcome=after.value,
                         message_type=envelope.message_type, message_id=envelope.message_id,
                         correlation_id=envelope.correlation_id, detail=detail, at=at)
