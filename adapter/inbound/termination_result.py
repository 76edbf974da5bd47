"""X-IN-3 解约结果: the insurer's decision on a termination the hub requested."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.agreement import TerminationResult
from adapter.domain.exchange import Envelope
from adapter.errors import DocumentRejected
from adapter.service_layer import agreement


async def handle(conn: AsyncConnection, result: TerminationResult, envelope: Envelope) -> None:
    await agreement.apply_termination_result(conn, result, envelope)


async def handle_group(conn: AsyncConnection, items: list[tuple[TerminationResult, Envelope]]
                       ) -> list[DocumentRejected | None]:
    return await agreement.apply_receipts(conn, [agreement.termination_receipt(r, e) for r, e in items])
