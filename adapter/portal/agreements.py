"""Portal routes for 签约管理 (§二 2.1): seals, sign, list, view/download/print, terminate, process."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import Field

from adapter.config import Settings
from adapter.domain.agreement import TERMINATION_CONFIRMATION, AgreementStatus
from adapter.errors import FieldError, FieldErrors, NotFound
from adapter.persistence import agreements
from adapter.persistence.database import Database
from adapter.persistence.timeline import for_object
from adapter.portal.identity import identity_of
from adapter.portal.json import respond
from adapter.portal.process import readable_steps
from adapter.portal.requests import Command, Text, parse_body, parse_data
from adapter.ports.seals import SealRegistry
from adapter.service_layer import agreement

PREFIX = "/portal/v1"
Status = Literal["保险公司签约中", "签约成功", "签约失败", "解约中", "解约成功", "解约失败"]


class SignAgreement(Command):
    """A-1: the seal to sign with, and the 勾选确认 of having read the agreement."""

    seal_id: str = Field(min_length=1, max_length=64)
    agree: Literal[True]


class Terminate(Command):
    """A-4: the request carries the manual's explicit confirmation, 坚持解约."""

    confirmation: str = Field(min_length=1, max_length=10, examples=[TERMINATION_CONFIRMATION],
                              json_schema_extra={"enum": [TERMINATION_CONFIRMATION]})
    reason: Text | None = Field(default=None, max_length=500)


class AgreementQuery(Command):
    status: Status | None = None
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=200)


def _cursor(row: dict[str, Any]) -> str:
    raw = f"{row['signed_at'].isoformat()}|{row['agreement_no']}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def _after(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    try:
        signed_at, agreement_no = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(signed_at), agreement_no
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise FieldErrors([FieldError("E-CURSOR-INVALID", "$query.cursor", "分页参数无效")]) from None


def view(row: dict[str, Any]) -> dict[str, Any]:
    status = row["status"]
    return {
        **{k: v for k, v in row.items() if k != "document_status"},
        "can_view": True,
        "can_terminate": status in (AgreementStatus.SIGNED.value, AgreementStatus.TERMINATION_FAILED.value),
        "can_view_process": status in (AgreementStatus.TERMINATING.value, AgreementStatus.TERMINATED.value,
                                       AgreementStatus.TERMINATION_FAILED.value),
    }


def routes(db: Database, settings: Settings, seals: SealRegistry,
           wake: Callable[[], None]) -> list[web.RouteDef]:
    hub, insurer = settings.hub_party_code, settings.insurer.code

    async def me(request: web.Request) -> web.Response:
        identity = identity_of(request)
        return respond({"enterprise_name": identity.enterprise_name, "uscc": identity.uscc,
                        "org_code": identity.org_code, "user_id": identity.user_id,
                        "user_name": identity.user_name, "card_type": identity.card_type.value})

    async def list_seals(request: web.Request) -> web.Response:
        identity = identity_of(request)
        items = []
        for seal in seals.seals_of(identity.uscc):
            expired = seal.valid_until < date.today()
            items.append({"seal_id": seal.seal_id, "name": seal.name, "seal_type": seal.seal_type,
                          "valid_from": seal.valid_from, "valid_until": seal.valid_until,
                          "usable": seal.seal_type == agreement.COMPANY_SEAL and not expired,
                          "expired": expired})
        return respond({"items": items})

    async def sign(request: web.Request) -> web.Response:
        identity = identity_of(request)
        identity.require_legal_person()
        command = await parse_body(request, SignAgreement)
        signed, _pdf, seal_name = await agreement.prepare_signature(seals, identity, command.seal_id)
        async with db.transaction() as conn:
            await agreement.sign(conn, signed, hub=hub, insurer=insurer, seal_name=seal_name)
        wake()
        async with db.reading() as conn:
            row = await agreements.get(conn, signed.agreement_no, uscc=identity.uscc)
        return respond(view(row or {}), status=201)

    async def list_agreements(request: web.Request) -> web.Response:
        identity = identity_of(request)
        query = parse_data(dict(request.query), AgreementQuery, prefix="$query")
        async with db.reading() as conn:
            rows = await agreements.page(conn, identity.uscc, status=query.status,
                                         limit=query.limit + 1, after=_after(query.cursor))
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        return respond({"items": [view(r) for r in rows],
                        "next_cursor": _cursor(rows[-1]) if more and rows else None})

    async def one(request: web.Request) -> web.Response:
        return respond(view(await _owned(request)))

    async def pdf(request: web.Request) -> web.Response:
        identity = identity_of(request)
        async with db.transaction() as conn:
            agreement_no, document = await agreement.signed_pdf(conn, seals, identity,
                                                                request.match_info["agreement_no"])
        disposition = "inline" if request.query.get("disposition") == "inline" else "attachment"
        return web.Response(body=document, content_type="application/pdf", headers={
            "Content-Disposition": f'{disposition}; filename="{agreement_no}.pdf"',
            "Cache-Control": "private, no-store"})

    async def terminate(request: web.Request) -> web.Response:
        identity = identity_of(request)
        identity.require_legal_person()
        command = await parse_body(request, Terminate)
        agreement_no = request.match_info["agreement_no"]
        async with db.transaction() as conn:
            await agreement.request_termination(conn, identity, agreement_no,
                                                confirmation=command.confirmation,
                                                reason=command.reason, hub=hub, insurer=insurer)
        wake()
        return respond(view(await _owned(request)), status=202)

    async def process(request: web.Request) -> web.Response:
        row = await _owned(request)
        async with db.reading() as conn:
            entries = await for_object(conn, agreement.OBJECT, row["agreement_no"])
        return respond({"agreement_no": row["agreement_no"], "status": row["status"],
                        "steps": readable_steps(entries)})

    async def _owned(request: web.Request) -> dict[str, Any]:
        identity = identity_of(request)
        async with db.reading() as conn:
            row = await agreements.get(conn, request.match_info["agreement_no"], uscc=identity.uscc)
        if row is None:
            raise NotFound("agreement of another enterprise or none", code="E-AGREEMENT-NOT-FOUND",
                           message_zh="协议不存在")
        return row

    item = PREFIX + "/agreements/{agreement_no}"
    return [
        web.get(PREFIX + "/me", me),
        web.get(PREFIX + "/seals", list_seals),
        web.post(PREFIX + "/agreements", sign),
        web.get(PREFIX + "/agreements", list_agreements),
        web.get(item, one),
        web.get(item + "/pdf", pdf),
        web.post(item + "/termination", terminate),
        web.get(item + "/process", process),
    ]
