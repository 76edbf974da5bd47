"""X-IN-2 签章回执: the insurer stamped (or refused) an agreement the hub sent."""

from __future__ import annotations

from collections.abc import Sequence

from adapter.domain.agreement import AgreementStamp
from adapter.domain.errors import DocumentRejected
from adapter.domain.exchange import Envelope
from adapter.service_layer import agreement
from adapter.service_layer.unit_of_work import UnitOfWork


async def handle(uow: UnitOfWork, items: Sequence[tuple[object, Envelope]]
                 ) -> list[DocumentRejected | None]:
    stamps = [(document, envelope) for document, envelope in items
              if isinstance(document, AgreementStamp)]
    return await agreement.apply_receipts(uow, [(s.receipt(), e) for s, e in stamps])
