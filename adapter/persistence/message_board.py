"""Message board rows: one per message, the region flattened and back, never updated."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.inquiry import Division
from adapter.domain.message_board import Area, BoardMessage
from adapter.persistence.tables import message_board_messages as t


def _division_values(prefix: str, division: Division | None) -> dict[str, Any]:
    return {f"{prefix}_code": division.code if division else None,
            f"{prefix}_name": division.name if division else None}


def _values(message: BoardMessage) -> dict[str, Any]:
    area = message.area
    return {"message_no": message.message_no, "uscc": message.uscc,
            "company_name": message.company_name,
            **_division_values("province", area.province), **_division_values("city", area.city),
            **_division_values("district", area.district),
            "contact_name": message.contact_name, "contact_mobile": message.contact_mobile,
            "contact_email": message.contact_email, "content": message.content,
            "submitted_by": message.submitted_by, "card_type": message.card_type,
            "submitted_at": message.submitted_at}


def _division(code: str | None, name: str | None) -> Division | None:
    return Division(code, name) if code and name else None


def _message(row: Row[Any]) -> BoardMessage:
    area = Area(Division(row.province_code, row.province_name),
                _division(row.city_code, row.city_name),
                _division(row.district_code, row.district_name))
    return BoardMessage(row.message_no, row.uscc, row.company_name, area, row.contact_name,
                        row.contact_mobile, row.contact_email, row.content, row.submitted_by,
                        row.card_type, row.submitted_at)


class SqlMessageBoard:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, message: BoardMessage) -> None:
        await self.conn.execute(t.insert().values(**_values(message)))

    async def get(self, message_no: str, *, uscc: str) -> BoardMessage | None:
        query = select(t).where(t.c.message_no == message_no, t.c.uscc == uscc)
        row = (await self.conn.execute(query)).first()
        return _message(row) if row else None

    async def page(self, uscc: str, *, limit: int,
                   after: tuple[datetime, str] | None) -> list[BoardMessage]:
        """Newest first over the (uscc, submitted_at) index, keyset-paged."""
        query = select(t).where(t.c.uscc == uscc)
        if after:
            at, message_no = after
            query = query.where(or_(t.c.submitted_at < at,
                                    and_(t.c.submitted_at == at, t.c.message_no < message_no)))
        query = query.order_by(t.c.submitted_at.desc(), t.c.message_no.desc()).limit(limit)
        return [_message(row) for row in await self.conn.execute(query)]

    async def recent(self, *, limit: int, before_id: int | None) -> list[tuple[int, BoardMessage]]:
        """Every enterprise's messages for operators, newest first by row id (the key)."""
        query = select(t)
        if before_id is not None:
            query = query.where(t.c.id < before_id)
        query = query.order_by(t.c.id.desc()).limit(limit)
        return [(int(row.id), _message(row)) for row in await self.conn.execute(query)]
