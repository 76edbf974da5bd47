"""Demo data for the embedded default: two enterprises, one for each walk-through of README.

厦门示范进出口贸易有限公司 has an agreement awaiting the insurer's stamp (the agreement by
hand starts there); 厦门鹭江外贸有限公司 has a signed agreement (签约成功) and a pending policy
(待确认), so a newcomer can apply for insurance at once, and an effective policy
(``CLAIM_POLICY``, 生效) to claim on at once (§四). Everything is made through the same
use cases the portal and the insurer's documents drive, so timelines read as they would.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from adapter.config import Settings
from adapter.domain.agreement import AgreementStamp, Enterprise, Seal, SignedAgreement, StampResult
from adapter.domain.exchange import Envelope, utcnow
from adapter.domain.insurance import (
    PRODUCT_NAME,
    ApplicationReceipt,
    Contact,
    InsuranceApplication,
    Insurer,
    IssuedPolicy,
    OfferAction,
    PolicyOffer,
    ReceiptResult,
    Submission,
)
from adapter.domain.timeline import TimelineEntry
from adapter.persistence.database import Database
from adapter.persistence.unit_of_work import SqlUnitsOfWork
from adapter.service_layer import agreement, insurance
from adapter.service_layer.parties import Parties

DEMO_USCC = "91350100M000100Y43"
DEMO_AGREEMENT = "SA-DEMO-0001"
DEMO_ENTERPRISE = Enterprise("厦门示范进出口贸易有限公司", DEMO_USCC, "M000100Y-4")
# A second enterprise, signed and offered the policy: the one to apply for insurance by hand.
SECOND_USCC = "91350200MA2Y0Q1X9G"
SECOND_ENTERPRISE = Enterprise("厦门鹭江外贸有限公司", SECOND_USCC, "MA2Y0Q1X-9")
DEMO_ENTERPRISE_NAMES = {e.uscc: e.name for e in (DEMO_ENTERPRISE, SECOND_ENTERPRISE)}
SECOND_AGREEMENT = "SA-DEMO-0002"
DEMO_OFFER = "PP-DEMO-0001"
# 鹭江's effective policy: a claim (索赔申请) can be made on it at once.
CLAIM_OFFER = "PP-DEMO-0000"
CLAIM_POLICY = "SCH-DEMO-0001"
DEMO_INSURER = Insurer("中国出口信用保险公司福建分公司", "SINOSURE-FJ")
# The cards the demo login page offers (portal/demo_login.py), in the walk-throughs' order:
# (card id, enterprise, card type, holder, where its walk-through starts).
DEMO_CARDS = (
    ("demo-legal", DEMO_ENTERPRISE, "legal_person", "陈示范", f"协议 {DEMO_AGREEMENT} 保险公司签约中"),
    ("legal", SECOND_ENTERPRISE, "legal_person", "林法人", f"签约成功，待确认投保单 {DEMO_OFFER}"),
    ("operator", SECOND_ENTERPRISE, "operator", "王操作员", f"签约成功，待确认投保单 {DEMO_OFFER}"),
)


async def seed(db: Database, settings: Settings) -> list[str]:
    """Seed both enterprises once: what is already there is left as it is."""
    seeded = await _awaiting_stamp(db, settings)
    seeded += await _signed_and_offered(db, settings)
    return seeded + await _effective_policy(db)


def _company_seal(enterprise: Enterprise) -> Seal:
    """The demo seal port's own company seal, so the PDF can be signed again later."""
    return Seal(f"{enterprise.uscc}-01", "公司", date(utcnow().year + 3, 12, 31))


async def _awaiting_stamp(db: Database, settings: Settings) -> list[str]:
    """Sign the demo agreement; its X-OUT-1 then leaves through the outbox like any other."""
    async with SqlUnitsOfWork(db).begin() as uow:
        if await uow.agreements.get(DEMO_AGREEMENT) is not None:
            return []
        signed = SignedAgreement(
            agreement_no=DEMO_AGREEMENT, agreement_version="1.0", enterprise=DEMO_ENTERPRISE,
            signer_name="陈示范", signed_at=utcnow(), seal=_company_seal(DEMO_ENTERPRISE),
        )
        await agreement.sign(uow, signed, Parties(settings.hub_party_code, settings.insurer.code))
        await uow.commit()
    return [DEMO_AGREEMENT]


