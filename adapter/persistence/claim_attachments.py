"""Claim attachment rows (C-10): who uploaded which bytes to which claim, under which name.

The insurer's fetch asks two questions here that join the claim's own tables (read only):
an attachment is sent once its claim was submitted after it was uploaded (so a file added
after a 退回 stays the enterprise's until the claim goes again); the shipment report is
sent when a submitted claim's latest report has that digest and was made before it went.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.attachments import AttachmentRecord
from adapter.persistence.dialect import upsert
from adapter.persistence.tables import claim_attachments as t
from adapter.persistence.tables import claim_reports, claims, risk_article_attachments


def _record(row: Row[Any]) -> AttachmentRecord:
    return AttachmentRecord(row.id, row.claim_no, row.uscc, row.name, row.media_type, row.size,
                            row.sha256, row.remark, row.summary, row.uploaded_at, row.uploaded_by)


class SqlClaimAttachments:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, record: AttachmentRecord) -> AttachmentRecord | None:
        values = {"claim_no": record.claim_no, "uscc": record.uscc, "name": record.name,
                  "media_type": record.media_type, "size": record.size, "sha256": record.sha256,
                  "remark": record.remark, "summary": record.summary,
                  "uploaded_at": record.uploaded_at, "uploaded_by": record.uploaded_by}
        stmt = upsert(self.conn, t).values(**values).on_conflict_do_nothing().returning(t)
        row = (await self.conn.execute(stmt)).first()
        return None if row is None else _record(row)

    async def of_claim(self, claim_no: str) -> list[AttachmentRecord]:
        rows = await self.conn.execute(select(t).where(t.c.claim_no == claim_no).order_by(t.c.id))
        return [_record(row) for row in rows]

    async def get(self, claim_no: str, attachment_id: int) -> AttachmentRecord | None:
        row = (await self.conn.execute(select(t).where(
            t.c.claim_no == claim_no, t.c.id == attachment_id))).first()
        return None if row is None else _record(row)

    async def remove(self, claim_no: str, attachment_id: int) -> bool:
        result = await self.conn.execute(delete(t).where(
            t.c.claim_no == claim_no, t.c.id == attachment_id))
        return bool(result.rowcount)

    async def used_bytes(self, claim_no: str) -> int:
        total = await self.conn.scalar(
            select(func.coalesce(func.sum(t.c.size), 0)).where(t.c.claim_no == claim_no))
        return int(total or 0)

    async def sent_attachment(self, sha256: str) -> AttachmentRecord | None:
        query = (select(t).join(claims, claims.c.claim_no == t.c.claim_no)
                 .where(t.c.sha256 == sha256, claims.c.submitted_at.is_not(None),
                        t.c.uploaded_at <= claims.c.submitted_at)
                 .order_by(t.c.id).limit(1))
        row = (await self.conn.execute(query)).first()
        return None if row is None else _record(row)

    async def sent_report(self, sha256: str) -> bytes | None:
        query = (select(claim_reports.c.pdf)
                 .join(claims, claims.c.claim_no == claim_reports.c.claim_no)
                 .where(and_(claim_reports.c.sha256 == sha256, claims.c.report_sha256 == sha256,
                             claims.c.report_generated_at <= claims.c.submitted_at))
                 .limit(1))
        pdf = await self.conn.scalar(query)
        return None if pdf is None else bytes(pdf)

    async def referenced(self, digests: Sequence[str]) -> set[str]:
        if not digests:
            return set()
        files = risk_article_attachments
        query = (select(t.c.sha256).where(t.c.sha256.in_(digests))
                 .union(select(files.c.sha256).where(files.c.sha256.in_(digests))))
        return {row[0] for row in await self.conn.execute(query)}
