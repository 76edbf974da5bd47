"""Set-ups for the insurance workflow: a signed agreement, a pending policy, a submitted
application, made the way the hub makes them (through its use cases and unit of work)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from adapter.domain.agreement import AgreementStatus, Enterprise
from adapter.domain.exchange import Envelope
from adapter.domain.inquiry import (
    Division,
    Inquiry,
    InquiryContent,
    InquiryForm,
    RegisteredAddress,
)
from adapter.domain.insurance import (
    Contact,
    Insurer,
    OfferAction,
    PolicyOffer,
    Submission,
)
from adapter.persistence.database import Database
from adapter.persistence.unit_of_work import SqlUnitsOfWork
from adapter.service_layer import insurance
from tests.harness import USCC, put_in_state, sign, status_of

INSURER = Insurer("中国出口信用保险公司福建分公司", "SINOSURE-FJ")
NAME = "厦门示范进出口贸易有限公司"


def offer(offer_no: str, *, uscc: str = USCC, name: str = NAME, supersedes: str | None = None,
          action: OfferAction = OfferAction.OFFER, at: datetime | None = None) -> PolicyOffer:
    return PolicyOffer(
        offer_no, action, Enterprise(name, uscc, uscc[8:16] + "-" + uscc[16]), INSURER,
        "XWXBY-2024", "小微信保易", date(2026, 7, 1), date(2027, 6, 30),
        at or datetime.now(UTC), Decimal("500000.00"), "USD", supersedes)


def offer_envelope(serial: str) -> Envelope:
    return Envelope.new("PENDING_POLICY", business_serial=serial, sender="SINOSURE",
                        receiver="SWCREDIT")


async def signed_agreement_for(db: Database, uscc: str = USCC) -> str:
    """The enterprise's agreement at 签约成功 (once)."""
    number = f"SA-{uscc[-8:]}"
    if await status_of(db, number) is None:
        await sign(db, number, uscc=uscc)
        await put_in_state(db, number, AgreementStatus.SIGNED, datetime.now(UTC))
    return number


async def pending(db: Database, offer_no: str, *, uscc: str = USCC) -> None:
    """A pending policy (待确认) for an enterprise with a signed agreement."""
    await signed_agreement_for(db, uscc)
    async with SqlUnitsOfWork(db).begin() as uow:
        [refusal] = await insurance.receive_offers(
            uow, [(offer(offer_no, uscc=uscc), offer_envelope(f"PP-{offer_no}"))])
        assert refusal is None, refusal
        await uow.commit()


async def submitted(db: Database, offer_no: str, application_no: str, *, uscc: str = USCC) -> None:
    """An application at 已投保 under ``application_no``, as if the enterprise had applied."""
    await pending(db, offer_no, uscc=uscc)
    async with SqlUnitsOfWork(db).begin() as uow:
        found = await uow.applications.for_update(offer_no)
        assert found is not None
        found.submit(Submission(application_no, Contact("林晓梅", "13859012345", "linxm@example.com"),
                                datetime.now(UTC), "林晓梅", "operator"))
        await uow.applications.save(found)
        await uow.commit()


async def application_status(db: Database, offer_no: str) -> tuple[str, str | None] | None:
    async with SqlUnitsOfWork(db).reading() as uow:
        found = await uow.applications.get(offer_no)
    if found is None:
        return None
    return found.status.value, found.receipt_status.value if found.receipt_status else None


def inquiry_form(serial_no: str, *, uscc: str = USCC, name: str = NAME) -> InquiryForm:
    """A submitted §3.2 form under ``serial_no`` (the hub numbers its own; tests pick one)."""
    address = RegisteredAddress(Division("350000", "福建省"), Division("350200", "厦门市"),
                                Division("350203", "思明区"), "湖滨北路88号")
    return InquiryForm(serial_no, "中国出口信用保险公司", name, uscc, address,
                       Contact("林晓梅", "13859012345", "linxm@example.com"),
                       InquiryContent.INSURE, None, "林晓梅", "operator", datetime.now(UTC))


async def inquired(db: Database, serial_no: str, *, uscc: str = USCC) -> None:
    """An inquiry at 已提交, as if the enterprise had submitted it."""
    async with SqlUnitsOfWork(db).begin() as uow:
        await uow.inquiries.add(Inquiry.submitted(inquiry_form(serial_no, uscc=uscc)))
        await uow.commit()


async def inquiry_status(db: Database, serial_no: str) -> tuple[str, str | None] | None:
    """The inquiry's status and the reply text it keeps, or None when there is no such inquiry."""
    async with SqlUnitsOfWork(db).reading() as uow:
        found = await uow.inquiries.get(serial_no)
    if found is None:
        return None
    return found.status.value, found.reply.reply if found.reply else None


__all__ = [
    "INSURER",
    "application_status",
    "inquired",
    "inquiry_form",
    "inquiry_status",
    "offer",
    "offer_envelope",
    "pending",
    "replace",
    "signed_agreement_for",
    "submitted",
]
