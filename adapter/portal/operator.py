"""Operator API: object timelines, outbox backlog, inbox, dead letters and their replay.

Guarded by the operator credential from config, separate from partners and portal users.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable

from aiohttp import web

from adapter.config import Settings
from adapter.errors import FieldError, FieldErrors
from adapter.persistence import inbox, outbox
from adapter.persistence.database import Database
from adapter.portal.errors import json_error
from adapter.portal.json import respond
from adapter.service_layer import operations

PREFIX = "/ops/v1"
MAX_ID = 2**63 - 1


def _int_query(request: web.Request, name: str, default: int | None, *, ceiling: int = 500) -> int | None:
    """A paging parameter: a whole number from 1 to ``ceiling``, or a 422 naming it."""
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= ceiling:
        raise FieldErrors([FieldError("E-QUERY-INTEGER", f"$query.{name}",
                                      f"{name} 必须为1至{ceiling}之间的整数")])
    return int(raw)


def routes(db: Database, settings: Settings, wake: Callable[[], None]) -> list[web.RouteDef]:
    token = settings.operator_token.get_secret_value()

    def guard(request: web.Request) -> None:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(presented, token):
            raise web.HTTPUnauthorized(text=json.dumps(
                {"errors": [{"code": "E-OPERATOR-AUTH", "field": "Authorization",
                             "message": "需要运维人员凭证"}]}, ensure_ascii=False),
                content_type="application/json")

    async def timeline(request: web.Request) -> web.Response:
        guard(request)
        async with db.reading() as conn:
            entries = await operations.timeline_of(conn, request.match_info["object_type"],
                                                request.match_info["object_id"])
        return respond({"entries": entries})

    async def outbox_list(request: web.Request) -> web.Response:
        guard(request)
        status = request.query.get("status", outbox.PENDING)
        if status not in (outbox.PENDING, outbox.SENDING, outbox.SENT, outbox.DEAD):
            return json_error(422, "E-QUERY-STATUS", "状态取值无效", "$query.status")
        async with db.reading() as conn:
            items = await outbox.listing(conn, status=status, limit=_int_query(request, "limit", 50) or 50,
                                         before_id=_int_query(request, "before", None, ceiling=MAX_ID))
            counts = await outbox.counts(conn)
        return respond({"counts": counts, "items": items})

    async def dead_letters(request: web.Request) -> web.Response:
        guard(request)
        async with db.reading() as conn:
            items = await outbox.listing(conn, status=outbox.DEAD,
                                         limit=_int_query(request, "limit", 50) or 50,
                                         before_id=_int_query(request, "before", None, ceiling=MAX_ID))
        return respond({"items": items})

    async def dead_letter(request: web.Request) -> web.Response:
        guard(request)
        async with db.reading() as conn:
            item = await operations.dead_letter(conn, int(request.match_info["id"]))
        if item is None:
            return json_error(404, "E-DEAD-LETTER-UNKNOWN", "死信不存在或已重发", "id")
        return respond(item)

    async def replay(request: web.Request) -> web.Response:
        guard(request)
        replayed = await operations.replay(db, int(request.match_info["id"]))
        if replayed is None:
            return json_error(404, "E-DEAD-LETTER-UNKNOWN", "死信不存在或已重发", "id")
        wake()
        return respond({"replayed": replayed}, 202)

    async def inbox_list(request: web.Request) -> web.Response:
        guard(request)
        status = request.query.get("status")
        if status not in (None, "processed", "rejected"):
            return json_error(422, "E-QUERY-STATUS", "状态取值无效", "$query.status")
        async with db.reading() as conn:
            items = await inbox.recent(conn, status=status,
                                       limit=_int_query(request, "limit", 50) or 50,
                                       before_id=_int_query(request, "before", None, ceiling=MAX_ID))
        return respond({"items": items})

    return [
        web.get(PREFIX + "/timeline/{object_type}/{object_id}", timeline),
        web.get(PREFIX + "/outbox", outbox_list),
        web.get(PREFIX + "/dead-letters", dead_letters),
        web.get(PREFIX + "/dead-letters/{id:\\d+}", dead_letter),
        web.post(PREFIX + "/dead-letters/{id:\\d+}/replay", replay),
        web.get(PREFIX + "/inbox", inbox_list),
    ]

