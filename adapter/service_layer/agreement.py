"""Agreement use cases (§二 2.1): sign, and apply the insurer's stamp receipt.

Each use case changes state and records the outbound document and the timeline in the
caller's transaction, so a state change never exists without the message it causes.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.agreement import (
    AgreementStamp,
    AgreementStatus,
    SignedAgreement,
    StampResult,
    next_status,
)
from adapter.domain.exchange import Envelope
from adapter.errors import BusinessRuleViolation, InvalidStateTransition
from adapter.mappings import signed_agreement
from adapter.mappings.registry import render
from adapter.persistence import agreements, outbox
from adapter.persistence.timeline import TimelineEntry, record

OBJECT = "agreement"


async def sign(conn: AsyncConnection, signed: SignedAgreement, *, hub: str, insurer: str) -> Envelope:
    """Store the signed agreement as 保险公司签约中 and queue X-OUT-1 in the same transaction."""
    envelope = Envelope.new(signed_agreement.MESSAGE_TYPE, business_serial=f"{signed.agreement_no}-SIGN",
                            sender=hub, receiver=insurer)
    await agreements.add(conn, signed)
    await outbox.enqueue(conn, envelope, render(signed_agreement.MESSAGE_TYPE, signed, envelope), partner=insurer,
                         object_type=OBJECT, object_id=signed.agreement_no)
    await record(conn, TimelineEntry(
        OBJECT, signed.agreement_no, "state_changed", outcome=AgreementStatus.SIGNING.value,
        message_type=envelope.message_type, message_id=envelope.message_id,
        correlation_id=envelope.correlation_id, detail={"to": AgreementStatus.SIGNING.value},
        at=signed.signed_at,
    ))
    return envelope


async def apply_stamp(conn: AsyncConnection, stamp: AgreementStamp, envelope: Envelope) -> None:
    """X-IN-2. A late or repeated stamp is recorded but never moves the state backwards."""
    current = await agreements.for_update(conn, stamp.agreement_no)
    if current is None:
        raise BusinessRuleViolation(
            f"no agreement {stamp.agreement_no}", code="E-AGREEMENT-UNKNOWN",
            path="/AgreementStamp/Body/AgreementNo", message_zh="协议不存在")
    if current["uscc"] != stamp.uscc:
        raise BusinessRuleViolation(
            f"agreement {stamp.agreement_no} belongs to another enterprise",
            code="E-AGREEMENT-USCC-MISMATCH", path="/AgreementStamp/Body/Uscc",
            message_zh="统一社会信用代码与协议不一致")
    received = TimelineEntry(
        OBJECT, stamp.agreement_no, "message_received", message_type=envelope.message_type,
        message_id=envelope.message_id, correlation_id=envelope.correlation_id,
        outcome=stamp.result.value, detail={"reason": stamp.refusal_reason} if stamp.refusal_reason else {},
    )
    before = AgreementStatus(current["status"])
    try:
        after = next_status(before, stamp.event)
    except InvalidStateTransition:
        late = TimelineEntry(OBJECT, stamp.agreement_no, "receipt_ignored", outcome=before.value,
                             message_id=envelope.message_id, correlation_id=envelope.correlation_id,
                             detail={"reason": f"状态为{before.value}，回执不改变状态"})
        await record(conn, received, late)
        return
    await agreements.set_status(
        conn, stamp.agreement_no, after, at=stamp.stamped_at,
        stamped_at=stamp.stamped_at if stamp.result is StampResult.STAMPED else None,
        insurer_seal_serial=stamp.insurer_seal_serial, refusal_reason=stamp.refusal_reason,
    )
    changed = TimelineEntry(OBJECT, stamp.agreement_no, "state_changed", outcome=after.value,
                            message_id=envelope.message_id, correlation_id=envelope.correlation_id,
                            detail={"from": before.value, "to": after.value})
    await record(conn, received, changed)
