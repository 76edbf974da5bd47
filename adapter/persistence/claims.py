"""Claim rows: the state in columns, the form's sections and shipment lines as JSON text.

Amounts are written as strings and read back as Decimal, dates as ISO text: the JSON holds
nothing a float could round.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.claim import (
    Bank,
    Buyer,
    CaseQuestions,
    Claim,
    ClaimStatus,
    Explanation,
    PolicyRef,
    ReportStamp,
    Review,
    ReviewResult,
    ShipmentLine,
)
from adapter.persistence.dialect import upsert
from adapter.persistence.tables import claim_reports
from adapter.persistence.tables import claims as t


def _bank(bank: Bank | None) -> dict[str, str] | None:
    return None if bank is None else {"swift": bank.swift, "name_en": bank.name_en,
                                      "country": bank.country, "address_en": bank.address_en}


def _form(claim: Claim) -> str:
    case, explanation, buyer = claim.case, claim.explanation, claim.buyer
    form: dict[str, Any] = {
        "buyer": None if buyer is None else {"code": buyer.code, "name_en": buyer.name_en,
                                             "country": buyer.country},
        "issuing_bank": _bank(claim.issuing_bank), "confirming_bank": _bank(claim.confirming_bank),
        "case": None if case is None else {
            "trade_financing": case.trade_financing, "trade_dispute": case.trade_dispute,
            "buyer_acknowledged_debt": case.buyer_acknowledged_debt,
            "legal_action_taken": case.legal_action_taken,
            "financing_bank_swift": case.financing_bank_swift,
            "financing_bank_name": case.financing_bank_name,
            "financing_amount": None if case.financing_amount is None else str(case.financing_amount)},
        "explanation": None if explanation is None else {
            "loss_cause": explanation.loss_cause, "reason": explanation.reason,
            "case_description": explanation.case_description, "mitigation": explanation.mitigation},
    }
    return json.dumps(form, ensure_ascii=False)


def _review(review: Review | None) -> str | None:
    if review is None:
        return None
    return json.dumps({"result": review.result.value, "decided_at": review.decided_at.isoformat(),
                       "business_serial": review.business_serial,
                       "return_reason": review.return_reason, "manager_name": review.manager_name,
                       "manager_contact": review.manager_contact}, ensure_ascii=False)


def _values(claim: Claim) -> dict[str, Any]:
    report = claim.report
    return {
        "status": claim.status.value, "updated_at": claim.updated_at, "form": _form(claim),
        "lines": json.dumps([line.canonical() for line in claim.lines], ensure_ascii=False),
        "report_digest": report.digest if report else None,
        "report_sha256": report.sha256 if report else None,
        "report_generated_at": report.generated_at if report else None,
        "submissions": claim.submissions, "business_serial": claim.business_serial,
        "submitted_at": claim.submitted_at, "submitted_by": claim.submitted_by,
        "review": _review(claim.review),
    }


def _line(raw: dict[str, Any]) -> ShipmentLine:
    return ShipmentLine(
        raw["line_id"], raw["invoice_no"], raw["hs_code"], date.fromisoformat(raw["shipment_date"]),
        raw["payment_method"], int(raw["payment_term_days"]), Decimal(raw["invoice_amount"]),
        Decimal(raw["claim_amount"]), raw["collection_status"], raw["transport_mode"],
        raw["declaration_no"], raw["origin_certificate_no"])


def _bank_of(raw: dict[str, str] | None) -> Bank | None:
    return None if raw is None else Bank(raw["swift"], raw["name_en"], raw["country"],
                                         raw["address_en"])


def _aggregate(row: Row[Any]) -> Claim:
    form = json.loads(row.form)
    case, explanation, buyer = form["case"], form["explanation"], form["buyer"]
    review = json.loads(row.review) if row.review else None
    return Claim(
        row.claim_no, row.uscc, row.enterprise_name,
        PolicyRef(row.offer_no, row.policy_no, row.period_start, row.period_end, row.insurer_name,
                  row.insurer_code),
        ClaimStatus(row.status), row.created_at, row.updated_at, row.created_by,
        buyer=None if buyer is None else Buyer(buyer["code"], buyer["name_en"], buyer["country"]),
        issuing_bank=_bank_of(form["issuing_bank"]), confirming_bank=_bank_of(form["confirming_bank"]),
        case=None if case is None else CaseQuestions(
            case["trade_financing"], case["trade_dispute"], case["buyer_acknowledged_debt"],
            case["legal_action_taken"], case["financing_bank_swift"], case["financing_bank_name"],
            None if case["financing_amount"] is None else Decimal(case["financing_amount"])),
        explanation=None if explanation is None else Explanation(
            explanation["loss_cause"], explanation["reason"], explanation["case_description"],
            explanation["mitigation"]),
        lines=[_line(raw) for raw in json.loads(row.lines)],
        report=None if row.report_digest is None else ReportStamp(
            row.report_digest, row.report_generated_at, row.report_sha256),
        submissions=row.submissions, business_serial=row.business_serial,
        submitted_at=row.submitted_at, submitted_by=row.submitted_by,
        review=None if review is None else Review(
            ReviewResult(review["result"]), datetime.fromisoformat(review["decided_at"]),
            review["business_serial"], review["return_reason"], review["manager_name"],
            review["manager_contact"]))


def _listed(uscc: str, statuses: Sequence[str] | None) -> list[Any]:
    """The filter of the enterprise's claim list (and of its count): its claims, in the given
    索赔申请状态."""
    where: list[Any] = [t.c.uscc == uscc]
    if statuses:
        where.append(t.c.status.in_(list(statuses)))
    return where


class SqlClaims:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, claim: Claim) -> None:
        policy = claim.policy
        await self.conn.execute(t.insert().values(
            claim_no=claim.claim_no, uscc=claim.uscc, enterprise_name=claim.enterprise_name,
            offer_no=policy.offer_no, policy_no=policy.policy_no, period_start=policy.period_start,
            period_end=policy.period_end, insurer_name=policy.insurer_name,
            insurer_code=policy.insurer_code, created_at=claim.created_at,
            created_by=claim.created_by, **_values(claim)))

    async def get(self, claim_no: str, *, uscc: str | None = None) -> Claim | None:
        row = (await self.conn.execute(select(t).where(t.c.claim_no == claim_no))).first()
        if row is None or (uscc is not None and row.uscc != uscc):
            return None
        return _aggregate(row)

    async def for_update(self, claim_no: str) -> Claim | None:
        query = select(t).where(t.c.claim_no == claim_no).with_for_update()
        row = (await self.conn.execute(query)).first()
        return _aggregate(row) if row else None

    async def save(self, claim: Claim) -> None:
        await self.conn.execute(update(t).where(t.c.claim_no == claim.claim_no)
                                .values(_values(claim)))

    async def of_policy(self, uscc: str, offer_no: str) -> list[Claim]:
        query = (select(t).where(t.c.uscc == uscc, t.c.offer_no == offer_no)
                 .order_by(t.c.created_at.desc(), t.c.claim_no.desc()))
        return [_aggregate(row) for row in await self.conn.execute(query)]

    async def store_report(self, claim_no: str, pdf: bytes, sha256: str) -> None:
        r = claim_reports
        stmt = upsert(self.conn, r).values(claim_no=claim_no, pdf=pdf, sha256=sha256)
        await self.conn.execute(stmt.on_conflict_do_update(
            index_elements=[r.c.claim_no], set_={"pdf": pdf, "sha256": sha256}))

    async def report(self, claim_no: str) -> bytes | None:
        r = claim_reports
        row = (await self.conn.execute(select(r.c.pdf).where(r.c.claim_no == claim_no))).first()
        return row.pdf if row else None

    async def page(self, uscc: str, *, statuses: Sequence[str] | None, limit: int,
                   after: tuple[datetime, str] | None) -> list[Claim]:
        """Newest change first (a review is a change), keyset-paged on (updated_at, claim_no);
        the enterprise's claims are read through the index that leads with its USCC."""
        query = select(t).where(*_listed(uscc, statuses))
        if after:
            at, claim_no = after
            query = query.where(or_(t.c.updated_at < at,
                                    and_(t.c.updated_at == at, t.c.claim_no < claim_no)))
        query = query.order_by(t.c.updated_at.desc(), t.c.claim_no.desc()).limit(limit)
        return [_aggregate(row) for row in await self.conn.execute(query)]

    async def count(self, uscc: str, *, statuses: Sequence[str] | None) -> int:
        """How many rows ``page`` lists with the same filter."""
        query = select(func.count()).select_from(t).where(*_listed(uscc, statuses))
        return int((await self.conn.execute(query)).scalar_one())
