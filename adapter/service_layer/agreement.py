"""Agreement use cases (§二 2.1): sign, stamp and termination receipts, terminate, PDF.

Each use case loads the agreement through the unit of work, lets the aggregate decide,
and commits the state, the outbound document and the timeline together, so a state
change never exists without the message it causes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from adapter.domain import messages
from adapter.domain.agreement import (
    Action,
    Agreement,
    AgreementExists,
    AgreementNotFound,
    AgreementReceipt,
    AgreementStatus,
    Enterprise,
    Move,
    Seal,
    SignedAgreement,
    TerminationRequest,
    choose_seal,
    confirm_termination,
    only_source,
    require_card,
    unknown_agreement,
)
from adapter.domain.errors import DocumentRejected
from adapter.domain.exchange import Envelope, utcnow
from adapter.domain.identity import Identity
from adapter.domain.timeline import TimelineEntry
from adapter.mappings.registry import render
from adapter.ports.seals import SealRegistry
from adapter.rendering.agreement_pdf import AgreementSheet, render_signed
from adapter.rendering.agreement_text import AGREEMENT_VERSION
from adapter.service_layer.parties import Parties
from adapter.service_layer.unit_of_work import ExpectedMove, UnitOfWork, UnitsOfWork

OBJECT = "agreement"


@dataclass(frozen=True, slots=True)
class Signature:
    """Everything signing needs that is not in the database: the agreement and its PDF."""

    signed: SignedAgreement
    seal_name: str


async def prepare_signature(seals: SealRegistry, identity: Identity, seal_id: str, *,
                            today: date | None = None) -> Signature:
    """The card and seal checks, the agreement and its signed PDF (rendered off the loop)."""
    require_card(identity, Action.SIGN)
    seal = choose_seal(seals.seals_of(identity.uscc), seal_id, today or date.today())
    signed_at = utcnow()
    agreement_no = f"SA{signed_at:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}"
    sheet = AgreementSheet(agreement_no, identity.enterprise_name, identity.uscc, identity.user_name,
                           seal.name, signed_at, AgreementStatus.SIGNING.value)
    pdf = await asyncio.to_thread(render_signed, sheet, seals.material(identity.uscc, seal.seal_id))
    signed = SignedAgreement(
        agreement_no=agreement_no, agreement_version=AGREEMENT_VERSION,
        enterprise=Enterprise.of(identity), signer_name=identity.user_name, signed_at=signed_at,
        seal=Seal(seal.seal_id, seal.seal_type, seal.valid_until), document=pdf)
    return Signature(signed, seal.name)


async def refuse_if_live(uows: UnitsOfWork, identity: Identity) -> None:
    """The cheap check before the costly one: an enterprise that already has a live
    agreement hears 409 before a PDF is rendered and signed for nothing (the unique live
    agreement per enterprise in the database still decides a race)."""
    async with uows.reading() as uow:
        live = await uow.agreements.live_of(identity.uscc)
    if live is not None:
        raise AgreementExists(f"{identity.uscc} already has agreement {live.agreement_no}")


async def sign(uow: UnitOfWork, signed: SignedAgreement, parties: Parties, *,
               seal_name: str | None = None) -> Envelope:
    """Store the agreement as 保险公司签约中 and queue X-OUT-1, in the caller's unit of work."""
    agreement = Agreement.signed(signed, seal_name=seal_name)
    if not await uow.agreements.add(agreement, document=signed.document):
        raise AgreementExists(f"{signed.enterprise.uscc} already has a live agreement")
    envelope = parties.envelope(messages.SIGNED_AGREEMENT, f"{signed.agreement_no}-SIGN")
    await uow.outbox.add(envelope, render(messages.SIGNED_AGREEMENT.message_type, signed, envelope),
                         partner=parties.insurer, object_type=OBJECT, object_id=signed.agreement_no)
    uow.timeline.record(_changed(agreement.agreement_no, Move(None, agreement.status), envelope,
                                 at=signed.signed_at, by=signed.signer_name))
    return envelope


async def sign_and_commit(uows: UnitsOfWork, signature: Signature, parties: Parties) -> Agreement:
    """A-1: the portal's 签署 — the agreement as it now stands."""
    async with uows.begin() as uow:
        await sign(uow, signature.signed, parties, seal_name=signature.seal_name)
        await uow.commit()
    return Agreement.signed(signature.signed, seal_name=signature.seal_name)


async def request_termination(uows: UnitsOfWork, identity: Identity, agreement_no: str, *,
                              confirmation: str, reason: str | None, parties: Parties) -> Agreement:
    """A-4: only with the explicit 坚持解约, only by the legal-person card; queues X-OUT-2."""
    require_card(identity, Action.TERMINATE)
    confirm_termination(confirmation)
    async with uows.begin() as uow:
        agreement = await uow.agreements.for_update(agreement_no)
        if agreement is None or agreement.uscc != identity.uscc:
            raise AgreementNotFound(f"agreement {agreement_no}")
        now = utcnow()
        move = agreement.request_termination(at=now, reason=reason)
        request = TerminationRequest(agreement_no, Enterprise.of(identity), identity.user_name, now,
                                     reason)
        envelope = parties.envelope(messages.TERMINATION_REQUEST,
                                    f"{agreement_no}-TERM-{now:%Y%m%d%H%M%S}")
        await uow.agreements.save(agreement)
        await uow.outbox.add(envelope,
                             render(messages.TERMINATION_REQUEST.message_type, request, envelope),
                             partner=parties.insurer, object_type=OBJECT, object_id=agreement_no)
        uow.timeline.record(_changed(agreement_no, move, envelope, at=now, by=identity.user_name))
        await uow.commit()
    return agreement