def _from_insurer(settings: Settings, message_type: str, serial: str) -> Envelope:
    """The envelope the insurer's document would carry; the serial says it is demo data."""
    return Envelope.new(message_type, business_serial=serial, sender=settings.insurer.code,
                        receiver=settings.hub_party_code)


async def _signed_and_offered(db: Database, settings: Settings) -> list[str]:
    """鹭江: signed, stamped (签约成功) and offered 小微信保易 (待确认), in one transaction."""
    parties = Parties(settings.hub_party_code, settings.insurer.code)
    async with SqlUnitsOfWork(db).begin() as uow:
        if await uow.agreements.get(SECOND_AGREEMENT) is not None:
            return []
        now = utcnow()
        await agreement.sign(uow, SignedAgreement(
            agreement_no=SECOND_AGREEMENT, agreement_version="1.0", enterprise=SECOND_ENTERPRISE,
            signer_name="林法人", signed_at=now, seal=_company_seal(SECOND_ENTERPRISE)), parties)
        stamp = AgreementStamp(SECOND_AGREEMENT, SECOND_USCC, StampResult.STAMPED, now,
                               insurer_seal_serial="SINOSURE-ESEAL-0001")
        [refused] = await agreement.apply_receipts(uow, [(stamp.receipt(), _from_insurer(
            settings, "AGREEMENT_STAMP", f"DEMO-AS-{SECOND_AGREEMENT}"))])
        if refused is not None:
            raise refused
        offer = PolicyOffer(DEMO_OFFER, OfferAction.OFFER, SECOND_ENTERPRISE, DEMO_INSURER,
                            "XWXBY", PRODUCT_NAME, now.date(), now.date() + timedelta(days=364),
                            now, Decimal("500000.00"), "USD")
        [refused] = await insurance.receive_offers(uow, [(offer, _from_insurer(
            settings, "PENDING_POLICY", f"DEMO-PP-{DEMO_OFFER}"))])
        if refused is not None:
            raise refused
        await uow.commit()
    return [SECOND_AGREEMENT, DEMO_OFFER]


async def _effective_policy(db: Database) -> list[str]:
    """鹭江's earlier offer, applied for and effective (生效, 已收悉 pending): the policy the
    claim walk-through claims on. Made through the aggregate's own moves; stored as closed,
    so it is no open offer and the pending PP-DEMO-0001 stays the one to apply for."""
    async with SqlUnitsOfWork(db).begin() as uow:
        if await uow.applications.get(CLAIM_OFFER) is not None:
            return []
        now = utcnow()
        start = now.date() - timedelta(days=180)
        offer = PolicyOffer(CLAIM_OFFER, OfferAction.OFFER, SECOND_ENTERPRISE, DEMO_INSURER, "XWXBY",
                            PRODUCT_NAME, start, start + timedelta(days=364), now,
                            Decimal("500000.00"), "USD")
        application = InsuranceApplication.offered(offer)
        application.submit(Submission("TB-DEMO-0000", Contact("林晓梅", "13859012345",
                                                              "linxm@example.com"),
                                      now, "林晓梅", "operator"))
        application.apply(ApplicationReceipt(
            CLAIM_OFFER, "TB-DEMO-0000", SECOND_USCC, ReceiptResult.EFFECTIVE, now,
            IssuedPolicy(CLAIM_POLICY, start, start + timedelta(days=364), now, b"")))
        await uow.applications.add(application)
        uow.timeline.record(TimelineEntry("insurance_application", CLAIM_OFFER, "state_changed",
                                          outcome=application.status.value,
                                          detail={"to": application.status.value,
                                                  "reason": "演示数据：已生效的保单，可直接索赔"}))
        await uow.commit()
    return [CLAIM_POLICY]
