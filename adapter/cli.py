"""``sw-hub`` (or ``python -m adapter``): serve, migrate, demo, dispatch, operate dead letters."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from contextlib import suppress
from typing import Any

from aiohttp import web

from adapter.app import LINGER_SECONDS, create_app, dispatcher_mode
from adapter.config import REPO_ROOT, Settings, load_settings
from adapter.contracts.cli import register as register_contracts
from adapter.deployment import check_before_start
from adapter.observability import configure_logging
from adapter.persistence.database import Database
from adapter.persistence.migrate import upgrade
from adapter.persistence.unit_of_work import SqlUnitsOfWork
from adapter.portal.json import plain
from adapter.service_layer import operations
from adapter.serving import hub_site

log = logging.getLogger("adapter.cli")


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()


async def serve(settings: Settings, *, banner: list[str] | None = None) -> None:
    upgrade(settings.database_url)
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=LINGER_SECONDS + 5)
    await runner.setup()
    await hub_site(runner, settings).start()
    log.info("hub listening on %s (dispatcher: %s)", settings.base_url, dispatcher_mode(settings))
    for line in banner or []:
        print(line, flush=True)
    try:
        await _until_signalled()
    finally:
        await runner.cleanup()


async def dispatch(settings: Settings) -> None:
    """A dispatcher process of its own, sharing the outbox with the others (PostgreSQL only)."""
    if settings.is_sqlite:
        raise SystemExit("SQLite has no FOR UPDATE SKIP LOCKED: the single dispatcher runs inside "
                         "the adapter process (serve). Use PostgreSQL for separate dispatchers.")
    from adapter.outbound.dispatcher import Dispatcher
    from adapter.outbound.gateways import build_gateway

    db = Database(settings.database_url, pool_size=settings.database_pool_size,
                  timeouts=settings.database_timeouts)
    gateway = build_gateway(settings)
    stop = asyncio.Event()
    dispatcher = Dispatcher(SqlUnitsOfWork(db), gateway, settings, database=db.dialect)
    task = asyncio.create_task(dispatcher.run(stop))
    await _until_signalled()
    stop.set()
    await task
    await gateway.close()
    await db.dispose()


async def demo(settings: Settings) -> None:
    """Migrate, seed, start the mock insurer as its own process, then serve the hub."""
    from adapter.demo import DEMO_AGREEMENT, DEMO_USCC, seed

    upgrade(settings.database_url)
    db = Database(settings.database_url)
    await seed(db, settings)
    await db.dispose()
    insurer_port = _port_of(settings.insurer.rest_base_url)
    mock = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mock_insurer", "serve", "--port", str(insurer_port),
        "--admin-port", str(insurer_port + 1), "--hub", settings.base_url, cwd=REPO_ROOT)
    await _wait_for_port(insurer_port)
    base = settings.base_url
    banner = [
        "",
        f"Hub:               {base}",
        f"  WSDL (insurer):  {base}/insurer/soap?wsdl",
        f"  REST (insurer):  {base}/insurer/v1/documents/agreement-stamp",
        f"  OpenAPI / docs:  {base}/openapi.json  {base}/docs",
        (f"  Operator API:    {base}/ops/v1/timeline/agreement/{DEMO_AGREEMENT}"
        f"  (Authorization: Bearer {settings.operator_token.get_secret_value()})"),
        f"  Health:          {base}/health/ready",
        f"Mock insurer:      http://127.0.0.1:{insurer_port}  admin http://127.0.0.1:{insurer_port + 1}/admin/received",
        "",
        "Push the insurer's stamp for the demo agreement (SOAP through zeep):",
        (f"  .venv/bin/python -m mock_insurer push agreement-stamp --hub {base} --channel soap "
        f"--agreement-no {DEMO_AGREEMENT} --uscc {DEMO_USCC}"),
        "Then read its timeline (operator API):",
        (f"  curl -s -H 'Authorization: Bearer {settings.operator_token.get_secret_value()}' "
        f"{base}/ops/v1/timeline/agreement/{DEMO_AGREEMENT}"),
        "",
        ("Portal tokens (Authorization: Bearer …): legal/operator for 厦门鹭江外贸有限公司 (签约成功, "
         "pending policy PP-DEMO-0001), demo-legal for 厦门示范进出口贸易有限公司:"),
        *[f"  {label}: {token}" for label, token in demo_tokens(settings).items()],
        ("Walk-throughs: README.md, 'The agreement by hand' (demo-legal) and "
         "'The insurance application by hand' (operator)."),
        "",
    ]
    try:
        await serve(settings, banner=banner)
    finally:
        mock.terminate()
        await asyncio.wait_for(mock.wait(), timeout=10)


async def _wait_for_port(port: int, *, seconds: float = 10.0) -> None:
    """Start the hub once the mock insurer listens, so the demo's first send goes through."""
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return


def demo_tokens(settings: Settings) -> dict[str, str]:
    """Tokens as the Single Window's login would issue them, for the demo enterprises."""
    from adapter.demo import DEMO_ENTERPRISE, SECOND_ENTERPRISE
    from adapter.domain.identity import CardType
    from adapter.portal.identity import issue

    tokens = {}
    for label, enterprise, card, user in (
            ("legal", SECOND_ENTERPRISE, CardType.LEGAL_PERSON, "林法人"),
            ("operator", SECOND_ENTERPRISE, CardType.OPERATOR, "王操作员"),
            ("demo-legal", DEMO_ENTERPRISE, CardType.LEGAL_PERSON, "陈示范")):
        tokens[label] = issue(settings.identity, enterprise_name=enterprise.name, uscc=enterprise.uscc,
                              org_code=enterprise.org_code or "", user_id=f"{enterprise.uscc}-{label}",
                              user_name=user, card_type=card)
    return tokens


