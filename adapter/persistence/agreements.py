"""Agreement rows: load for a decision, save a decided state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.agreement import AgreementStatus, SignedAgreement
from adapter.persistence.tables import agreements


async def add(conn: AsyncConnection, signed: SignedAgreement) -> None:
    await conn.execute(insert(agreements).values(
        agreement_no=signed.agreement_no, uscc=signed.enterprise.uscc,
        enterprise_name=signed.enterprise.name, org_code=signed.enterprise.org_code,
        status=AgreementStatus.SIGNING.value, signer_name=signed.signer_name,
        seal_id=signed.seal.seal_id, signed_at=signed.signed_at, updated_at=signed.signed_at,
    ))


async def for_update(conn: AsyncConnection, agreement_no: str) -> dict[str, Any] | None:
    """The row, locked until commit on PostgreSQL so two receipts decide one after the other."""
    row = (await conn.execute(
        select(agreements.c.agreement_no, agreements.c.uscc, agreements.c.status)
        .where(agreements.c.agreement_no == agreement_no).with_for_update()
    )).first()
    return dict(row._mapping) if row else None


async def set_status(conn: AsyncConnection, agreement_no: str, status: AgreementStatus, *,
                     at: datetime, **fields: Any) -> None:
    await conn.execute(
        update(agreements).where(agreements.c.agreement_no == agreement_no)
        .values(status=status.value, updated_at=at, **fields)
    )


async def get(conn: AsyncConnection, agreement_no: str) -> dict[str, Any] | None:
    row = (await conn.execute(
        select(agreements).where(agreements.c.agreement_no == agreement_no))).first()
    return dict(row._mapping) if row else None
