"""How the portal's reads reach the database: the driver path of the hot searches gives
exactly what SQLAlchemy gives, only where no transaction is open; and a process's reads take
turns, so no more than ``reads_in_flight`` are at the database at once, a request never
waits for a turn it holds, and a turn not had within the pool's wait is a 503."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from adapter.config import DatabaseTimeouts
from adapter.domain.errors import StoreUnavailable
from adapter.domain.exchange import Envelope
from adapter.domain.risk_article import ArticleAction, ArticleCategory, RiskArticle, keyword_keys
from adapter.persistence import risk_articles as searches
from adapter.persistence.database import Database
from adapter.persistence.driver_reads import fetch, on_driver
from adapter.persistence.tables import risk_articles
from adapter.persistence.unit_of_work import SqlUnitsOfWork
from adapter.ports.attachments import FolderAttachmentStore
from adapter.service_layer.risk_articles import receive_articles

START = datetime(2025, 3, 1, 8, 30, 15, 250_000, tzinfo=UTC)


async def publish(db: Database, store: FolderAttachmentStore) -> None:
    items = [RiskArticle(f"RA-READ-{n:03d}", 1, ArticleAction.PUBLISH,
                         list(ArticleCategory)[n % 4], f"美国芯片风险提示第{n}期" if n % 3 == 0 else
                         f"越南港口拥堵第{n}期", START + timedelta(minutes=n),
                         countries=("USA",), body="<p>正文</p>") for n in range(30)]
    async with SqlUnitsOfWork(db).begin() as uow:
        refused = await receive_articles(uow, store, [
            (a, Envelope.new("RISK_ARTICLE", business_serial=f"{a.article_id}-V1",
                             sender="SINOSURE", receiver="SWCREDIT")) for a in items])
        assert not any(refused)
        await uow.commit()


def statements(dialect: str) -> list[tuple[object, dict[str, object]]]:
    """The search's statements, with and without a keyword, a keyset page among them."""
    keyword = {"kw": "美国", "keys": keyword_keys("美国"), "country": None, "industry": None}
    after = {"after_at": START + timedelta(minutes=21), "after_id": "RA-READ-021"}
    found: list[tuple[object, dict[str, object]]] = [
        (searches._overview(dialect, False, False, False, 5), {}),
        (searches._overview(dialect, False, False, True, 5), keyword),
        (searches._page(dialect, False, False, False, True, 16),
         {"category": "COUNTRY", **after}),
    ]
    if dialect == "postgresql":
        recent, indexed = searches._page_searched(ArticleCategory.COUNTRY, False, False, True, 16)
        found += [(recent, {**keyword, **after}), (indexed, {**keyword, **after}),
                  (searches._overview_indexed(tuple(ArticleCategory), False, False, 5), keyword)]
    return found


async def test_the_driver_path_gives_what_sqlalchemy_gives(db, tmp_path) -> None:
    await publish(db, FolderAttachmentStore(tmp_path / "blobs"))
    uows = SqlUnitsOfWork(db)
    for statement, params in statements(db.dialect):
        async with uows.reading() as uow:
            through_driver = [tuple(row) for row in await fetch(uow.conn, statement, params)]
            through_sqlalchemy = [tuple(row) for row in await uow.conn.execute(statement, params)]
        assert through_driver == through_sqlalchemy and through_driver, statement
        assert all(isinstance(row[3], datetime) and row[3].tzinfo is UTC for row in through_driver)
    assert START in {row[3] for row in through_driver}  # to the microsecond, in UTC


async def test_the_driver_path_only_where_no_transaction_is_open(db) -> None:
    uows = SqlUnitsOfWork(db)
    async with uows.reading() as uow:
        assert on_driver(uow.conn) is (db.dialect == "postgresql")
    async with uows.begin() as uow:
        assert not on_driver(uow.conn)
        # inside a transaction the statement runs in it: it sees the transaction's own rows
        await uow.conn.execute(risk_articles.insert().values(
            article_id="RA-IN-TX", version=1, withdrawn=False, category="COUNTRY",
            title="事务内的美国风险", summary="", body_html="", countries="", industries="",
            published_at=START, received_at=START, message_id="M-1", has_attachments=False))
        rows = await fetch(uow.conn, searches._page(db.dialect, False, False, False, False, 16),
                           {"category": "COUNTRY"})
        assert [row.article_id for row in rows] == ["RA-IN-TX"]
    async with uows.reading() as uow:  # rolled back with its transaction
        assert (await uow.conn.execute(select(risk_articles.c.article_id))).first() is None


async def test_reads_take_turns(db_url) -> None:
    db = Database(db_url, reads_in_flight=2)
    uows = SqlUnitsOfWork(db)
    inside, most = 0, 0

    async def read() -> None:
        nonlocal inside, most
        async with uows.reading():
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.05)
            inside -= 1

    try:
        await asyncio.gather(*(read() for _ in range(8)))
        assert most == 2
    finally:
        await db.dispose()


async def test_a_read_inside_a_read_takes_no_second_turn(db_url) -> None:
    db = Database(db_url, reads_in_flight=1, timeouts=DatabaseTimeouts(pool_wait_seconds=0.5))
    uows = SqlUnitsOfWork(db)
    try:
        async with uows.reading():
            started = time.monotonic()
            async with uows.reading() as inner:
                assert (await inner.conn.execute(select(1))).scalar() == 1
            assert time.monotonic() - started < 0.4
    finally:
        await db.dispose()


async def test_no_turn_within_the_pool_wait_is_unavailable(db_url) -> None:
    db = Database(db_url, reads_in_flight=1, timeouts=DatabaseTimeouts(pool_wait_seconds=0.3))
    uows = SqlUnitsOfWork(db)
    held = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with uows.reading():
            held.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    try:
        await held.wait()
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            async with uows.reading():
                pass
        assert 0.25 < time.monotonic() - started < 1.5
        release.set()
        await holder
        async with uows.reading() as uow:  # the turn is back
            assert (await uow.conn.execute(select(1))).scalar() == 1
    finally:
        release.set()
        await holder
        await db.dispose()


async def test_a_read_of_another_database_inside_a_read_takes_that_ones_turn(db_url) -> None:
    """The turn held is this database's: a read of a second one still waits for its own."""
    timeouts = DatabaseTimeouts(pool_wait_seconds=0.3)
    first = Database(db_url, reads_in_flight=1, timeouts=timeouts)
    second = Database(db_url, reads_in_flight=1, timeouts=timeouts)
    held, release = asyncio.Event(), asyncio.Event()

    async def hold_second() -> None:
        async with SqlUnitsOfWork(second).reading():
            held.set()
            await release.wait()

    holder = asyncio.create_task(hold_second())
    try:
        await held.wait()
        async with SqlUnitsOfWork(first).reading():
            with pytest.raises(StoreUnavailable):
                async with SqlUnitsOfWork(second).reading():
                    pass
    finally:
        release.set()
        await holder
        await first.dispose()
        await second.dispose()
