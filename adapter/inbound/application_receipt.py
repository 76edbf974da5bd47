"""X-IN-4 投保受理结果: the insurer's decision on an application the hub sent (生效 / 退回)."""

from __future__ import annotations

from collections.abc import Sequence

from adapter.domain.errors import DocumentRejected
from adapter.domain.exchange import Envelope
from adapter.domain.insurance import ApplicationReceipt
from adapter.service_layer import insurance
from adapter.service_layer.unit_of_work import UnitOfWork


async def handle(uow: UnitOfWork, items: Sequence[tuple[object, Envelope]]
                 ) -> list[DocumentRejected | None]:
    receipts = [(document, envelope) for document, envelope in items
                if isinstance(document, ApplicationReceipt)]
    return await insurance.apply_receipts(uow, receipts)
