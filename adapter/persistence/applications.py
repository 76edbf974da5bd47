"""Insurance application rows: one per pending policy, flattened from the aggregate and back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.agreement import Enterprise
from adapter.domain.insurance import (
    ApplicationStatus,
    Contact,
    InsuranceApplication,
    Insurer,
    OfferAction,
    PolicyOffer,
    ReceiptStatus,
    Submission,
)
from adapter.persistence.dialect import upsert
from adapter.persistence.tables import insurance_applications as t
from adapter.persistence.tables import insurance_documents


def _offer_values(offer: PolicyOffer) -> dict[str, Any]:
    return {"offer_no": offer.offer_no, "uscc": offer.uscc,
            "enterprise_name": offer.enterprise.name, "org_code": offer.enterprise.org_code,
            "insurer_name": offer.insurer.name, "insurer_code": offer.insurer.code,
            "product_code": offer.product_code, "product_name": offer.product_name,
            "coverage_start": offer.coverage_start, "coverage_end": offer.coverage_end,
            "max_liability": offer.max_liability, "currency": offer.currency,
            "offered_at": offer.offered_at}


def _state_values(item: InsuranceApplication) -> dict[str, Any]:
    submission = item.submission
    return {
        "status": item.status.value, "updated_at": item.updated_at,
        "open_uscc": item.uscc if item.is_open else None,
        "application_no": submission.application_no if submission else None,
        "contact_name": submission.contact.name if submission else None,
        "contact_mobile": submission.contact.mobile if submission else None,
        "contact_email": submission.contact.email if submission else None,
        "submitted_at": submission.submitted_at if submission else None,
        "submitted_by": submission.submitted_by if submission else None,
        "card_type": submission.card_type if submission else None,
        "decided_at": item.decided_at, "return_reason": item.return_reason,
        "policy_no": item.policy_no, "policy_start": item.policy_start,
        "policy_end": item.policy_end, "policy_issued_at": item.policy_issued_at,
        "receipt_status": item.receipt_status.value if item.receipt_status else None,
        "acknowledged_at": item.acknowledged_at, "acknowledged_by": item.acknowledged_by,
    }


def _aggregate(row: Row[Any]) -> InsuranceApplication:
    offer = PolicyOffer(
        row.offer_no, OfferAction.OFFER, Enterprise(row.enterprise_name, row.uscc, row.org_code),
        Insurer(row.insurer_name, row.insurer_code), row.product_code, row.product_name,
        row.coverage_start, row.coverage_end, row.offered_at, row.max_liability, row.currency)
    submission = None if row.application_no is None else Submission(
        row.application_no, Contact(row.contact_name, row.contact_mobile, row.contact_email),
        row.submitted_at, row.submitted_by, row.card_type)
    return InsuranceApplication(
        offer, ApplicationStatus(row.status), row.updated_at, submission,
        decided_at=row.decided_at, return_reason=row.return_reason, policy_no=row.policy_no,
        policy_start=row.policy_start, policy_end=row.policy_end,
        policy_issued_at=row.policy_issued_at,
        receipt_status=ReceiptStatus(row.receipt_status) if row.receipt_status else None,
        acknowledged_at=row.acknowledged_at, acknowledged_by=row.acknowledged_by)


def _listed(uscc: str, statuses: Sequence[str] | None, policies: bool) -> list[Any]:
    """The filter of a list (and of its count): the enterprise's applications, or its
    policies, in the given 投保状态 or 收悉状态."""
    where: list[Any] = [t.c.uscc == uscc]
    if policies:
        where.append(t.c.policy_issued_at.is_not(None))
    if statuses:
        column = t.c.receipt_status if policies else t.c.status
        where.append(column.in_(list(statuses)))
    return where


class SqlApplications:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, application: InsuranceApplication) -> bool:
        """Insert; False when the enterprise has an open offer already (unique open_uscc)."""
        stmt = upsert(self.conn, t).values(
            **_offer_values(application.offer), **_state_values(application),
        ).on_conflict_do_nothing().returning(t.c.offer_no)
        return (await self.conn.execute(stmt)).first() is not None

    async def get(self, offer_no: str, *, uscc: str | None = None) -> InsuranceApplication | None:
        row = (await self.conn.execute(select(t).where(t.c.offer_no == offer_no))).first()
        if row is None or (uscc is not None and row.uscc != uscc):
            return None
        return _aggregate(row)

    async def for_update(self, offer_no: str) -> InsuranceApplication | None:
        query = select(t).where(t.c.offer_no == offer_no).with_for_update()
        row = (await self.conn.execute(query)).first()
        return _aggregate(row) if row else None

    async def open_of(self, uscc: str) -> InsuranceApplication | None:
        query = select(t).where(t.c.open_uscc == uscc).with_for_update()
        row = (await self.conn.execute(query)).first()
        return _aggregate(row) if row else None

    async def save(self, application: InsuranceApplication) -> None:
        await self.conn.execute(update(t).where(t.c.offer_no == application.offer_no)
                                .values(_state_values(application)))

    async def document(self, offer_no: str, kind: str) -> tuple[bytes | None, str | None]:
        d = insurance_documents
        row = (await self.conn.execute(select(d.c.pdf, d.c.shown).where(
            d.c.offer_no == offer_no, d.c.kind == kind))).first()
        return (row.pdf, row.shown) if row else (None, None)

    async def store_document(self, offer_no: str, kind: str, pdf: bytes, shown: str) -> None:
        d = insurance_documents
        stmt = upsert(self.conn, d).values(offer_no=offer_no, kind=kind, pdf=pdf, shown=shown)
        await self.conn.execute(stmt.on_conflict_do_update(
            index_elements=[d.c.offer_no, d.c.kind], set_={"pdf": pdf, "shown": shown}))

    async def page(self, uscc: str, *, statuses: Sequence[str] | None, policies: bool, limit: int,
                   after: tuple[datetime, str] | None) -> list[InsuranceApplication]:
        """Newest first over the (uscc, offered_at) or (uscc, policy_issued_at) index."""
        key = t.c.policy_issued_at if policies else t.c.offered_at
        query = select(t).where(*_listed(uscc, statuses, policies))
        if after:
            at, offer_no = after
            query = query.where(or_(key < at, and_(key == at, t.c.offer_no < offer_no)))
        query = query.order_by(key.desc(), t.c.offer_no.desc()).limit(limit)
        return [_aggregate(row) for row in await self.conn.execute(query)]

    async def count(self, uscc: str, *, statuses: Sequence[str] | None, policies: bool) -> int:
        """How many rows ``page`` lists with the same filter, over the same index."""
        query = select(func.count()).select_from(t).where(*_listed(uscc, statuses, policies))
        return int((await self.conn.execute(query)).scalar_one())

    async def counts(self, uscc: str) -> dict[str, int]:
        by_status = select(t.c.status, func.count()).where(t.c.uscc == uscc).group_by(t.c.status)
        counted = {row[0]: int(row[1]) for row in await self.conn.execute(by_status)}
        awaiting = select(func.count()).where(t.c.uscc == uscc,
                                              t.c.receipt_status == ReceiptStatus.AWAITING.value)
        counted[ReceiptStatus.AWAITING.value] = int((await self.conn.execute(awaiting)).scalar_one())
        return counted
