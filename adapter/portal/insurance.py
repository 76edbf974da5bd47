"""Portal routes for 小微投保 (§三 3.1, I-1 … I-8): pending policies, the application form and
its SMS code, the acceptance result, 收悉, details, PDFs and the two lists.

Every route is scoped by the token's enterprise: another enterprise's offer number is 404.
Either card may apply: the manual asks for the legal-person card only to sign or end the
agreement and to make seals, and says nothing of one for 投保; who applied, and with
which card, is kept on the application and its timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import Field

from adapter.domain.identity import Identity
from adapter.domain.insurance import (
    STEP_ZH,
    STEPS,
    ApplicationStatus,
    Contact,
    InsuranceApplication,
    ReceiptStatus,
)
from adapter.portal.context import Portal
from adapter.portal.cursors import decode_cursor, encode_cursor
from adapter.portal.fields import Email, Mobile
from adapter.portal.identity import identity_of
from adapter.portal.json import respond
from adapter.portal.process import readable_steps
from adapter.portal.requests import Command, Text, parse_body, parse_data
from adapter.ports.sms import SmsGateway
from adapter.rendering.times import beijing
from adapter.service_layer import insurance, insurance_documents, queries

PREFIX = "/portal/v1/insurance"


class CodeRequest(Command):
    """获取验证码: the mobile number the code goes to (the 主要联系人手机 of the form)."""

    contact_mobile: Mobile


class Submit(Command):
    """确认投保 + 提交验证码信息: the contact, the ticked declaration, the code received."""

    contact_name: Text = Field(min_length=1, max_length=50)
    contact_mobile: Mobile
    contact_email: Email
    declaration_accepted: bool
    sms_code: str = Field(min_length=6, max_length=6, pattern="^[0-9]{6}$")


class ApplicationQuery(Command):
    status: ApplicationStatus | None = None
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=200)


class PolicyQuery(Command):
    receipt_status: ReceiptStatus | None = None
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=200)


@dataclass(frozen=True, slots=True)
class Insurance:
    """What these routes need beyond the portal: the SMS gateway and its code rules."""

    portal: Portal
    sms: SmsGateway
    policy: insurance.SmsPolicy


def bar(item: InsuranceApplication) -> list[dict[str, Any]]:
    """The five-step bar: each step, done, current, or still to come."""
    return [{"step": number, "name": name,
             "state": "done" if number < item.step else "current" if number == item.step else "todo"}
            for number, name in enumerate(STEPS, start=1)]


def view(item: InsuranceApplication) -> dict[str, Any]:
    """An application as the lists and the detail screen show it, with what it offers."""
    offer, submission = item.offer, item.submission
    return {
        "offer_no": offer.offer_no, "application_no": item.application_no,
        "insurer_name": offer.insurer.name, "insurer_code": offer.insurer.code,
        "enterprise_name": offer.enterprise.name, "uscc": offer.uscc,
        "org_code": offer.enterprise.org_code, "product_name": offer.product_name,
        "coverage_start": offer.coverage_start, "coverage_end": offer.coverage_end,
        "max_liability": offer.max_liability, "currency": offer.currency,
        "offered_at": offer.offered_at, "offered_at_beijing": beijing(offer.offered_at),
        "status": item.status.value, "step": item.step, "step_name": STEPS[item.step - 1],
        "contact_name": submission.contact.name if submission else None,
        "contact_mobile": submission.contact.mobile if submission else None,
        "contact_email": submission.contact.email if submission else None,
        "submitted_at": submission.submitted_at if submission else None,
        "submitted_at_beijing": beijing(submission.submitted_at) if submission else "",
        "submitted_by": submission.submitted_by if submission else None,
        "card_type": submission.card_type if submission else None,
        "decided_at": item.decided_at, "return_reason": item.return_reason,
        "policy_no": item.policy_no, "policy_start": item.policy_start,
        "policy_end": item.policy_end, "policy_issued_at": item.policy_issued_at,
        "policy_issued_at_beijing": beijing(item.policy_issued_at),
        "policy_status": ApplicationStatus.EFFECTIVE.value if item.policy_no else None,
        "receipt_status": item.receipt_status.value if item.receipt_status else None,
        "acknowledged_at": item.acknowledged_at,
        "acknowledged_at_beijing": beijing(item.acknowledged_at),
        "can_apply": item.can_apply, "can_acknowledge": item.can_acknowledge,
        "updated_at": item.updated_at,
    }


def form(item: InsuranceApplication, portal_identity: Identity) -> dict[str, Any]:
    """I-2: the read-only fields filled from the offer and the token, the fields to enter."""
    offer = item.offer
    return {
        "offer_no": offer.offer_no,
        "read_only": {"insurer_name": offer.insurer.name, "insurer_code": offer.insurer.code,
                      "enterprise_name": portal_identity.enterprise_name,
                      "uscc": portal_identity.uscc, "org_code": portal_identity.org_code,
                      "status": item.status.value},
        "fields": ["contact_name", "contact_mobile", "contact_email", "declaration_accepted"],
        "declaration": "已认真阅读以上内容并同意",
        "can_apply": item.can_apply, "steps": bar(item),
    }


_STATE_SENTENCES = {status.value: sentence for status, sentence in STEP_ZH.items()}


def _process(entries: list[Any]) -> list[dict[str, Any]]:
    """The timeline as a person reads it, with the insurance states' own sentences."""
    steps = readable_steps(entries)
    for step in steps:
        if step["event"] == "state_changed" and step["status"] in _STATE_SENTENCES:
            step["step"] = _STATE_SENTENCES[step["status"]]
    return steps