def _port_of(url: str) -> int:
    from urllib.parse import urlsplit

    return urlsplit(url).port or 8090


async def dead_letters(settings: Settings, action: str, row_id: int | None) -> Any:
    db = Database(settings.database_url)
    uows = SqlUnitsOfWork(db)
    try:
        if action == "list":
            return await operations.dead_letters(uows, limit=200, before_id=None)
        if row_id is None:
            raise SystemExit("give the dead letter's id")
        if action == "show":
            return await operations.dead_letter(uows, row_id) or {"error": "no such dead letter"}
        return await operations.replay(uows, row_id) or {"error": "no such dead letter"}
    finally:
        await db.dispose()


async def timeline(settings: Settings, object_type: str, object_id: str) -> Any:
    db = Database(settings.database_url)
    try:
        return await operations.timeline_of(SqlUnitsOfWork(db), object_type, object_id)
    finally:
        await db.dispose()


async def overdue_report(settings: Settings, as_of: str | None) -> Any:
    """The operator's overdue report, as ``GET /ops/v1/overdue`` answers it."""
    from datetime import datetime

    from adapter.domain.exchange import utcnow
    from adapter.service_layer import overdue

    now = datetime.fromisoformat(as_of) if as_of else utcnow()
    if now.tzinfo is None:
        raise SystemExit("--as-of needs an offset, e.g. 2026-05-08T09:00:00+08:00")
    rules, calendar = overdue.configured(settings.overdue)
    db = Database(settings.database_url)
    try:
        found = await overdue.report(SqlUnitsOfWork(db), rules, calendar, now=now)
    finally:
        await db.dispose()
    return {"as_of": found.as_of, "counts": found.counts(), "truncated": found.truncated,
            "items": found.items}


async def attachments_sweep(settings: Settings, grace_hours: float, dry_run: bool) -> Any:
    """Blobs no row names and unfinished uploads, older than the grace period, removed."""
    from datetime import timedelta

    from adapter.app import build_attachment_store
    from adapter.service_layer.attachment_sweep import sweep

    db = Database(settings.database_url)
    try:
        found = await sweep(SqlUnitsOfWork(db), build_attachment_store(settings),
                            grace=timedelta(hours=grace_hours), dry_run=dry_run)
    finally:
        await db.dispose()
    return {"blobs": found.blobs, "named": found.named, "removed": list(found.removed),
            "freed_bytes": found.freed_bytes, "incoming_removed": found.incoming_removed,
            "dry_run": found.dry_run}


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=plain))


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="sw-hub", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the hub (migrates first)")
    serve_cmd.add_argument("--no-dispatcher", action="store_true",
                           help="leave the outbox to separate `dispatch` processes")
    commands.add_parser("migrate", help="upgrade the database to the newest schema")
    commands.add_parser("demo", help="migrate, load demo data, run the mock insurer and the hub")
    commands.add_parser("dispatch", help="run one more outbox dispatcher (PostgreSQL)")
    letters = commands.add_parser("dead-letters", help="list, show or replay dead letters")
    letters.add_argument("action", choices=["list", "show", "replay"])
    letters.add_argument("id", nargs="?", type=int)
    register_contracts(commands)
    commands.add_parser("tokens", help="print demo portal tokens (legal-person and operator cards)")
    line = commands.add_parser("timeline", help="an object's timeline")
    line.add_argument("object_type")
    line.add_argument("object_id")
    late = commands.add_parser("overdue", help="conversations waiting past their deadline")
    late.add_argument("--as-of", help="judge at this moment (ISO 8601 with offset), default now")
    swept = commands.add_parser("attachments-sweep",
                                help="remove attachment blobs no row names, and dead uploads")
    swept.add_argument("--grace-hours", type=float, default=24.0,
                       help="keep anything written this recently (default 24)")
    swept.add_argument("--dry-run", action="store_true", help="say what would go; remove nothing")
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    settings = load_settings()
    configure_logging(json_lines=settings.log_json, log_lines=settings.rate_limits.log_lines)
    if args.command == "demo":
        settings = settings.model_copy(update={"demo": True})
    if args.command in ("serve", "dispatch", "demo"):
        check_before_start(settings)
    if args.command == "serve":
        if args.no_dispatcher:
            settings = settings.model_copy(update={"dispatcher": settings.dispatcher.model_copy(
                update={"enabled": False})})
        asyncio.run(serve(settings))
    elif args.command == "migrate":
        upgrade(settings.database_url)
        print(f"migrated {settings.database_url.split('@')[-1]}")
    elif args.command == "demo":
        asyncio.run(demo(settings))
    elif args.command == "dispatch":
        asyncio.run(dispatch(settings))
    elif args.command == "dead-letters":
        _print(asyncio.run(dead_letters(settings, args.action, args.id)))
    elif args.command == "tokens":
        _print(demo_tokens(settings))
    elif args.command == "timeline":
        _print(asyncio.run(timeline(settings, args.object_type, args.object_id)))
    elif args.command == "overdue":
        _print(asyncio.run(overdue_report(settings, args.as_of)))
    elif args.command == "attachments-sweep":
        _print(asyncio.run(attachments_sweep(settings, args.grace_hours, args.dry_run)))


if __name__ == "__main__":
    main()
