"""Buyer rows (C-3): one per buyer an enterprise picked or registered, keyed by its code or
the hub's registration serial within the enterprise."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.buyer import Buyer, BuyerStatus
from adapter.persistence.dialect import upsert
from adapter.persistence.tables import claim_buyers as t


def _values(buyer: Buyer) -> dict[str, Any]:
    return {"uscc": buyer.uscc, "status": buyer.status.value, "code": buyer.code,
            "registration_serial": buyer.registration_serial, "english_name": buyer.english_name,
            "country": buyer.country, "address": buyer.address, "at": buyer.at}


def _buyer(row: Row[Any]) -> Buyer:
    return Buyer(row.uscc, row.english_name, row.country, row.address, BuyerStatus(row.status),
                 row.code, row.registration_serial, row.at)


class SqlBuyers:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, buyer: Buyer) -> bool:
        """Either unique key (code, registration serial) already taken: nothing written."""
        statement = upsert(self.conn, t).values(**_values(buyer)).on_conflict_do_nothing()
        return (await self.conn.execute(statement.returning(t.c.id))).first() is not None

    async def get(self, uscc: str, reference: str) -> Buyer | None:
        query = select(t).where(t.c.uscc == uscc, or_(t.c.code == reference,
                                                      t.c.registration_serial == reference))
        row = (await self.conn.execute(query.order_by(t.c.id).limit(1))).first()
        return _buyer(row) if row else None

    async def of(self, uscc: str) -> list[Buyer]:
        query = select(t).where(t.c.uscc == uscc).order_by(t.c.at.desc(), t.c.id.desc())
        return [_buyer(row) for row in await self.conn.execute(query)]

    async def record_code(self, uscc: str, registration_serial: str, code: str) -> bool:
        statement = (update(t).where(and_(t.c.uscc == uscc, t.c.registration_serial == registration_serial,
                                          t.c.code.is_(None)))
                     .values(code=code, status=BuyerStatus.REGISTERED.value))
        return (await self.conn.execute(statement)).rowcount == 1
