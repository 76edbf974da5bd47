"""SMS verification code rows: the hash, never the code; tries and use are all that change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.sms import VerificationCode
from adapter.persistence.tables import sms_codes as t


def _code(row: Row[Any]) -> VerificationCode:
    return VerificationCode(row.subject, row.uscc, row.mobile, row.code_hash, row.issued_at,
                            row.attempts, row.used_at, row.id)


class SqlSmsCodes:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, code: VerificationCode) -> None:
        result = await self.conn.execute(insert(t).values(
            subject=code.subject, uscc=code.uscc, mobile=code.mobile, code_hash=code.code_hash,
            issued_at=code.issued_at, attempts=code.attempts, used_at=code.used_at,
        ).returning(t.c.id))
        code.id = result.scalar_one()

    async def latest(self, subject: str) -> VerificationCode | None:
        query = (select(t).where(t.c.subject == subject).order_by(t.c.id.desc()).limit(1)
                 .with_for_update())
        row = (await self.conn.execute(query)).first()
        return _code(row) if row else None

    async def save(self, code: VerificationCode) -> None:
        await self.conn.execute(update(t).where(t.c.id == code.id)
                                .values(attempts=code.attempts, used_at=code.used_at))

    async def sent_since(self, uscc: str, since: datetime) -> int:
        query = select(func.count()).where(t.c.uscc == uscc, t.c.issued_at >= since)
        return int((await self.conn.execute(query)).scalar_one())
