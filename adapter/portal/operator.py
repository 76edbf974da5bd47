"""Operator API: object timelines, outbox backlog, inbox, dead letters and their replay,
and the overdue report.

Guarded by the operator credential from config, separate from partners and portal users.
Every list is a keyset page (``before`` a row id, newest first) read through an index
that serves its filter, so a page costs the same at a thousand rows as at ten million.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from aiohttp import web

from adapter.config import Settings
from adapter.domain.exchange import utcnow
from adapter.domain.records import OutboxLevels, OutboxStatus
from adapter.portal.errors import (
    DeadLetterUnknown,
    QueryInteger,
    QueryMessageType,
    QueryMoment,
    QueryStatus,
)
from adapter.portal.json import respond
from adapter.portal.operator_auth import operator_guard
from adapter.service_layer import operations, overdue
from adapter.service_layer.unit_of_work import UnitsOfWork

PREFIX = "/ops/v1"
MAX_ID = 2**63 - 1
_INBOX_STATUSES = (None, "processed", "rejected")
_MESSAGE_TYPE = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")


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


def _message_type(request: web.Request) -> str | None:
    raw = request.query.get("message_type")
    if raw is not None and not _MESSAGE_TYPE.match(raw):
        raise QueryMessageType(f"message_type={raw[:60]!r}", path="$query.message_type")
    return raw


def as_of(request: web.Request) -> datetime:
    """``as_of``: the moment the report is judged at (ISO 8601 with an offset), by default
    now: "what will be overdue by Friday?" asks with Friday's date."""
    raw = request.query.get("as_of")
    if raw is None:
        return utcnow()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise QueryMoment(f"as_of={raw[:60]!r}", path="$query.as_of")
    return moment


def _rows(items: Sequence[Any]) -> list[dict[str, Any]]:
    """A page's rows as flat dicts: ``asdict`` deep-copies every value, which cost more than
    the page's query (2 ms for 50 rows)."""
    if not items:
        return []
    names = [f.name for f in fields(items[0])]
    return [{name: getattr(item, name) for name in names} for item in items]


def _counts(levels: OutboxLevels) -> dict[str, Any]:
    """Counted up to the cap from the partial indexes; the sent history is estimated."""
    return {"pending": levels.pending, "sending": levels.sending, "dead": levels.dead,
            "sent": levels.sent_estimate, "estimated": ["sent"], "counted_up_to": levels.cap}


def routes(uows: UnitsOfWork, settings: Settings, wake: Callable[[], None]) -> list[web.RouteDef]:
    guard = operator_guard(settings.operator_token.get_secret_value())
    rules, calendar = overdue.configured(settings.overdue)

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
        return respond({"counts": _counts(page.levels), "items": _rows(page.items)})

    async def dead_letters(request: web.Request) -> web.Response:
        guard(request)
        limit, before = _paging(request)
        items = await operations.dead_letters(uows, limit=limit, before_id=before)
        return respond({"items": _rows(items)})

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
        items = await operations.inbox_page(uows, status=status, limit=limit, before_id=before,
                                            message_type=_message_type(request))
        return respond({"items": _rows(items)})

    async def overdue_report(request: web.Request) -> web.Response:
        guard(request)
        found = await overdue.report(uows, rules, calendar, now=as_of(request))
        return respond({"as_of": found.as_of, "counts": found.counts(),
                        "truncated": found.truncated, "items": _rows(found.items),
                        "rules": [{"kind": r.kind, "label": r.label_zh,
                                   "deadline": r.deadline.describe()} for r in rules]})

    return [
        web.get(PREFIX + "/timeline/{object_type}/{object_id}", timeline),
        web.get(PREFIX + "/outbox", outbox_list),
        web.get(PREFIX + "/dead-letters", dead_letters),
        web.get(PREFIX + "/dead-letters/{id:\\d+}", dead_letter),
        web.post(PREFIX + "/dead-letters/{id:\\d+}/replay", replay),
        web.get(PREFIX + "/inbox", inbox_list),
        web.get(PREFIX + "/overdue", overdue_report),
    ]
