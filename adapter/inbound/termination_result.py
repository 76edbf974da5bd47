"""X-IN-3 解约结果: the insurer's decision on a termination the hub requested."""

from __future__ import annotations

from collections.abc import Sequence

from adapter.domain.agreement import TerminationResult
from adapter.domain.errors import DocumentRejected
from adapter.domain.exchange import Envelope
from adapter.service_layer import agreement
from adapter.service_layer.unit_of_work import UnitOfWork


async def handle(uow: UnitOfWork, items: Sequence[tuple[object, Envelope]]
                 ) -> list[DocumentRejected | None]:
    results = [(document, envelope) for document, envelope in items
               if isinstance(document, TerminationResult)]
    return await agreement.apply_receipts(uow, [(r.receipt(), e) for r, e in results])
