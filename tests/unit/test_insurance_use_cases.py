"""The insurance use cases on units of work in memory: pending policies, the SMS code, the
application, receipts in every order, 收悉 — what each commits and what each refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from adapter.domain.agreement import AgreementStatus, Enterprise
from adapter.domain.exchange import Envelope
from adapter.domain.identity import CardType, Identity
from adapter.domain.insurance import (
    ApplicationNeedsAgreement,
    ApplicationNotFound,
    ApplicationReceipt,
    ApplicationStateRefused,
    ApplicationStatus,
    Contact,
    DeclarationRequired,
    IssuedPolicy,
    OfferAction,
    PolicyOffer,
    ReceiptResult,
    ReceiptStateRefused,
    ReceiptStatus,
)
from adapter.domain.sms import SmsCodeMissing, SmsCodeWrong, SmsQuotaExceeded, SmsResendTooSoon
from adapter.ports.sms import DemoSmsGateway
from adapter.service_layer import agreement, insurance
from adapter.service_layer.parties import Parties
from tests.insurance_harness import INSURER
from tests.unit.fake_unit_of_work import FakeUnitsOfWork
from tests.unit.test_agreement_use_cases import signed

USCC = "91350100M000100Y43"
OTHER = "91350200MA2Y0Q1X9G"
PARTIES = Parties("SWCREDIT", "SINOSURE")
POLICY = insurance.SmsPolicy(b"unit-key", per_hour=3)
T0 = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
MOBILE = "13859012345"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def tick(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def person(uscc: str = USCC, card: CardType = CardType.OPERATOR) -> Identity:
    return Identity("厦门示范进出口贸易有限公司", uscc, uscc[8:16] + "-" + uscc[16], "U-2", "林晓梅", card)


def offer(number: str = "PP-1", uscc: str = USCC, **changes: object) -> PolicyOffer:
    base = PolicyOffer(number, OfferAction.OFFER, Enterprise("厦门示范进出口贸易有限公司", uscc), INSURER,
                       "XWXBY", "小微信保易", date(2026, 7, 1), date(2027, 6, 30), T0,
                       Decimal("500000.00"), "USD")
    return PolicyOffer(**{**{f: getattr(base, f) for f in base.__dataclass_fields__}, **changes})


def envelope(message_type: str, serial: str) -> Envelope:
    return Envelope.new(message_type, business_serial=serial, sender="SINOSURE", receiver="SWCREDIT")


async def with_agreement(uows: FakeUnitsOfWork, uscc: str = USCC,
                         status: AgreementStatus = AgreementStatus.SIGNED) -> None:
    async with uows.begin() as uow:
        await agreement.sign(uow, signed(f"SA-{uscc[-6:]}", uscc), PARTIES)
        await uow.commit()
    uows.store.agreements[f"SA-{uscc[-6:]}"].status = status


async def receive(uows: FakeUnitsOfWork, *offers: PolicyOffer) -> list[str | None]:
    async with uows.begin() as uow:
        outcomes = await insurance.receive_offers(
            uow, [(o, envelope("PENDING_POLICY", f"PP-{o.offer_no}")) for o in offers])
        await uow.commit()
    return [o.code if o else None for o in outcomes]


async def ready(clock: Clock | None = None) -> tuple[FakeUnitsOfWork, DemoSmsGateway]:
    uows = FakeUnitsOfWork()
    await with_agreement(uows)
    assert await receive(uows, offer()) == [None]
    return uows, DemoSmsGateway()


def last_code(sms: DemoSmsGateway) -> str:
    text = sms.messages(MOBILE)[-1].text
    return text.split("验证码为")[1][:6]


def request(code: str, *, mobile: str = MOBILE, declaration: bool = True) -> insurance.ApplicationRequest:
    return insurance.ApplicationRequest(Contact("林晓梅", mobile, "linxm@example.com"), declaration, code)


async def apply(uows: FakeUnitsOfWork, sms: DemoSmsGateway, clock: Clock) -> str:
    await insurance.send_code(uows, sms, person(), "PP-1", MOBILE, POLICY, clock=clock)
    done = await insurance.submit(uows, person(), "PP-1", request(last_code(sms)), POLICY, PARTIES,
                                  clock=clock)
    assert done.application_no is not None
    return done.application_no


def receipt(application_no: str, *, result: ReceiptResult = ReceiptResult.EFFECTIVE,
            uscc: str = USCC, reason: str | None = None) -> ApplicationReceipt:
    policy = IssuedPolicy("SCH-1", date(2026, 7, 2), date(2027, 6, 30), T0, b"%PDF-1.7 e-policy") \
        if result is ReceiptResult.EFFECTIVE else None
    return ApplicationReceipt("PP-1", application_no, uscc, result, T0 + timedelta(hours=2), policy,
                              reason)


async def deliver(uows: FakeUnitsOfWork, *receipts: ApplicationReceipt) -> list[str | None]:
    async with uows.begin() as uow:
        outcomes = await insurance.apply_receipts(
            uow, [(r, envelope("APPLICATION_RECEIPT", f"AR-{i}")) for i, r in enumerate(receipts)])
        await uow.commit()
    return [o.code if o else None for o in outcomes]


def insurance_outbox(uows: FakeUnitsOfWork) -> list[str]:
    return [m.message_type for m in uows.store.outbox if m.object_type == insurance.OBJECT]


def events(uows: FakeUnitsOfWork, offer_no: str = "PP-1") -> list[tuple[str, str | None]]:
    return [(r.event, r.outcome) for r in uows.store.timeline if r.object_id == offer_no]


# --- X-IN-1 -------------------------------------------------------------------------------------


async def test_a_pending_policy_for_a_signed_enterprise_starts_at_pending() -> None:
    uows, _ = await ready()
    found = uows.store.applications["PP-1"]
    assert (found.status, found.step) == (ApplicationStatus.PENDING, 1)
    assert events(uows) == [("message_received", "OFFER"), ("state_changed", "待确认")]


@pytest.mark.parametrize("status", [None, AgreementStatus.SIGNING, AgreementStatus.TERMINATING])
async def test_an_offer_for_an_enterprise_without_a_signed_agreement_is_refused(status) -> None:
    uows = FakeUnitsOfWork()
    if status is not None:
        await with_agreement(uows, status=status)
    assert await receive(uows, offer()) == ["E-OFFER-NO-AGREEMENT"]
    assert uows.store.applications == {}


async def test_a_second_offer_while_one_is_open_is_refused_unless_it_supersedes_it() -> None:
    uows, _ = await ready()
    assert await receive(uows, offer("PP-2")) == ["E-OFFER-OPEN-EXISTS"]
    assert await receive(uows, offer("PP-2", supersedes="PP-1")) == [None]
    assert uows.store.applications["PP-1"].status is ApplicationStatus.SUPERSEDED
    assert uows.store.applications["PP-2"].status is ApplicationStatus.PENDING
    assert ("state_changed", "已失效") in events(uows, "PP-1")


async def test_the_same_offer_again_is_recorded_and_changes_nothing() -> None:
    uows, _ = await ready()
    assert await receive(uows, offer()) == [None]
    assert events(uows)[-1] == ("receipt_ignored", "待确认")
    assert len(uows.store.applications) == 1


async def test_a_withdrawn_offer_closes_and_a_second_withdrawal_changes_nothing() -> None:
    uows, _ = await ready()
    withdraw = offer(action=OfferAction.WITHDRAW, reason="额度调整")
    assert await receive(uows, withdraw, withdraw) == [None, None]
    assert uows.store.applications["PP-1"].status is ApplicationStatus.WITHDRAWN
    assert events(uows)[-1] == ("receipt_ignored", "已撤回")
    assert await receive(uows, offer("PP-9", action=OfferAction.WITHDRAW)) == ["E-OFFER-UNKNOWN"]


async def test_an_offer_with_an_application_cannot_be_withdrawn_or_superseded() -> None:
    uows, sms = await ready()
    await apply(uows, sms, Clock())
    assert await receive(uows, offer(action=OfferAction.WITHDRAW)) == ["E-OFFER-IN-APPLICATION"]
    assert await receive(uows, offer("PP-2", supersedes="PP-1")) == ["E-OFFER-IN-APPLICATION"]
    assert uows.store.applications["PP-1"].status is ApplicationStatus.SUBMITTED


# --- I-4 SMS and X-OUT-4 ------------------------------------------------------------------------


async def test_a_wrong_code_is_refused_and_counted_then_the_right_one_applies() -> None:
    uows, sms = await ready()
    clock = Clock()
    sent = await insurance.send_code(uows, sms, person(), "PP-1", MOBILE, POLICY, clock=clock)
    assert sent.expires_at == T0 + timedelta(minutes=5)
    assert "123456" not in {c.code_hash for c in uows.store.sms_codes}
    wrong = "000000" if last_code(sms) != "000000" else "111111"
    with pytest.raises(SmsCodeWrong):
        await insurance.submit(uows, person(), "PP-1", request(wrong), POLICY, PARTIES, clock=clock)
    assert uows.store.sms_codes[-1].attempts == 1
    assert insurance_outbox(uows) == []
    done = await insurance.submit(uows, person(), "PP-1", request(last_code(sms)), POLICY, PARTIES,
                                  clock=clock)
    assert (done.status, done.step) == (ApplicationStatus.SUBMITTED, 3)
    [queued] = [m for m in uows.store.outbox if m.object_type == insurance.OBJECT]
    assert queued.message_type == "INSURANCE_APPLICATION" and b"13859012345" in (queued.payload or b"")
    assert ("sms_code_refused", "E-SMS-CODE-WRONG") in events(uows)
    assert events(uows)[-1] == ("state_changed", "已投保")


async def test_a_code_cannot_be_resent_within_sixty_seconds_and_the_enterprise_has_a_quota() -> None:
    uows, sms = await ready()
    clock = Clock()
    await insurance.send_code(uows, sms, person(), "PP-1", MOBILE, POLICY, clock=clock)
    clock.tick(seconds=30)
    with pytest.raises(SmsResendTooSoon) as refused:
        await insurance.send_code(uows, sms, person(), "PP-1", MOBILE, POLICY, clock=clock)
    assert refused.value.message_zh == "验证码已发送，请30秒后再重新获取"
    for _ in range(2):
        clock.tick(seconds=60)
        await insurance.send_code(uows, sms, person(), "PP-1", MOBILE, POLICY, clock=clock)
    clock.tick(seconds=60)
    with pytest.raises(SmsQuotaExceeded):
        await insurance.send_code(uows, sms, person(), "PP-1", MOBILE, POLICY, clock=clock)
    assert len(sms.messages()) == 3


async def test_applying_needs_a_code_the_declaration_and_a_signed_agreement() -> None:
    uows, sms = await ready()
    with pytest.raises(SmsCodeMissing):
        await insurance.submit(uows, person(), "PP-1", request("123456"), POLICY, PARTIES)
    with pytest.raises(DeclarationRequired) as refused:
        await insurance.submit(uows, person(), "PP-1", request("123456", declaration=False), POLICY,
                               PARTIES)
    assert refused.value.path == "$.declaration_accepted"
    uows.store.agreements[f"SA-{USCC[-6:]}"].status = AgreementStatus.TERMINATING
    with pytest.raises(ApplicationNeedsAgreement):
        await insurance.send_code(uows, sms, person(), "PP-1", MOBILE, POLICY)


async def test_another_enterprises_application_is_not_found() -> None:
    uows, sms = await ready()
    with pytest.raises(ApplicationNotFound):
        await insurance.send_code(uows, sms, person(OTHER), "PP-1", MOBILE, POLICY)
    with pytest.raises(ApplicationNotFound):
        await insurance.application_of(uows, person(OTHER), "PP-1")


async def test_an_application_once_submitted_cannot_be_submitted_again() -> None:
    uows, sms = await ready()
    clock = Clock()
    await apply(uows, sms, clock)
    with pytest.raises(ApplicationStateRefused) as refused:
        await insurance.send_code(uows, sms, person(), "PP-1", MOBILE, POLICY, clock=clock)
    assert refused.value.message_zh == "投保状态为已投保，不能执行该操作"


# --- X-IN-4 receipts and X-OUT-5 ----------------------------------------------------------------


async def test_a_receipt_before_the_application_was_sent_is_recorded_and_changes_nothing() -> None:
    uows, _ = await ready()
    assert await deliver(uows, receipt("TB-NOT-YET")) == [None]
    assert uows.store.applications["PP-1"].status is ApplicationStatus.PENDING
    assert events(uows)[-2:] == [("message_received", "EFFECTIVE"), ("receipt_ignored", "待确认")]


async def test_an_effective_receipt_makes_the_policy_await_receipt_and_a_second_changes_nothing() -> None:
    uows, sms = await ready()
    number = await apply(uows, sms, Clock())
    assert await deliver(uows, receipt(number)) == [None]
    found = uows.store.applications["PP-1"]
    assert (found.status, found.receipt_status, found.step) == (
        ApplicationStatus.EFFECTIVE, ReceiptStatus.AWAITING, 4)
    assert uows.store.insurance_documents[("PP-1", "e_policy")][0] == b"%PDF-1.7 e-policy"
    assert await deliver(uows, receipt(number, result=ReceiptResult.RETURNED, reason="迟到")) == [None]
    assert uows.store.applications["PP-1"].status is ApplicationStatus.EFFECTIVE
    assert events(uows)[-1] == ("receipt_ignored", "生效")


async def test_a_receipt_for_another_enterprises_application_is_refused_and_recorded() -> None:
    uows, sms = await ready()
    number = await apply(uows, sms, Clock())
    assert await deliver(uows, receipt(number, uscc=OTHER)) == ["E-OFFER-USCC-MISMATCH"]
    assert uows.store.applications["PP-1"].status is ApplicationStatus.SUBMITTED
    assert events(uows)[-1] == ("receipt_refused", "E-OFFER-USCC-MISMATCH")


async def test_a_returned_receipt_keeps_its_reason_and_an_incomplete_one_is_refused() -> None:
    uows, sms = await ready()
    number = await apply(uows, sms, Clock())
    assert await deliver(uows, receipt(number, result=ReceiptResult.RETURNED)) == [
        "E-RECEIPT-INCOMPLETE"]
    assert await deliver(uows, receipt(number, result=ReceiptResult.RETURNED,
                                       reason="联系人邮箱无法送达")) == [None]
    found = uows.store.applications["PP-1"]
    assert (found.status, found.return_reason, found.step) == (
        ApplicationStatus.RETURNED, "联系人邮箱无法送达", 3)


async def test_acknowledging_queues_x_out_5_and_moves_to_received_once() -> None:
    uows, sms = await ready()
    number = await apply(uows, sms, Clock())
    with pytest.raises(ReceiptStateRefused):
        await insurance.acknowledge(uows, person(), "PP-1", PARTIES)
    await deliver(uows, receipt(number))
    done = await insurance.acknowledge(uows, person(), "PP-1", PARTIES)
    assert (done.receipt_status, done.step) == (ReceiptStatus.RECEIVED, 5)
    assert insurance_outbox(uows) == ["INSURANCE_APPLICATION", "RECEIPT_ACKNOWLEDGEMENT"]
    with pytest.raises(ReceiptStateRefused) as again:
        await insurance.acknowledge(uows, person(), "PP-1", PARTIES)
    assert again.value.message_zh == "保单收悉状态为已收悉，不能执行收悉确认"