def _pdf(document: bytes, request: web.Request, name: str) -> web.Response:
    disposition = "inline" if request.query.get("disposition") == "inline" else "attachment"
    return web.Response(body=document, content_type="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{name}.pdf"',
        "Cache-Control": "private, no-store"})


def routes(insured: Insurance) -> list[web.RouteDef]:
    portal = insured.portal
    uows = portal.uows

    async def summary(request: web.Request) -> web.Response:
        """I-1 / 首页企业投保: 待确认投保单, 保单生效通知 (待收悉), 投保申请退回通知."""
        identity = identity_of(request)
        async with uows.reading() as uow:
            counted = await uow.applications.counts(identity.uscc)
        return respond({"items": [
            {"name": "待确认投保单", "count": counted.get(ApplicationStatus.PENDING.value, 0),
             "status": ApplicationStatus.PENDING.value},
            {"name": "保单生效通知", "count": counted.get(ReceiptStatus.AWAITING.value, 0),
             "receipt_status": ReceiptStatus.AWAITING.value},
            {"name": "投保申请退回通知", "count": counted.get(ApplicationStatus.RETURNED.value, 0),
             "status": ApplicationStatus.RETURNED.value}]})

    async def applications(request: web.Request) -> web.Response:
        identity = identity_of(request)
        query = parse_data(dict(request.query), ApplicationQuery, prefix="$query")
        statuses = [query.status.value] if query.status else None
        return await _page(identity.uscc, statuses, False, query.limit, query.cursor)

    async def pending(request: web.Request) -> web.Response:
        identity = identity_of(request)
        return await _page(identity.uscc, [ApplicationStatus.PENDING.value], False, 100, None)

    async def policies(request: web.Request) -> web.Response:
        identity = identity_of(request)
        query = parse_data(dict(request.query), PolicyQuery, prefix="$query")
        statuses = [query.receipt_status.value] if query.receipt_status else None
        return await _page(identity.uscc, statuses, True, query.limit, query.cursor)

    async def _page(uscc: str, statuses: list[str] | None, policies_only: bool, limit: int,
                    cursor: str | None) -> web.Response:
        async with uows.reading() as uow:
            items = await uow.applications.page(uscc, statuses=statuses, policies=policies_only,
                                                limit=limit + 1, after=decode_cursor(cursor))
        more = len(items) > limit
        items = items[:limit]
        last = items[-1] if items else None
        next_cursor = None
        if more and last is not None:
            at = last.policy_issued_at if policies_only else last.offer.offered_at
            next_cursor = encode_cursor(at, last.offer_no)
        return respond({"items": [view(item) for item in items], "next_cursor": next_cursor})

    async def one(request: web.Request) -> web.Response:
        item = await insurance.application_of(uows, identity_of(request), request.match_info["offer_no"])
        return respond({**view(item), "steps": bar(item)})

    async def application_form(request: web.Request) -> web.Response:
        identity = identity_of(request)
        item = await insurance.application_of(uows, identity, request.match_info["offer_no"])
        return respond(form(item, identity))

    async def sms_code(request: web.Request) -> web.Response:
        identity = identity_of(request)
        command = await parse_body(request, CodeRequest)
        sent = await insurance.send_code(uows, insured.sms, identity, request.match_info["offer_no"],
                                         str(command.contact_mobile), insured.policy)
        return respond({"sent_to": f"{command.contact_mobile[:3]}****{command.contact_mobile[-4:]}",
                        "expires_at": sent.expires_at, "resend_after": sent.resend_after},
                       status=202)

    async def submit(request: web.Request) -> web.Response:
        identity = identity_of(request)
        command = await parse_body(request, Submit)
        applied = insurance.ApplicationRequest(
            Contact(command.contact_name, str(command.contact_mobile), str(command.contact_email)),
            command.declaration_accepted, command.sms_code)
        item = await insurance.submit(uows, identity, request.match_info["offer_no"], applied,
                                      insured.policy, portal.parties)
        portal.wake()
        return respond({**view(item), "steps": bar(item), "message": "投保成功"}, status=201)

    async def acknowledge(request: web.Request) -> web.Response:
        item = await insurance.acknowledge(uows, identity_of(request), request.match_info["offer_no"],
                                           portal.parties)
        portal.wake()
        return respond({**view(item), "steps": bar(item)}, status=202)

    async def application_pdf(request: web.Request) -> web.Response:
        offer_no = request.match_info["offer_no"]
        pdf = await insurance_documents.application_pdf(uows, portal.seals, identity_of(request),
                                                        offer_no)
        return _pdf(pdf, request, f"{offer_no}-application")

    async def policy_pdf(request: web.Request) -> web.Response:
        offer_no = request.match_info["offer_no"]
        pdf = await insurance_documents.policy_pdf(uows, identity_of(request), offer_no)
        return _pdf(pdf, request, f"{offer_no}-policy")

    async def e_policy_pdf(request: web.Request) -> web.Response:
        offer_no = request.match_info["offer_no"]
        pdf = await insurance_documents.e_policy_pdf(uows, identity_of(request), offer_no)
        return _pdf(pdf, request, f"{offer_no}-e-policy")

    async def process(request: web.Request) -> web.Response:
        item = await insurance.application_of(uows, identity_of(request), request.match_info["offer_no"])
        entries = await queries.timeline_of(uows, insurance.OBJECT, item.offer_no)
        return respond({"offer_no": item.offer_no, "status": item.status.value,
                        "receipt_status": item.receipt_status.value if item.receipt_status else None,
                        "steps": _process(entries)})

    item = PREFIX + "/applications/{offer_no}"
    return [
        web.get(PREFIX + "/summary", summary),
        web.get(PREFIX + "/pending-policies", pending),
        web.get(PREFIX + "/applications", applications),
        web.get(PREFIX + "/policies", policies),
        web.get(item, one),
        web.get(item + "/form", application_form),
        web.post(item + "/sms-code", sms_code),
        web.post(item + "/submission", submit),
        web.post(item + "/receipt-acknowledgement", acknowledge),
        web.get(item + "/application.pdf", application_pdf),
        web.get(item + "/policy.pdf", policy_pdf),
        web.get(item + "/e-policy.pdf", e_policy_pdf),
        web.get(item + "/process", process),
    ]
