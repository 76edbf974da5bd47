"""Portal routes for 签约管理 (§二 2.1): seals, sign, list, view/download/print, terminate, process."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from aiohttp import web
from pydantic import Field

from adapter.domain.agreement import (
    TERMINATION_CONFIRMATION,
    Action,
    Agreement,
    AgreementNotFound,
    AgreementStatus,
)
from adapter.portal.context import Portal
from adapter.portal.cursors import decode_cursor, encode_cursor
from adapter.portal.identity import identity_of
from adapter.portal.json import respond
from adapter.portal.process import readable_steps
from adapter.portal.requests import Command, Text, parse_body, parse_data
from adapter.service_layer import agreement, queries

PREFIX = "/portal/v1"


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
    status: AgreementStatus | None = None
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=200)


def _cursor(item: Agreement) -> str:
    return encode_cursor(item.signed_at, item.agreement_no)


def view(item: Agreement) -> dict[str, Any]:
    """The agreement as the list and detail screens show it, with the buttons it offers."""
    return {
        "agreement_no": item.agreement_no, "uscc": item.uscc,
        "enterprise_name": item.enterprise.name, "status": item.status.value,
        "signer_name": item.signer_name, "seal_id": item.seal_id, "seal_name": item.seal_name,
        "signed_at": item.signed_at, "stamped_at": item.stamped_at,
        "refusal_reason": item.refusal_reason,
        "termination_requested_at": item.termination_requested_at,
        "terminated_at": item.terminated_at, "termination_reason": item.termination_reason,
        "updated_at": item.updated_at,
        "can_view": item.allows(Action.VIEW),
        "can_terminate": item.allows(Action.TERMINATE),
        "can_view_process": item.allows(Action.VIEW_PROCESS),
    }


def routes(portal: Portal) -> list[web.RouteDef]:
    uows, seals = portal.uows, portal.seals

    async def me(request: web.Request) -> web.Response:
        identity = identity_of(request)
        return respond({"enterprise_name": identity.enterprise_name, "uscc": identity.uscc,
                        "org_code": identity.org_code, "user_id": identity.user_id,
                        "user_name": identity.user_name, "card_type": identity.card_type.value})

    async def list_seals(request: web.Request) -> web.Response:
        identity = identity_of(request)
        today = date.today()
        return respond({"items": [
            {"seal_id": seal.seal_id, "name": seal.name, "seal_type": seal.seal_type,
             "valid_from": seal.valid_from, "valid_until": seal.valid_until,
             "usable": seal.refusal(today) is None, "expired": seal.expired(today)}
            for seal in seals.seals_of(identity.uscc)]})

    async def sign(request: web.Request) -> web.Response:
        identity = identity_of(request)
        command = await parse_body(request, SignAgreement)
        await agreement.refuse_if_live(uows, identity)
        signature = await agreement.prepare_signature(seals, identity, command.seal_id)
        signed = await agreement.sign_and_commit(uows, signature, portal.parties)
        portal.wake()
        return respond(view(signed), status=201)

    async def list_agreements(request: web.Request) -> web.Response:
        identity = identity_of(request)
        query = parse_data(dict(request.query), AgreementQuery, prefix="$query")
        items = await queries.agreements_page(uows, identity.uscc, status=query.status,
                                              limit=query.limit + 1, after=decode_cursor(query.cursor))
        more = len(items) > query.limit
        items = items[: query.limit]
        return respond({"items": [view(item) for item in items],
                        "next_cursor": _cursor(items[-1]) if more and items else None})

    async def one(request: web.Request) -> web.Response:
        return respond(view(await _owned(request)))

    async def pdf(request: web.Request) -> web.Response:
        identity = identity_of(request)
        agreement_no = request.match_info["agreement_no"]
        document = await agreement.signed_pdf(uows, seals, identity, agreement_no)
        disposition = "inline" if request.query.get("disposition") == "inline" else "attachment"
        return web.Response(body=document, content_type="application/pdf", headers={
            "Content-Disposition": f'{disposition}; filename="{agreement_no}.pdf"',
            "Cache-Control": "private, no-store"})

    async def terminate(request: web.Request) -> web.Response:
        identity = identity_of(request)
        command = await parse_body(request, Terminate)
        terminated = await agreement.request_termination(
            uows, identity, request.match_info["agreement_no"], confirmation=command.confirmation,
            reason=command.reason, parties=portal.parties)
        portal.wake()
        return respond(view(terminated), status=202)

    async def process(request: web.Request) -> web.Response:
        item = await _owned(request)
        entries = await queries.timeline_of(uows, agreement.OBJECT, item.agreement_no)
        return respond({"agreement_no": item.agreement_no, "status": item.status.value,
                        "steps": readable_steps(entries)})

    async def _owned(request: web.Request) -> Agreement:
        identity = identity_of(request)
        found = await queries.agreement_of(uows, request.match_info["agreement_no"], identity.uscc)
        if found is None:
            raise AgreementNotFound("agreement of another enterprise or none")
        return found

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
