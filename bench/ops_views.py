"""What an operator or a probe reads, at millions of rows: latency beside a bare query.

    python bench/ops_views.py [--rows 1000000 5000000] [--requests 300]
                              [--db postgresql+asyncpg://postgres@127.0.0.1:5432/test_bench]

Fills the inbox and the outbox with ``rows`` rows each (and 100 000 agreements) through
``INSERT … SELECT FROM generate_series`` in the server, ``VACUUM ANALYZE``, starts the hub in
its own process (``bench/serve.py hub``, dispatcher off), then for each page asks it
``--requests`` times, one request at a time, and runs the same page's statement as bare
asyncpg (a prepared statement on one connection) as many times. Several sizes grow the same
tables: the second size adds rows to the first.

Target: every page ≤ 10 ms p99 at 1 M rows, and no worse at 5 M than at 1 M.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import asyncpg

from bench.common import free_port, percentile, start_child

DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/test_bench"
OPERATOR = {"Authorization": "Bearer operator-demo-token"}
AGREEMENTS = 100_000
TYPES = ("AGREEMENT_STAMP", "TERMINATION_RESULT", "PENDING_POLICY", "POLICY_RECEIPT")
OUTBOX_COLUMNS = ("id, message_id, message_type, business_serial, correlation_id, object_type, "
                  "object_id, status, attempts, created_at, sent_at, last_error_code, last_error, "
                  "next_attempt_at")
INBOX_COLUMNS = ("id, received_at, channel, sender, message_id, message_type, business_serial, "
                 "status, ack_status, error_code, error_path, duplicates, raw_size")


@dataclass(frozen=True)
class Page:
    """One thing to measure: a hub URL, and the bare statements of the same page."""

    name: str
    url: str
    bare: tuple[tuple[str, tuple[object, ...]], ...]


# The statements as the hub runs them: statuses and types written in (see
# ``persistence.outbox.inline``), the row id of a keyset page bound.
def _outbox_page(status: str, before: int | None = None) -> tuple[str, tuple[object, ...]]:
    if before is None:
        return (f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status = '{status}' "
                "ORDER BY id DESC LIMIT 50"), ()
    return (f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status = '{status}' AND id < $1 "
            "ORDER BY id DESC LIMIT 50"), (before,)


def _inbox_page(status: str | None, message_type: str | None,
                before: int | None = None) -> tuple[str, tuple[object, ...]]:
    where = [f"{column} = '{value}'" for column, value in
             (("status", status), ("message_type", message_type)) if value is not None]
    if before is not None:
        where.append("id < $1")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return (f"SELECT {INBOX_COLUMNS} FROM inbound_messages{clause} ORDER BY id DESC LIMIT 50",
            (before,) if before is not None else ())


def _capped(status: str) -> str:
    return f"(SELECT count(*) FROM (SELECT id FROM outbox WHERE status = '{status}' LIMIT 10000) c)"


LEVELS = (
    ("SELECT 1", ()),
    ((f"SELECT {_capped('pending')}, {_capped('sending')}, {_capped('dead')}, "
      "(SELECT next_attempt_at FROM outbox WHERE status IN ('pending', 'sending') ORDER BY id "
      "LIMIT 1), (SELECT reltuples::bigint FROM pg_class WHERE oid = 'outbox'::regclass)"), ()),
    ("SELECT * FROM partner_circuits ORDER BY partner", ()),
)
def _overdue(table: str, state: str, since: str, age: str) -> str:
    return (f"(SELECT count(*) FROM (SELECT {since} FROM {table} WHERE status = '{state}' AND "
            f"{since} <= now() - interval '{age}' LIMIT 10000) c)")


OVERDUE = (
    ("SELECT reltuples::bigint FROM pg_class WHERE oid = 'inbound_messages'::regclass", ()),
    ("SELECT " + ", ".join((
        _overdue("agreements", "保险公司签约中", "signed_at", "2 days"),
        _overdue("agreements", "解约中", "termination_requested_at", "3 days"),
        " + ".join(_overdue("outbox", s, "created_at", "1 hour")
                   for s in ("pending", "sending", "dead")))), ()),
)


def pages(rows: int) -> list[Page]:
    middle = rows // 2
    return [
        Page("readiness", "/health/ready", LEVELS),
        Page("/metrics", "/metrics", LEVELS + OVERDUE),
        *(Page(f"outbox {s}", f"/ops/v1/outbox?status={s}", (_outbox_page(s), LEVELS[1]))
          for s in ("pending", "sending", "sent", "dead")),
        Page("outbox sent, middle page", f"/ops/v1/outbox?status=sent&before={middle}",
             (_outbox_page("sent", middle), LEVELS[1])),
        Page("dead letters", "/ops/v1/dead-letters", (_outbox_page("dead"),)),
        Page("dead letters, middle page", f"/ops/v1/dead-letters?before={middle}",
             (_outbox_page("dead", middle),)),
        Page("inbox", "/ops/v1/inbox", (_inbox_page(None, None),)),
        Page("inbox, middle page", f"/ops/v1/inbox?before={middle}",
             (_inbox_page(None, None, middle),)),
        Page("inbox processed", "/ops/v1/inbox?status=processed",
             (_inbox_page("processed", None),)),
        Page("inbox rejected", "/ops/v1/inbox?status=rejected", (_inbox_page("rejected", None),)),
        Page("inbox rejected, middle page", f"/ops/v1/inbox?status=rejected&before={middle}",
             (_inbox_page("rejected", None, middle),)),
        Page("inbox by type", "/ops/v1/inbox?message_type=POLICY_RECEIPT",
             (_inbox_page(None, "POLICY_RECEIPT"),)),
        Page("inbox by type, middle page",
             f"/ops/v1/inbox?message_type=TERMINATION_RESULT&before={middle}",
             (_inbox_page(None, "TERMINATION_RESULT", middle),)),
        Page("inbox by type + rejected",
             "/ops/v1/inbox?message_type=AGREEMENT_STAMP&status=rejected",
             (_inbox_page("rejected", "AGREEMENT_STAMP"),)),
        Page("inbox by type + processed",
             "/ops/v1/inbox?message_type=PENDING_POLICY&status=processed",
             (_inbox_page("processed", "PENDING_POLICY"),)),
    ]


# --- filling ---------------------------------------------------------------------------


async def fill(dsn: str, start: int, stop: int) -> float:
    """Rows ``start`` < g <= ``stop`` of the outbox and the inbox, made in the server.

    Outbox: sent, the newest 200 pending and 20 sending, and a thousand dead letters
    among the first million rows, whatever the size: the history grows, what waits for an
    operator does not. Inbox: four message types, one in 100 rejected (no deduplication
    key), the rest processed.
    """
    began = time.monotonic()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("""
            INSERT INTO outbox (id, message_id, message_type, partner, business_serial,
                correlation_id, object_type, object_id, payload, status, attempts, created_at,
                next_attempt_at, sent_at, last_error_code, claimed_by)
            SELECT g, 'MSG-' || g, 'SIGNED_AGREEMENT', 'SINOSURE', 'BS-' || g, 'C-' || g,
                'agreement', 'SA-' || g, '\\x3c782f3e'::bytea,
                CASE WHEN g > $2 - 20 THEN 'sending' WHEN g > $2 - 220 THEN 'pending'
                     WHEN g % 1000 = 0 AND g <= 1000000 THEN 'dead' ELSE 'sent' END,
                1, now() - make_interval(secs => ($2 - g)), now() - make_interval(secs => ($2 - g)),
                CASE WHEN g <= $2 - 220 AND (g % 1000 <> 0 OR g > 1000000) THEN now() END,
                CASE WHEN g % 1000 = 0 AND g <= 1000000 THEN 'E-DELIVERY-REJECTED' END,
                CASE WHEN g > $2 - 20 THEN 'bench' END
            FROM generate_series($1 + 1, $2) AS g""", start, stop)
        await conn.execute("UPDATE outbox SET status = 'sent', sent_at = now(), claimed_by = NULL "
                           "WHERE id > $1 - 220 AND id <= $1 AND status IN ('pending', 'sending')",
                           start)
        await conn.execute("""
            INSERT INTO inbound_messages (id, received_at, channel, sender, message_id,
                message_type, business_serial, correlation_id, dedup_sender, dedup_message_id,
                raw, raw_size, truncated, status, ack_id, ack_status, ack_xml, error_code,
                duplicates)
            SELECT g, now() - make_interval(secs => ($2 - g)), 'rest', 'SINOSURE', 'MI-' || g,
                ($3::text[])[1 + g % 4], 'BS-' || g, 'C-' || g,
                CASE WHEN g % 100 <> 0 THEN 'SINOSURE' END,
                CASE WHEN g % 100 <> 0 THEN 'MI-' || g END,
                '\\x3c782f3e'::bytea, 4, false,
                CASE WHEN g % 100 = 0 THEN 'rejected' ELSE 'processed' END,
                'ACK-' || g, CASE WHEN g % 100 = 0 THEN 'REJECTED' ELSE 'ACCEPTED' END,
                '\\x3c612f3e'::bytea, CASE WHEN g % 100 = 0 THEN 'E-XSD-INVALID' END, 0
            FROM generate_series($1 + 1, $2) AS g""", start, stop, list(TYPES))
        await conn.execute("SELECT setval('outbox_id_seq', $1), "
                           "setval('inbound_messages_id_seq', $1)", stop)
        await conn.execute("VACUUM ANALYZE outbox")
        await conn.execute("VACUUM ANALYZE inbound_messages")
    finally:
        await conn.close()
    return time.monotonic() - began


async def fill_agreements(dsn: str) -> None:
    """Enterprises' agreements: most signed, a few still waiting for a stamp or a result."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("""
            INSERT INTO agreements (agreement_no, uscc, enterprise_name, status, signer_name,
                seal_id, signed_at, updated_at, termination_requested_at)
            SELECT 'SA-' || g, lpad(g::text, 18, '9'), '企业' || g,
                CASE WHEN g % 500 = 0 THEN '保险公司签约中' WHEN g % 700 = 0 THEN '解约中'
                     ELSE '签约成功' END,
                '法人', 'SEAL-' || g, now() - make_interval(hours => g % 2000), now(),
                CASE WHEN g % 700 = 0 THEN now() - make_interval(hours => g % 200) END
            FROM generate_series(1, $1) AS g""", AGREEMENTS)
        await conn.execute("VACUUM ANALYZE agreements")
    finally:
        await conn.close()


async def prepare(url: str) -> str:
    from adapter.persistence.migrate import upgrade
    from adapter.persistence.tables import metadata

    await asyncio.to_thread(upgrade, url)
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(dsn)
    try:
        tables = ", ".join(table.name for table in metadata.sorted_tables)
        await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY")
    finally:
        await conn.close()
    await fill_agreements(dsn)
    return dsn


# --- measuring -------------------------------------------------------------------------


async def time_hub(session: aiohttp.ClientSession, url: str, n: int) -> list[float]:
    for _ in range(20):
        async with session.get(url) as response:
            await response.read()
    taken = []
    for _ in range(n):
        started = time.perf_counter()
        async with session.get(url) as response:
            await response.read()
            assert response.status == 200, (url, response.status)
        taken.append(time.perf_counter() - started)
    return taken


async def time_bare(conn: asyncpg.Connection, statements: tuple[tuple[str, tuple[object, ...]], ...],
                    n: int) -> list[float]:
    prepared = [(await conn.prepare(sql), args) for sql, args in statements]
    for statement, args in prepared * 5:
        await statement.fetch(*args)
    taken = []
    for _ in range(n):
        started = time.perf_counter()
        for statement, args in prepared:
            await statement.fetch(*args)
        taken.append(time.perf_counter() - started)
    return taken


def ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:7.2f}"


async def measure(base_url: str, dsn: str, rows: int, n: int) -> dict[str, tuple[float, float]]:
    print(f"\n{rows:,} inbox + {rows:,} outbox rows, {n} requests each, one at a time")
    print(f"{'page':34} {'hub p50':>8} {'hub p99':>8} {'bare p50':>9} {'bare p99':>9}")
    found = {}
    conn = await asyncpg.connect(dsn)
    try:
        async with aiohttp.ClientSession(headers=OPERATOR) as session:
            for page in pages(rows):
                hub = await time_hub(session, base_url + page.url, n)
                bare = await time_bare(conn, page.bare, n)
                found[page.name] = (percentile(hub, 50), percentile(hub, 99))
                print(f"{page.name:34} {ms(hub, 50)}  {ms(hub, 99)}  {ms(bare, 50)}   {ms(bare, 99)}")
    finally:
        await conn.close()
    return found


async def main(args: argparse.Namespace) -> None:
    dsn = await prepare(args.db)
    done, results = 0, {}
    for rows in args.rows:
        took = await fill(dsn, done, rows)
        done = rows
        print(f"filled to {rows:,} rows each in {took:.1f} s")
        port = free_port()
        hub = start_child("hub", [sys.executable, "bench/serve.py", "hub", "--db", args.db,
                                  "--port", str(port), "--log-level", "WARNING"], "READY")
        try:
            results[rows] = await measure(f"http://127.0.0.1:{port}", dsn, rows, args.requests)
        finally:
            hub.stop()
    judge(results)


def judge(results: dict[int, dict[str, tuple[float, float]]]) -> None:
    sizes = sorted(results)
    first = results[sizes[0]]
    slow = [name for name, (_p50, p99) in first.items() if p99 > 0.010]
    print(f"\n≤ 10 ms p99 at {sizes[0]:,}: {'yes' if not slow else 'NO: ' + ', '.join(slow)}")
    for size in sizes[1:]:
        # "No worse": within the run-to-run noise of this shared 2-core machine (1.5× or 1 ms).
        worse = [name for name, (_p50, p99) in results[size].items()
                 if p99 > max(1.5 * first[name][1], first[name][1] + 0.001)]
        print(f"no worse at {size:,} than at {sizes[0]:,}: "
              f"{'yes' if not worse else 'NO: ' + ', '.join(worse)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--requests", type=int, default=300)
    asyncio.run(main(parser.parse_args()))
