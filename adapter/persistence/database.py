"""The engine and its transactions, identical in use on SQLite and PostgreSQL.

SQLite allows one writer at a time; instead of letting concurrent writers fail with
"database is locked", the hub queues them on one asyncio lock per process (SQLite runs
a single adapter process anyway). PostgreSQL needs no such lock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from adapter.config import DatabaseTimeouts
from adapter.domain.errors import StoreUnavailable


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def ensure_sqlite_directory(url: str) -> None:
    """An SQLite file's folder is made on first use, so a fresh clone runs as it is."""
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)


def _postgres_timeouts(timeouts: DatabaseTimeouts) -> dict[str, Any]:
    """Every wait on PostgreSQL is bounded: the connect, each statement on the client side
    (a stalled socket never answers a server-side timeout), and on the server side too, so
    a statement the client gave up on does not keep its locks."""
    return {
        "timeout": timeouts.connect_seconds,
        "command_timeout": timeouts.statement_seconds,
        "server_settings": {"statement_timeout": str(int(timeouts.statement_seconds * 1000))},
    }


# The databases whose read turn the running request holds (see Database.reader_turn).
_READ_TURNS_HELD: ContextVar[frozenset[int]] = ContextVar("read_turns_held", default=frozenset())

# A pooled connection unused for longer than this is pinged before it is handed out.
IDLE_BEFORE_PING_SECONDS = 1.0


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Pre-ping, but only connections that sat idle: one that was in use a moment ago is
    known alive, and pinging it on every checkout would cost inbound a round trip per
    group. A dead connection found here is replaced before anyone uses it; one that dies
    in use fails its statement, is thrown away (see ``outage``), and the next starts afresh.
    """
    @event.listens_for(engine.sync_engine, "connect")
    @event.listens_for(engine.sync_engine, "checkin")
    def _rested(_dbapi: Any, record: Any) -> None:
        record.info["rested_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _alive(dbapi: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("rested_at", 0.0) < idle_seconds:
            return
        try:
            dbapi.ping()
        except Exception as dead:
            raise exc.DisconnectionError(f"pre-ping failed: {dead}") from dead


class Database:
    """Owns the engine; hands out transactions. Built by the app factory, never at import."""

    def __init__(self, url: str, *, pool_size: int = 10, reads_in_flight: int = 4,
                 timeouts: DatabaseTimeouts | None = None) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.timeouts = timeouts or DatabaseTimeouts()
        if self.is_sqlite:
            ensure_sqlite_directory(url)
            self.engine: AsyncEngine = create_async_engine(url)
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_async_engine(
                url, pool_size=pool_size, max_overflow=pool_size // 2,
                pool_timeout=self.timeouts.pool_wait_seconds,
                connect_args=_postgres_timeouts(self.timeouts))
            _ping_when_idle(self.engine, IDLE_BEFORE_PING_SECONDS)
        self.reader: AsyncEngine = (self.engine if self.is_sqlite
                                    else self.engine.execution_options(isolation_level="AUTOCOMMIT"))
        """The same pool for reads, on PostgreSQL without BEGIN and ROLLBACK around them:
        under READ COMMITTED every statement takes its own snapshot inside a transaction
        too, so a read sees exactly what it would see in one, two round trips sooner (the
        portal's reads, the risk search's among them, are one or two statements)."""
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._read_turns = asyncio.Semaphore(reads_in_flight)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self, on: AsyncConnection | None = None) -> AsyncIterator[AsyncConnection]:
        """One atomic unit: everything inside commits together or not at all.

        ``on``: a connection from :meth:`held`, for a run of transactions that should not pay
        the pool's checkout and return each time.
        """
        async with self._write_lock or nullcontext():
            if on is None:
                async with self.engine.begin() as conn:
                    yield conn
            else:
                async with on.begin():
                    yield on

    @asynccontextmanager
    async def writer_turn(self) -> AsyncIterator[None]:
        """On SQLite, wait for the one writer's turn; elsewhere, go ahead."""
        async with self._write_lock or nullcontext():
            yield

    @asynccontextmanager
    async def reader_turn(self) -> AsyncIterator[None]:
        """At most ``reads_in_flight`` reads of this process at the database at once.

        A read is a statement or two of a millisecond each; more of them at once than the
        database has cores only queue inside it, where they contend for its CPU with each
        other and with this process (measured on two cores, 32 risk searches in flight: 500
        a second with no turns, 840–950 with four; bench/README.md). Waiting here costs
        nothing, and is bounded like the pool's wait: past it the read is a 503, as a full
        pool is. A read opened inside another read of the same database by the same request
        (or by the tasks it gathers) takes no second turn, so a request never waits for a
        turn it holds itself.
        """
        held = _READ_TURNS_HELD.get()
        if id(self) in held:
            yield
            return
        try:
            async with asyncio.timeout(self.timeouts.pool_wait_seconds):
                await self._read_turns.acquire()
        except TimeoutError:
            raise StoreUnavailable("no turn to read within the pool's wait") from None
        token = _READ_TURNS_HELD.set(held | {id(self)})
        try:
            yield
        finally:
            _READ_TURNS_HELD.reset(token)
            self._read_turns.release()

    @asynccontextmanager
    async def held(self) -> AsyncIterator[AsyncConnection]:
        """A pooled connection kept across several :meth:`transaction` calls."""
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    async def ping(self) -> None:
        """One round trip on a pooled connection, bounded like every statement."""
        async with asyncio.timeout(self.timeouts.statement_seconds):
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

    def pool_use(self) -> tuple[int, int, int]:
        """Connections checked out, idle in the pool, and the pool's size (for metrics);
        zeros for a pool that keeps no count."""
        pool: Any = self.engine.pool

        def read(name: str) -> int:
            method = getattr(pool, name, None)
            return int(method()) if callable(method) else 0

        return read("checkedout"), read("checkedin"), read("size")

    async def dispose(self) -> None:
        await self.engine.dispose()
