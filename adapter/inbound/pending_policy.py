"""X-IN-1 待确认保单: the insurer offers (or withdraws) a policy for an enterprise to apply for."""

from __future__ import annotations

from collections.abc import Sequence

from adapter.domain.errors import DocumentRejected
from adapter.domain.exchange import Envelope
from adapter.domain.insurance import PolicyOffer
from adapter.service_layer import insurance
from adapter.service_layer.unit_of_work import UnitOfWork


async def handle(uow: UnitOfWork, items: Sequence[tuple[object, Envelope]]
                 ) -> list[DocumentRejected | None]:
    offers = [(document, envelope) for document, envelope in items
              if isinstance(document, PolicyOffer)]
    return await insurance.receive_offers(uow, offers)