async def apply_receipts(uow: UnitOfWork, receipts: Sequence[tuple[AgreementReceipt, Envelope]]
                         ) -> list[DocumentRejected | None]:
    """X-IN-2 and X-IN-3, a group at a time; one outcome (a refusal or None) per receipt.

    The usual receipt (the agreement is where the table says the event comes from) moves in
    one conditional statement for the whole group. The rest — unknown, another
    enterprise's, late, repeated, or a second receipt for the same agreement — load the
    aggregate and are decided by it, in order. A late receipt never moves a state backwards:
    it is recorded as ``receipt_ignored``.
    """
    leading: dict[str, tuple[AgreementReceipt, ExpectedMove]] = {}
    for receipt, _envelope in receipts:
        move = only_source(receipt.event)
        if move and receipt.agreement_no not in leading:
            leading[receipt.agreement_no] = (receipt, ExpectedMove(
                receipt.agreement_no, receipt.uscc, move[0], move[1], receipt.at, receipt.facts))
    moved = await uow.agreements.move_many([expected for _, expected in leading.values()])
    rest = [(receipt, envelope) for receipt, envelope in receipts
            if not _moved_as_expected(receipt, leading, moved)]
    loaded = await uow.agreements.for_update_many([receipt.agreement_no for receipt, _ in rest])
    outcomes: list[DocumentRejected | None] = []
    for receipt, envelope in receipts:
        if _moved_as_expected(receipt, leading, moved):
            expected = leading[receipt.agreement_no][1]
            uow.timeline.record(_received(receipt, envelope), _changed(
                receipt.agreement_no, Move(expected.expected, expected.to), envelope, at=None))
            outcomes.append(None)
            continue
        try:
            await _apply_one(uow, receipt, envelope, loaded.get(receipt.agreement_no))
            outcomes.append(None)
        except DocumentRejected as refused:
            outcomes.append(refused)
    return outcomes


def _moved_as_expected(receipt: AgreementReceipt,
                       leading: dict[str, tuple[AgreementReceipt, ExpectedMove]],
                       moved: set[str]) -> bool:
    lead = leading.get(receipt.agreement_no)
    return lead is not None and lead[0] is receipt and receipt.agreement_no in moved


async def _apply_one(uow: UnitOfWork, receipt: AgreementReceipt, envelope: Envelope,
                     agreement: Agreement | None) -> None:
    """The aggregate decides, in arrival order; a later receipt for the same agreement sees
    what an earlier one changed, since both work on the one loaded object."""
    if agreement is None:
        raise unknown_agreement(receipt)
    agreement.check_receipt(receipt)
    move = agreement.apply(receipt)
    if move is None:
        uow.timeline.record(_received(receipt, envelope), TimelineEntry.about(
            envelope, OBJECT, receipt.agreement_no, "receipt_ignored",
            outcome=agreement.status.value,
            detail={"reason": f"状态为{agreement.status.value}，回执不改变状态"}))
        return
    await uow.agreements.save(agreement)
    uow.timeline.record(_received(receipt, envelope),
                        _changed(receipt.agreement_no, move, envelope, at=None))


async def signed_pdf(uows: UnitsOfWork, seals: SealRegistry, identity: Identity,
                     agreement_no: str) -> bytes:
    """A-2: the stored PDF, re-rendered and re-signed when the state it shows is out of date."""
    async with uows.reading() as uow:
        agreement = await uow.agreements.get(agreement_no, uscc=identity.uscc)
        if agreement is None:
            raise AgreementNotFound(f"agreement {agreement_no}")
        pdf, shown = await uow.agreements.document(agreement_no)
    if pdf is not None and shown == agreement.status.value:
        return pdf
    sheet = AgreementSheet(agreement_no, agreement.enterprise.name, agreement.uscc,
                           agreement.signer_name, agreement.seal_name or agreement.seal_id,
                           agreement.signed_at, agreement.status.value, agreement.stamped_at, None)
    pdf = await asyncio.to_thread(render_signed, sheet,
                                  seals.material(agreement.uscc, agreement.seal_id))
    async with uows.begin() as uow:
        await uow.agreements.store_document(agreement_no, pdf, agreement.status.value)
        await uow.commit()
    return pdf


def _received(receipt: AgreementReceipt, envelope: Envelope) -> TimelineEntry:
    return TimelineEntry.about(envelope, OBJECT, receipt.agreement_no, "message_received",
                               outcome=receipt.outcome,
                               detail={"reason": receipt.reason} if receipt.reason else {})


def _changed(agreement_no: str, move: Move, envelope: Envelope, *, at: datetime | None,
             by: str | None = None) -> TimelineEntry:
    detail: dict[str, str] = {"to": move.after.value}
    if move.before is not None:
        detail["from"] = move.before.value
    if by:
        detail["by"] = by
    return TimelineEntry.about(envelope, OBJECT, agreement_no, "state_changed",
                               outcome=move.after.value, detail=detail, at=at)
