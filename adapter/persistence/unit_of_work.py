"""The unit of work on SQLAlchemy: one connection, one transaction, every repository on it.

``commit`` writes the gathered timeline entries, then commits; leaving without it rolls
back. On SQLite a writing unit takes the database's one writer's turn for its whole
life (see :class:`Database`); reading units never wait for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.persistence.agreements import SqlAgreements
from adapter.persistence.applications import SqlApplications
from adapter.persistence.authorizations import SqlAuthorizations
from adapter.persistence.buyers import SqlBuyers
from adapter.persistence.circuits import SqlCircuits
from adapter.persistence.claim_attachments import SqlClaimAttachments
from adapter.persistence.claims import SqlClaims
from adapter.persistence.database import Database
from adapter.persistence.inbox import SqlInbox
from adapter.persistence.inquiries import SqlInquiries
from adapter.persistence.message_board import SqlMessageBoard
from adapter.persistence.outage import is_outage, outage_as_unavailable
from adapter.persistence.outbox import SqlOutbox
from adapter.persistence.risk_articles import SqlRiskArticles
from adapter.persistence.sms_codes import SqlSmsCodes
from adapter.persistence.timeline import SqlTimeline
from adapter.persistence.waiting import SqlWaiting


class SqlUnitOfWork:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.agreements = SqlAgreements(conn)
        self.authorizations = SqlAuthorizations(conn)
        self.applications = SqlApplications(conn)
        self.inquiries = SqlInquiries(conn)
        self.buyers = SqlBuyers(conn)
        self.messages = SqlMessageBoard(conn)
        self.claims = SqlClaims(conn)
        self.claim_attachments = SqlClaimAttachments(conn)
        self.risk_articles = SqlRiskArticles(conn)
        self.sms_codes = SqlSmsCodes(conn)
        self.outbox = SqlOutbox(conn)
        self.inbox = SqlInbox(conn)
        self.timeline = SqlTimeline(conn)
        self.circuits = SqlCircuits(conn)
        self.waiting = SqlWaiting(conn)

    async def commit(self) -> None:
        await self.timeline.flush()
        await self.conn.commit()


class SqlUnitsOfWork:
    """Hands out units of work; built by the app factory around the one :class:`Database`."""

    def __init__(self, db: Database, *, on: AsyncConnection | None = None) -> None:
        self.db = db
        self.single_writer = db.is_sqlite
        self._on = on

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[SqlUnitOfWork]:
        async with self.db.writer_turn():
            if self._on is not None:
                async with outage_as_unavailable(), _rolled_back_unless_committed(self._on) as uow:
                    yield uow
                return
            async with (outage_as_unavailable(), self.db.engine.connect() as conn,
                        _rolled_back_unless_committed(conn) as uow):
                yield uow

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqlUnitOfWork]:
        async with (self.db.reader_turn(), outage_as_unavailable(), self.db.reader.connect() as conn,
                    _rolled_back_unless_committed(conn) as uow):
            yield uow

    @asynccontextmanager
    async def held(self) -> AsyncIterator[SqlUnitsOfWork]:
        async with outage_as_unavailable(), self.db.engine.connect() as conn:
            yield SqlUnitsOfWork(self.db, on=conn)


@asynccontextmanager
async def _rolled_back_unless_committed(conn: AsyncConnection) -> AsyncIterator[SqlUnitOfWork]:
    """Rolls back what was not committed; a connection the database dropped or left
    stalled is thrown away instead of going back to the pool."""
    uow = SqlUnitOfWork(conn)
    try:
        yield uow
    except BaseException as error:
        if is_outage(error):
            await conn.invalidate()
        raise
    finally:
        if not conn.invalidated and conn.in_transaction():
            await conn.rollback()
