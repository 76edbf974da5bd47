"""Liveness and readiness.

Ready means the database answers, within its statement timeout, on the pool's
connections. The detail beside it (backlog, oldest waiting message, dead letters, each
partner's circuit) is read through indexes that bound it, never by counting the history,
so a probe costs the same at ten million sent messages as at none. A partner whose circuit
is open does not make the hub unready: inbound still works, and messages wait.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from adapter.domain.exchange import utcnow
from adapter.portal.json import respond
from adapter.service_layer import operations
from adapter.service_layer.unit_of_work import UnitsOfWork


def routes(uows: UnitsOfWork, *, database: str, dispatcher_mode: str,
           ping: Callable[[], Awaitable[None]], partners: list[str]) -> list[web.RouteDef]:
    async def live(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def ready(_request: web.Request) -> web.Response:
        try:
            await ping()
            found = await operations.readiness(uows, partners)
        except Exception as exc:  # noqa: BLE001 - readiness reports, it does not crash
            return web.json_response({"status": "unavailable", "database": database,
                                      "error": type(exc).__name__}, status=503)
        return respond({"status": "ok", "database": database, "dispatcher": dispatcher_mode,
                        **_detail(found)})

    return [web.get("/health/live", live), web.get("/health/ready", ready)]


def _detail(found: operations.Readiness) -> dict[str, Any]:
    outbox = found.outbox
    oldest = outbox.oldest_due
    return {
        "backlog": outbox.pending + outbox.sending,
        "oldest_pending_seconds": round((utcnow() - oldest).total_seconds(), 3) if oldest else 0,
        "dead_letters": outbox.dead,
        "counted_up_to": outbox.cap,
        "partners": {c.partner: {"circuit": c.state.value, "since": c.changed_at,
                                 "failures": c.failures, "next_probe": c.probe_after,
                                 "last_error_code": c.last_error_code}
                     for c in found.circuits},
    }
