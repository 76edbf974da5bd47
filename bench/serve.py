"""A server for the inbound benchmark, in its own process: the hub, or the ceiling.

    python bench/serve.py hub     --db URL [--port P] [--profile FILE] [--log-level INFO]
    python bench/serve.py ceiling --db URL [--port P] [--profile FILE]

Prints ``READY http://127.0.0.1:P`` once it listens; stops on SIGINT/SIGTERM. With
``--profile FILE`` it runs under cProfile: SIGUSR1 writes ``FILE.0``, ``FILE.1``, ... (one
per segment of the run) and the last segment is written on exit.

``hub`` is the real app from ``create_app`` (dispatcher off: the inbound benchmark
measures receive → store → ack only), logging as ``sw-hub serve`` does (JSON lines on
stderr, INFO). ``ceiling`` is the least a receiver can do per document: read the body,
lxml parse, XMLSchema validate (xsd/agreement_stamp.xsd), one INSERT of the raw bytes
into a scratch table (asyncpg on PostgreSQL, aiosqlite on SQLite), answer a small ack.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web
from lxml import etree

from bench.common import REPO_ROOT, sqlite_path

SCRATCH_TABLE = "bench_ceiling_inbox"
CEILING_ACK = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
               b'<Ack xmlns="urn:bench:ack"><Status>ACCEPTED</Status></Ack>')


async def build_hub(url: str, port: int, log_level: str) -> web.AppRunner:
    from adapter.app import LINGER_SECONDS, create_app
    from adapter.config import DispatcherSettings, Settings
    from adapter.observability import configure_logging

    configure_logging(json_lines=True, level=getattr(logging, log_level))
    settings = Settings(database_url=url, host="127.0.0.1", port=port,
                        dispatcher=DispatcherSettings(enabled=False), log_json=True)
    app = create_app(settings)
    _count_pool_events(app)
    return web.AppRunner(app, access_log=None, shutdown_timeout=LINGER_SECONDS + 5)


def _count_pool_events(app: web.Application) -> None:
    """Count what the hub's engine does (connections opened, statements, transactions), served
    at ``GET /_bench/pool`` (bench only).

    A listener on the engine the app built, and one extra route on this app object; the
    hub's code is untouched.
    """
    from sqlalchemy import event

    from adapter.app import DATABASE

    engine = app[DATABASE].engine.sync_engine
    counts = {"connect": 0, "close": 0, "checkout": 0, "statement": 0, "begin": 0, "commit": 0,
              "rollback": 0}

    def counter(name: str) -> Callable[..., None]:
        def bump(*_args: object, **_kwargs: object) -> None:
            counts[name] += 1
        return bump

    for name in ("connect", "close", "checkout"):
        event.listen(engine.pool, name, counter(name))
    # One statement is one round trip (an executemany too); on asyncpg, BEGIN and COMMIT are
    # round trips of their own.
    event.listen(engine, "before_cursor_execute", counter("statement"))
    for name in ("begin", "commit", "rollback"):
        event.listen(engine, name, counter(name))

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response(counts)

    app.router.add_get("/_bench/pool", stats)


async def build_ceiling(url: str, pool_size: int) -> web.AppRunner:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, collect_ids=False)
    schema = etree.XMLSchema(etree.parse(str(REPO_ROOT / "xsd" / "agreement_stamp.xsd")))
    app = web.Application(client_max_size=2 * 1024 * 1024 + 1024)

    if url.startswith("sqlite"):
        import aiosqlite

        db = await aiosqlite.connect(sqlite_path(url))
        # The hub's own pragmas, so the commit costs the same.
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
            await db.execute(f"PRAGMA {pragma}")
        await db.execute(f"CREATE TABLE IF NOT EXISTS {SCRATCH_TABLE} (id INTEGER PRIMARY KEY, "
                         "received_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, raw BLOB NOT NULL)")
        await db.execute(f"DELETE FROM {SCRATCH_TABLE}")
        await db.commit()
        lock = asyncio.Lock()  # one writer, one commit per document, like the hub on SQLite

        async def store(raw: bytes) -> None:
            async with lock:
                await db.execute(f"INSERT INTO {SCRATCH_TABLE} (raw) VALUES (?)", (raw,))
                await db.commit()

        async def close(_app: web.Application) -> None:
            await db.close()
    else:
        import asyncpg

        dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        pool = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=pool_size)
        await pool.execute(f"CREATE TABLE IF NOT EXISTS {SCRATCH_TABLE} (id bigserial PRIMARY KEY, "
                           "received_at timestamptz NOT NULL DEFAULT now(), raw bytea NOT NULL)")
        await pool.execute(f"TRUNCATE {SCRATCH_TABLE}")
        insert = f"INSERT INTO {SCRATCH_TABLE} (raw) VALUES ($1)"

        async def store(raw: bytes) -> None:
            await pool.execute(insert, raw)

        async def close(_app: web.Application) -> None:
            await pool.close()

    async def receive(request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            root = etree.fromstring(raw, parser)
        except etree.XMLSyntaxError as exc:
            return web.Response(status=400, text=str(exc))
        if not schema.validate(root):
            return web.Response(status=400, text=str(schema.error_log[0]))
        await store(raw)
        return web.Response(body=CEILING_ACK, content_type="application/xml", charset="utf-8")

    app.router.add_post("/insurer/v1/documents/{slug}", receive)
    app.on_cleanup.append(close)
    return web.AppRunner(app, access_log=None)


async def main(args: argparse.Namespace) -> None:
    if args.kind == "hub":
        runner = await build_hub(args.db, args.port, args.log_level)
    else:
        runner = await build_ceiling(args.db, args.pool_size)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port, backlog=1024)
    await site.start()
    host, port = runner.addresses[0][:2]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    # cProfile's default (wall) clock: a CPU clock (time.thread_time) costs a system call per
    # event and inflates call-heavy code several times over. Waiting in epoll shows up as
    # 'poll'; preemption by other processes shows up wherever it strikes, so profile on a
    # quiet machine.
    profiler = cProfile.Profile() if args.profile else None
    segment = 0

    def next_segment() -> None:
        """SIGUSR1: write what was profiled so far to ``PROFILE.<k>`` and start afresh."""
        nonlocal profiler, segment
        if profiler is None:
            return
        profiler.disable()
        profiler.dump_stats(f"{args.profile}.{segment}")
        segment += 1
        profiler = cProfile.Profile()
        profiler.enable()

    loop.add_signal_handler(signal.SIGUSR1, next_segment)
    if profiler:
        profiler.enable()
    print(f"READY http://{host}:{port}", flush=True)
    try:
        await stop.wait()
    finally:
        if profiler:
            profiler.disable()
            profiler.dump_stats(f"{args.profile}.{segment}")
        await runner.cleanup()


if __name__ == "__main__":
    cli = argparse.ArgumentParser()
    cli.add_argument("kind", choices=["hub", "ceiling"])
    cli.add_argument("--db", required=True)
    cli.add_argument("--port", type=int, default=0)
    cli.add_argument("--pool-size", type=int, default=20, help="ceiling: asyncpg pool size")
    cli.add_argument("--profile", help="write a cProfile dump here on exit")
    cli.add_argument("--log-level", default="INFO", help="hub: root log level (sw-hub uses INFO)")
    asyncio.run(main(cli.parse_args()))
