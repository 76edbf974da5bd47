"""X-IN-2 签章回执: the insurer stamped (or refused) an agreement the hub sent."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.agreement import AgreementStamp
from adapter.domain.exchange import Envelope
from adapter.errors import DocumentRejected
from adapter.service_layer import agreement


async def handle(conn: AsyncConnection, stamp: AgreementStamp, envelope: Envelope) -> None:
    await agreement.apply_stamp(conn, stamp, envelope)


async def handle_group(conn: AsyncConnection,
                       items: list[tuple[AgreementStamp, Envelope]]) -> list[DocumentRejected | None]:
    return await agreement.apply_receipts(conn, [agreement.stamp_receipt(s, e) for s, e in items])
