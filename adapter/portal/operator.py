"""Operator API: object timelines, outbox backlog, inbox, dead letters and their replay.

Guarded by the operator credential from config, separate from partners and portal users.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from aiohttp import web

from adapter.config import Settings
from adapter.domain.records import OutboxStatus
from adapter.portal.errors import (
    DeadLetterUnknown,
    QueryInteger,
    QueryStatus,
)
from adapter.portal.json import respond
from adapter.portal.operator_auth import operator_guard
from adapter.service_layer import operations
from adapter.service_layer.unit_of_work import UnitsOfWork

PREFIX = "/ops/v1"
MAX_ID = 2**63 - 1
_INBOX_STATUSES = (None, "processed", "rejected")


def _int_query(request: web.Request, name: str, default: int | None, *, ceiling: int = 500) -> int | None:
    """A paging parameter: a whole number from 1 to ``ceiling``, or a 422 naming it."""
    raw = request.query.get(name)
    if raw is None:
        return default
    # isdigit() alone admits "²" and other digits int() refuses; only ASCII 0-9 count here.
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= ceiling:
        raise QueryInteger(f"{name}={raw!r}", path=f"$query.{name}", name=name, ceiling=ceiling)
    return int(raw)


def _row_id(request: web.Request) -> int:
    """A dead letter's id from the path; past the largest row id there is none to find."""
    raw = request.match_info["id"]
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ID:
        raise DeadLetterUnknown(f"no dead letter {raw[:30]}", path="id")
    return int(raw)


def _paging(request: web.Request) -> tuple[int, int | None]:
    """(limit, before): how many, and below which row id (keyset paging, newest first)."""
    return (_int_query(request, "limit", 50) or 50,
            _int_query(request, "before", None, ceiling=MAX_ID))


def routes(uows: UnitsOfWork, settings: Settings, wake: Callable[[], None]) -> list[web.RouteDef]:
    guard = operator_guard(settings.operator_token.get_secret_value())

    async def timeline(request: web.Request) -> web.Response:
        guard(request)
        entries = await operations.timeline_of(uows, request.match_info["object_type"],
                                               request.match_info["object_id"])
        return respond({"entries": entries})

    async def outbox_list(request: web.Request) -> web.Response:
        guard(request)
        try:
            status = OutboxStatus(request.query.get("status", OutboxStatus.PENDING.value))
        except ValueError:
            raise QueryStatus("unknown outbox status", path="$query.status") from None
        limit, before = _paging(request)
        page = await operations.outbox_page(uows, status, limit=limit, before_id=before)
        return respond({"counts": page.counts, "items": page.items})

    async def dead_letters(request: web.Request) -> web.Response:
        guard(request)
        limit, before = _paging(request)
        return respond({"items": await operations.dead_letters(uows, limit=limit, before_id=before)})

    async def dead_letter(request: web.Request) -> web.Response:
        guard(request)
        found = await operations.dead_letter(uows, _row_id(request))
        if found is None:
            raise DeadLetterUnknown("no such dead letter", path="id")
        item: dict[str, Any] = asdict(found.message)
        item["timeline"] = list(found.timeline)
        return respond(item)

    async def replay(request: web.Request) -> web.Response:
        guard(request)
        replayed = await operations.replay(uows, _row_id(request))
        if replayed is None:
            raise DeadLetterUnknown("no such dead letter", path="id")
        wake()
        return respond({"replayed": replayed}, 202)

    async def inbox_list(request: web.Request) -> web.Response:
        guard(request)
        status = request.query.get("status")
        if status not in _INBOX_STATUSES:
            raise QueryStatus("unknown inbox status", path="$query.status")
        limit, before = _paging(request)
        items = await operations.inbox_page(uows, status=status, limit=limit, before_id=before)
        return respond({"items": items})

    return [
        web.get(PREFIX + "/timeline/{object_type}/{object_id}", timeline),
        web.get(PREFIX + "/outbox", outbox_list),
        web.get(PREFIX + "/dead-letters", dead_letters),
        web.get(PREFIX + "/dead-letters/{id:\\d+}", dead_letter),
        web.post(PREFIX + "/dead-letters/{id:\\d+}/replay", replay),
        web.get(PREFIX + "/inbox", inbox_list),
    ]
