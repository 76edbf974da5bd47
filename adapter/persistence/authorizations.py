"""Data authorization rows: one per enterprise, enforced by a unique key, not an ``if``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.agreement import Enterprise
from adapter.domain.authorization import DataAuthorization, DataType
from adapter.persistence.dialect import upsert
from adapter.persistence.tables import data_authorizations


class SqlAuthorizations:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, authorization: DataAuthorization) -> bool:
        stmt = upsert(self.conn, data_authorizations).values(
            authorization_no=authorization.authorization_no, uscc=authorization.enterprise.uscc,
            enterprise_name=authorization.enterprise.name, authorized_by=authorization.authorized_by,
            authorized_at=authorization.authorized_at,
            data_types=",".join(t.value for t in authorization.data_types),
        ).on_conflict_do_nothing(index_elements=[data_authorizations.c.uscc]).returning(
            data_authorizations.c.authorization_no)
        return (await self.conn.execute(stmt)).first() is not None

    async def of(self, uscc: str) -> DataAuthorization | None:
        row = (await self.conn.execute(select(data_authorizations)
                                       .where(data_authorizations.c.uscc == uscc))).first()
        if row is None:
            return None
        return DataAuthorization(row.authorization_no, Enterprise(row.enterprise_name, row.uscc),
                                 row.authorized_by, row.authorized_at,
                                 tuple(DataType(t) for t in row.data_types.split(",") if t))
