"""Set-ups for the claim workflow: an effective policy, a claim in a given state, made
through the hub's own use cases and unit of work where one exists."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from adapter.domain.claim import (
    Bank,
    Buyer,
    CaseQuestions,
    Claim,
    ClaimStatus,
    Explanation,
    PolicyRef,
    ReportStamp,
    ShipmentLine,
    lines_digest,
)
from adapter.domain.exchange import Envelope
from adapter.domain.insurance import ApplicationReceipt, IssuedPolicy, ReceiptResult
from adapter.persistence.database import Database
from adapter.persistence.unit_of_work import SqlUnitsOfWork
from adapter.service_layer import insurance
from tests.harness import USCC
from tests.insurance_harness import INSURER, NAME, submitted

POLICY_START, POLICY_END = date(2026, 7, 1), date(2027, 6, 30)
REASON = "买方收货后以资金周转困难为由拖欠货款，经多次催收仍未支付任何款项"
CASE = "我司于二零二六年八月向买方出运木制家具一批，买方确认收货后至今未付款，多次电话和邮件催收均无结果"


async def effective_policy(db: Database, offer_no: str, *, uscc: str = USCC,
                           policy_no: str | None = None) -> str:
    """An insurance application at 生效 with its policy, as the insurer's X-IN-4 makes it."""
    application_no = f"TB-{offer_no}"
    policy_no = policy_no or f"POL-{offer_no}"
    await submitted(db, offer_no, application_no, uscc=uscc)
    receipt = ApplicationReceipt(offer_no, application_no, uscc, ReceiptResult.EFFECTIVE,
                                 datetime.now(UTC), IssuedPolicy(policy_no, POLICY_START, POLICY_END,
                                                                 datetime.now(UTC), b"%PDF-1.4 e"))
    envelope = Envelope.new("APPLICATION_RECEIPT", business_serial=f"AR-{offer_no}",
                            sender="SINOSURE", receiver="SWCREDIT")
    async with SqlUnitsOfWork(db).begin() as uow:
        [refusal] = await insurance.apply_receipts(uow, [(receipt, envelope)])
        assert refusal is None, refusal
        await uow.commit()
    return policy_no


def line(line_id: str = "20260801000000000001", *, declaration_no: str = "370120260000000001",
         payment_method: str = "LC") -> ShipmentLine:
    return ShipmentLine(line_id, "INV-2026-001", "9403600000", date(2026, 8, 1), payment_method, 90,
                        Decimal("12500.00"), Decimal("12000.00"), "UNCOLLECTED", "2",
                        declaration_no, None)


def complete_claim(claim_no: str, *, uscc: str = USCC, status: ClaimStatus = ClaimStatus.DRAFT,
                   business_serial: str | None = None, offer_no: str = "PP-CLAIM-1") -> Claim:
    """A claim with every section filled and a fresh report stamp."""
    now = datetime.now(UTC)
    lines = [line()]
    return Claim(
        claim_no, uscc, NAME, PolicyRef(offer_no, f"POL-{offer_no}", POLICY_START, POLICY_END,
                                        INSURER.name, INSURER.code),
        status, now, now, "林晓梅", buyer=Buyer("B-USA-000123", "PACIFIC HOME GOODS INC.", "USA"),
        issuing_bank=Bank("CHASUS33XXX", "JPMORGAN CHASE BANK, N.A.", "USA",
                          "383 MADISON AVENUE, NEW YORK"),
        case=CaseQuestions(False, False, True, False),
        explanation=Explanation("C02", REASON, CASE, "已委托律师发出律师函"), lines=lines,
        report=ReportStamp(lines_digest(lines), now, "0" * 64),
        submissions=1 if business_serial else 0, business_serial=business_serial,
        submitted_at=now if business_serial else None,
        submitted_by="林晓梅" if business_serial else None)


async def claim_submitted(db: Database, claim_no: str, business_serial: str, *,
                          uscc: str = USCC) -> None:
    """A claim at 已提交 under ``business_serial``, as if the enterprise had submitted it."""
    async with SqlUnitsOfWork(db).begin() as uow:
        if await uow.claims.get(claim_no) is None:
            await uow.claims.add(complete_claim(claim_no, uscc=uscc, status=ClaimStatus.SUBMITTED,
                                                business_serial=business_serial))
        await uow.commit()


async def claim_status(db: Database, claim_no: str) -> str | None:
    async with SqlUnitsOfWork(db).reading() as uow:
        found = await uow.claims.get(claim_no)
    return found.status.value if found else None
