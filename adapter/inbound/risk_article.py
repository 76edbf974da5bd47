"""X-IN-6 风险资讯文章: the insurer publishes, corrects or withdraws an article (§五).

The only inbound type whose use case needs a port besides the unit of work: attachments'
bytes go to the attachment store. The app binds the store it built (``handler(store)``,
through ``handlers.bound``); the unbound entry of the handler table is there so the table
still names every inbound type, and refuses to run rather than lose an attachment.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapter.domain.errors import DocumentRejected
from adapter.domain.exchange import Envelope
from adapter.domain.risk_article import RiskArticle
from adapter.ports.attachments import AttachmentStore
from adapter.service_layer import risk_articles
from adapter.service_layer.receiving import Handler
from adapter.service_layer.unit_of_work import UnitOfWork


def handler(attachments: AttachmentStore) -> Handler:
    async def handle(uow: UnitOfWork, items: Sequence[tuple[object, Envelope]]
                     ) -> list[DocumentRejected | None]:
        articles = [(document, envelope) for document, envelope in items
                    if isinstance(document, RiskArticle)]
        return await risk_articles.receive_articles(uow, attachments, articles)
    return handle


async def unbound(uow: UnitOfWork, items: Sequence[tuple[object, Envelope]]
                  ) -> list[DocumentRejected | None]:
    raise RuntimeError("the risk article handler needs the attachment store: "
                       "build the handlers with adapter.inbound.handlers.bound(store)")
