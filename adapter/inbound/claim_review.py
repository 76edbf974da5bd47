"""X-IN-5 索赔审核回执: the insurer's review of a claim submission (审核通过 / 退回)."""

from __future__ import annotations

from collections.abc import Sequence

from adapter.domain.claim import ClaimReview
from adapter.domain.errors import DocumentRejected
from adapter.domain.exchange import Envelope
from adapter.service_layer import claim
from adapter.service_layer.unit_of_work import UnitOfWork


async def handle(uow: UnitOfWork, items: Sequence[tuple[object, Envelope]]
                 ) -> list[DocumentRejected | None]:
    reviews = [(document, envelope) for document, envelope in items
               if isinstance(document, ClaimReview)]
    return await claim.apply_reviews(uow, reviews)
