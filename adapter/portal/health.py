"""Liveness and readiness: ready means the database answers; backlog and dead letters are shown."""

from __future__ import annotations

from aiohttp import web

from adapter.persistence import outbox
from adapter.persistence.database import Database


def routes(db: Database, *, dispatcher_mode: str) -> list[web.RouteDef]:
    async def live(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def ready(_request: web.Request) -> web.Response:
        try:
            await db.ping()
            async with db.reading() as conn:
                counts = await outbox.counts(conn)
        except Exception as exc:  # noqa: BLE001 - readiness reports, it does not crash
            return web.json_response({"status": "unavailable", "database": db.dialect,
                                      "error": type(exc).__name__}, status=503)
        return web.json_response({
            "status": "ok", "database": db.dialect, "dispatcher": dispatcher_mode,
            "backlog": counts.get(outbox.PENDING, 0) + counts.get(outbox.SENDING, 0),
            "dead_letters": counts.get(outbox.DEAD, 0),
        })

    return [web.get("/health/live", live), web.get("/health/ready", ready)]
