"""The agreement's use cases on units of work in memory: sign, stamp, terminate, termination
result and data authorization, with what each commits together and what each refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from lxml import etree

from adapter.domain.agreement import (
    AgreementExists,
    AgreementNotFound,
    AgreementStamp,
    AgreementStateRefused,
    AgreementStatus,
    AgreementUnknown,
    AgreementUsccMismatch,
    Enterprise,
    LegalPersonCardRequired,
    Seal,
    SealExpired,
    SealType,
    SealUnknown,
    SignedAgreement,
    StampResult,
    TerminationNotConfirmed,
    TerminationOutcome,
    TerminationResult,
)
from adapter.domain.authorization import AuthorizationDuplicate, AuthorizationNeedsAgreement
from adapter.domain.exchange import Envelope
from adapter.domain.identity import CardType, Identity
from adapter.domain.records import OutboxStatus
from adapter.service_layer import agreement, authorization
from adapter.service_layer.parties import Parties
from tests.unit.fake_unit_of_work import FakeUnitsOfWork

USCC = "91350100M000100Y43"
OTHER_USCC = "91350200MA2Y0Q1X9G"
PARTIES = Parties("SWCREDIT", "SINOSURE")
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def identity(card: CardType = CardType.LEGAL_PERSON, uscc: str = USCC) -> Identity:
    return Identity("厦门示范进出口贸易有限公司", uscc, uscc[8:16] + "-" + uscc[16], "U-1", "陈法人", card)


def signed(number: str = "SA-UNIT-1", uscc: str = USCC) -> SignedAgreement:
    return SignedAgreement(number, "1.0", Enterprise("厦门示范进出口贸易有限公司", uscc), "陈法人", NOW,
                           Seal(f"{uscc}-01", "公司", date(2030, 12, 31)))


def inbound(message_type: str, serial: str) -> Envelope:
    return Envelope.new(message_type, business_serial=serial, sender="SINOSURE", receiver="SWCREDIT")


def stamp(number: str = "SA-UNIT-1", uscc: str = USCC,
          result: StampResult = StampResult.STAMPED) -> tuple[object, Envelope]:
    document = AgreementStamp(number, uscc, result, NOW + timedelta(hours=1), "SEAL-9",
                              refusal_reason=None if result is StampResult.STAMPED else "不清晰")
    return document.receipt(), inbound("AGREEMENT_STAMP", f"AS-{number}")


def termination(number: str = "SA-UNIT-1",
                outcome: TerminationOutcome = TerminationOutcome.TERMINATED) -> tuple[object, Envelope]:
    document = TerminationResult(number, USCC, outcome, NOW + timedelta(days=2),
                                 None if outcome is TerminationOutcome.TERMINATED else "尚有未结案件")
    return document.receipt(), inbound("TERMINATION_RESULT", f"TR-{number}")


async def signed_in(uows: FakeUnitsOfWork, number: str = "SA-UNIT-1", uscc: str = USCC) -> None:
    async with uows.begin() as uow:
        await agreement.sign(uow, signed(number, uscc), PARTIES)
        await uow.commit()


async def receive(uows: FakeUnitsOfWork, *receipts: tuple[object, Envelope]) -> list[object]:
    async with uows.begin() as uow:
        outcomes = await agreement.apply_receipts(uow, list(receipts))  # type: ignore[arg-type]
        await uow.commit()
    return list(outcomes)


def status(uows: FakeUnitsOfWork, number: str = "SA-UNIT-1") -> AgreementStatus:
    return uows.store.agreements[number].status


def events(uows: FakeUnitsOfWork, number: str = "SA-UNIT-1") -> list[tuple[str, str | None]]:
    return [(e.event, e.outcome) for e in uows.store.timeline if e.object_id == number]


async def test_signing_stores_the_agreement_its_document_and_its_timeline_in_one_commit() -> None:
    uows = FakeUnitsOfWork()
    await signed_in(uows)
    assert status(uows) is AgreementStatus.SIGNING and uows.store.commits == 1
    [queued] = uows.store.outbox
    assert (queued.message_type, queued.business_serial, queued.status) == (
        "SIGNED_AGREEMENT", "SA-UNIT-1-SIGN", OutboxStatus.PENDING.value)
    assert etree.fromstring(queued.payload or b"").findtext(".//{*}AgreementNo") == "SA-UNIT-1"
    assert events(uows) == [("state_changed", "保险公司签约中")]


async def test_a_second_live_agreement_is_refused_and_nothing_is_queued() -> None:
    uows = FakeUnitsOfWork()
    await signed_in(uows)
    with pytest.raises(AgreementExists):
        await signed_in(uows, "SA-UNIT-2")
    assert len(uows.store.outbox) == 1 and "SA-UNIT-2" not in uows.store.agreements


async def test_a_stamp_moves_signing_to_signed_and_a_late_one_changes_nothing() -> None:
    uows = FakeUnitsOfWork()
    await signed_in(uows)
    assert await receive(uows, stamp()) == [None]
    assert status(uows) is AgreementStatus.SIGNED
    assert uows.store.agreements["SA-UNIT-1"].insurer_seal_serial == "SEAL-9"
    assert await receive(uows, stamp(result=StampResult.REFUSED)) == [None]
    assert status(uows) is AgreementStatus.SIGNED
    assert events(uows)[-2:] == [("message_received", "REFUSED"), ("receipt_ignored", "签约成功")]


async def test_two_stamps_in_one_group_apply_once_then_are_recorded() -> None:
    uows = FakeUnitsOfWork()
    await signed_in(uows)
    assert await receive(uows, stamp(), stamp()) == [None, None]
    assert [e for e, _ in events(uows)].count("state_changed") == 2
    assert ("receipt_ignored", "签约成功") in events(uows)


async def test_receipts_for_unknown_or_foreign_agreements_are_refused_naming_the_field() -> None:
    uows = FakeUnitsOfWork()
    await signed_in(uows)
    unknown, foreign = await receive(uows, stamp("SA-NONE"), stamp(uscc=OTHER_USCC))
    assert isinstance(unknown, AgreementUnknown) and unknown.path == "/AgreementStamp/Body/AgreementNo"
    assert isinstance(foreign, AgreementUsccMismatch) and foreign.path == "/AgreementStamp/Body/Uscc"
    assert status(uows) is AgreementStatus.SIGNING


async def test_termination_needs_the_legal_person_card_and_the_confirmation() -> None:
    uows = FakeUnitsOfWork()
    await signed_in(uows)
    await receive(uows, stamp())
    with pytest.raises(LegalPersonCardRequired):
        await agreement.request_termination(uows, identity(CardType.OPERATOR), "SA-UNIT-1",
                                            confirmation="坚持解约", reason=None, parties=PARTIES)
    with pytest.raises(TerminationNotConfirmed):
        await agreement.request_termination(uows, identity(), "SA-UNIT-1", confirmation="解约",
                                            reason=None, parties=PARTIES)
    with pytest.raises(AgreementNotFound):
        await agreement.request_termination(uows, identity(uscc=OTHER_USCC), "SA-UNIT-1",
                                            confirmation="坚持解约", reason=None, parties=PARTIES)
    assert status(uows) is AgreementStatus.SIGNED and len(uows.store.outbox) == 1


async def test_termination_queues_its_request_and_the_result_decides() -> None:
    uows = FakeUnitsOfWork()
    await signed_in(uows)
    await receive(uows, stamp())
    moved = await agreement.request_termination(uows, identity(), "SA-UNIT-1", confirmation="坚持解约",
                                                reason="业务调整", parties=PARTIES)
    assert moved.status is AgreementStatus.TERMINATING is status(uows)
    assert uows.store.outbox[-1].message_type == "TERMINATION_REQUEST"
    assert await receive(uows, termination(outcome=TerminationOutcome.REFUSED)) == [None]
    assert status(uows) is AgreementStatus.TERMINATION_FAILED
    await agreement.request_termination(uows, identity(), "SA-UNIT-1", confirmation="坚持解约",
                                        reason=None, parties=PARTIES)
    assert await receive(uows, termination()) == [None]
    assert status(uows) is AgreementStatus.TERMINATED
    assert not uows.store.agreements["SA-UNIT-1"].is_live
    with pytest.raises(AgreementStateRefused):
        await agreement.request_termination(uows, identity(), "SA-UNIT-1", confirmation="坚持解约",
                                            reason=None, parties=PARTIES)


async def test_data_authorization_needs_an_agreement_and_is_granted_once() -> None:
    uows = FakeUnitsOfWork()
    with pytest.raises(AuthorizationNeedsAgreement):
        await authorization.authorize(uows, identity(), PARTIES)
    await signed_in(uows)
    granted = await authorization.authorize(uows, identity(), PARTIES)
    assert uows.store.authorizations[USCC] == granted
    with pytest.raises(AuthorizationDuplicate):
        await authorization.authorize(uows, identity(), PARTIES)
    assert [m.message_type for m in uows.store.outbox] == ["SIGNED_AGREEMENT", "DATA_AUTHORIZATION"]
    assert [(e.event, e.outcome) for e in uows.store.timeline if e.object_id == USCC] == [
        ("state_changed", "已授权")]


class OneSealEach:
    """Seals as the seal port lists them: one usable, one expired, one of the wrong type."""

    def seals_of(self, uscc: str) -> list[Seal]:
        return [Seal("OK", "公司", date(2030, 1, 1), name="公司章"),
                Seal("OLD", "公司", date(2020, 1, 1), name="旧公司章"),
                Seal("FIN", "财务", date(2030, 1, 1), name="财务章")]

    def material(self, uscc: str, seal_id: str) -> object:
        raise AssertionError("a refused signature renders nothing")

    def trust_roots_der(self) -> list[bytes]:
        return []


@pytest.mark.parametrize(("seal_id", "refusal"), [("NONE", SealUnknown), ("OLD", SealExpired),
                                                  ("FIN", SealType)])
async def test_only_an_unexpired_company_seal_signs(seal_id: str, refusal: type[Exception]) -> None:
    with pytest.raises(refusal) as refused:
        await agreement.prepare_signature(OneSealEach(), identity(), seal_id,  # type: ignore[arg-type]
                                          today=date(2026, 6, 1))
    assert refused.value.path == "$.seal_id"  # type: ignore[attr-defined]


async def test_an_operator_card_cannot_sign() -> None:
    with pytest.raises(LegalPersonCardRequired):
        await agreement.prepare_signature(OneSealEach(), identity(CardType.OPERATOR), "OK")  # type: ignore[arg-type]
