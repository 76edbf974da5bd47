"""Data authorization rows: one per enterprise, enforced by a unique key, not an ``if``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.authorization import DataAuthorization
from adapter.persistence.dialect import upsert
from adapter.persistence.tables import data_authorizations


async def add(conn: AsyncConnection, authorization: DataAuthorization) -> bool:
    """False when the enterprise has authorized already (the first one stands)."""
    stmt = upsert(conn, data_authorizations).values(
        authorization_no=authorization.authorization_no, uscc=authorization.enterprise.uscc,
        enterprise_name=authorization.enterprise.name, authorized_by=authorization.authorized_by,
        authorized_at=authorization.authorized_at,
        data_types=",".join(t.value for t in authorization.data_types),
    ).on_conflict_do_nothing(index_elements=[data_authorizations.c.uscc]).returning(
        data_authorizations.c.authorization_no)
    return (await conn.execute(stmt)).first() is not None


async def of(conn: AsyncConnection, uscc: str) -> dict[str, Any] | None:
    row = (await conn.execute(select(data_authorizations)
                              .where(data_authorizations.c.uscc == uscc))).first()
    return dict(row._mapping) if row else None
