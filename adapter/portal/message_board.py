"""Portal routes for 调查问卷 / 留言板 (§七, Q-1): the blank form, submitting a message, the
enterprise's own messages (newest first, keyset pages), one message; and the operators'
list of every enterprise's messages (``GET /ops/v1/messages``, operator token).

所属地区 is the same 省/市 —— 市 —— 区 cascade as the inquiry's 注册地址, checked against
GB/T 2260 by the same function: a district not under the chosen city is
``E-REGION-CASCADE`` on ``$.district``. Another enterprise's message is 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import Field

from adapter.config import Settings
from adapter.domain.identity import Identity
from adapter.domain.inquiry import Division
from adapter.domain.message_board import REQUIRED, Area, BoardMessage
from adapter.domain.text import clean_text
from adapter.portal.context import Portal
from adapter.portal.cursors import decode_cursor, encode_cursor
from adapter.portal.errors import FieldRequired
from adapter.portal.fields import Email, Mobile, RegionCode
from adapter.portal.identity import identity_of
from adapter.portal.inquiries import cascade
from adapter.portal.json import respond
from adapter.portal.operator import _paging
from adapter.portal.operator_auth import operator_guard
from adapter.portal.requests import Command, parse_body, parse_data, rule
from adapter.rendering.times import beijing
from adapter.service_layer import message_board

PREFIX = "/portal/v1/messages"
OPS_PREFIX = "/ops/v1/messages"


def _filled(value: str) -> str:
    """A * field: cleaned like any text, and more than blanks."""
    cleaned = clean_text(value)
    if not cleaned:
        raise FieldRequired("blank where the form marks *")
    return cleaned


_PRINTABLE = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
Filled = Annotated[str, rule(_filled), Field(json_schema_extra={"pattern": _PRINTABLE})]


class SubmitMessage(Command):
    """提交: the * fields of the board, 所属地区 as three GB/T 2260 codes; e-mail optional."""

    company_name: Filled = Field(min_length=1, max_length=200)
    province: RegionCode
    city: RegionCode | None = None
    district: RegionCode | None = None
    contact_name: Filled = Field(min_length=1, max_length=50)
    contact_mobile: Mobile
    contact_email: Email | None = None
    content: Filled = Field(min_length=1, max_length=2000)


class MessageQuery(Command):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=200)


def _division(division: Division | None) -> dict[str, str] | None:
    return {"code": division.code, "name": division.name} if division else None


def view(item: BoardMessage) -> dict[str, Any]:
    """A message as the enterprise's list and the operators' list show it."""
    area = item.area
    return {
        "message_no": item.message_no, "uscc": item.uscc, "company_name": item.company_name,
        "area": {"province": _division(area.province), "city": _division(area.city),
                 "district": _division(area.district), "reads": area.reads},
        "contact_name": item.contact_name, "contact_mobile": item.contact_mobile,
        "contact_email": item.contact_email, "content": item.content,
        "submitted_by": item.submitted_by, "card_type": item.card_type,
        "submitted_at": item.submitted_at, "submitted_at_beijing": beijing(item.submitted_at),
        "read_only": True,
    }


def blank_form(identity: Identity) -> dict[str, Any]:
    """The empty board: the company name prefilled, the * fields named, the cascade's root."""
    return {"company_name": identity.enterprise_name, "required": list(REQUIRED),
            "optional": ["contact_email"], "regions": "/portal/v1/code-lists/regions",
            "region_children": "/portal/v1/code-lists/regions/{code}/children"}


def routes(portal: Portal) -> list[web.RouteDef]:
    uows = portal.uows

    async def form(request: web.Request) -> web.Response:
        return respond(blank_form(identity_of(request)))

    async def submit(request: web.Request) -> web.Response:
        identity = identity_of(request)
        command = await parse_body(request, SubmitMessage)
        written = message_board.MessageRequest(
            command.company_name, Area(*cascade(command.province, command.city, command.district)),
            command.contact_name, str(command.contact_mobile),
            str(command.contact_email) if command.contact_email else None, command.content)
        item = await message_board.submit(uows, identity, written)
        return respond({**view(item), "message": "提交成功"}, status=201)

    async def listing(request: web.Request) -> web.Response:
        identity = identity_of(request)
        query = parse_data(dict(request.query), MessageQuery, prefix="$query")
        items = await message_board.page(uows, identity, query.limit + 1,
                                         decode_cursor(query.cursor))
        more, items = len(items) > query.limit, items[:query.limit]
        next_cursor = (encode_cursor(items[-1].submitted_at, items[-1].message_no)
                       if more and items else None)
        return respond({"items": [view(item) for item in items], "next_cursor": next_cursor})

    async def one(request: web.Request) -> web.Response:
        item = await message_board.message_of(uows, identity_of(request),
                                              request.match_info["message_no"])
        return respond(view(item))

    return [web.get(PREFIX + "/form", form), web.post(PREFIX, submit), web.get(PREFIX, listing),
            web.get(PREFIX + "/{message_no}", one)]


def operator_routes(portal: Portal, settings: Settings) -> list[web.RouteDef]:
    """Operators read every enterprise's messages, newest first, ``before`` a row id."""
    guard = operator_guard(settings.operator_token.get_secret_value())

    async def listing(request: web.Request) -> web.Response:
        guard(request)
        limit, before = _paging(request)
        rows = await message_board.for_operators(portal.uows, limit=limit, before_id=before)
        return respond({"items": [{"id": row_id, **view(item)} for row_id, item in rows],
                        "next_before": rows[-1][0] if len(rows) == limit else None})

    return [web.get(OPS_PREFIX, listing)]
