"""Liveness and readiness: ready means the database answers; backlog and dead letters are shown."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from adapter.domain.records import OutboxStatus
from adapter.service_layer import operations
from adapter.service_layer.unit_of_work import UnitsOfWork


def routes(uows: UnitsOfWork, *, database: str, dispatcher_mode: str,
           ping: Callable[[], Awaitable[None]]) -> list[web.RouteDef]:
    async def live(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def ready(_request: web.Request) -> web.Response:
        try:
            await ping()
            counts = await operations.backlog(uows)
        except Exception as exc:  # noqa: BLE001 - readiness reports, it does not crash
            return web.json_response({"status": "unavailable", "database": database,
                                      "error": type(exc).__name__}, status=503)
        return web.json_response({
            "status": "ok", "database": database, "dispatcher": dispatcher_mode,
            "backlog": counts.get(OutboxStatus.PENDING.value, 0)
            + counts.get(OutboxStatus.SENDING.value, 0),
            "dead_letters": counts.get(OutboxStatus.DEAD.value, 0),
        })

    return [web.get("/health/live", live), web.get("/health/ready", ready)]
