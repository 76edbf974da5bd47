"""Portal routes for 投保咨询 (§三 3.2, I-9): the inquiry form, its submission, the 询保申请 list
with each inquiry's status and the insurer's reply, one inquiry, its process.

Every route is scoped by the token's enterprise: another enterprise's serial number is 404.
An inquiry needs no signed agreement (the manual asks for one before 投保 and 索赔, not
before asking); either card may submit one, and who did is kept on it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import Field

from adapter.codelists import catalogue
from adapter.codelists.regions import regions
from adapter.domain.errors import InvalidValue
from adapter.domain.identity import Identity
from adapter.domain.inquiry import (
    STEP_ZH,
    Division,
    Inquiry,
    InquiryContent,
    InquiryStatus,
    RegisteredAddress,
)
from adapter.domain.insurance import Contact
from adapter.domain.messages import INSURER_ZH
from adapter.portal.context import Portal
from adapter.portal.cursors import decode_cursor, encode_cursor
from adapter.portal.fields import Email, Mobile, RegionCode
from adapter.portal.identity import identity_of
from adapter.portal.json import respond
from adapter.portal.process import readable_steps
from adapter.portal.requests import Command, Text, parse_body, parse_data
from adapter.rendering.times import beijing
from adapter.service_layer import inquiry, queries

PREFIX = "/portal/v1/insurance/inquiries"


class RegionCascade(InvalidValue):
    """A city not under the chosen province, or a district not under the chosen city, or a
    step left out where the cascade has one (必须依次选择“省/市——市——区”)."""

    code = "E-REGION-CASCADE"
    message_zh = "注册地址须依次选择“省/市——市——区”"


class SubmitInquiry(Command):
    """提交: the §3.2 form; 询保内容 defaults to 我要投保 as the screen ticks it."""

    company_name: Text = Field(min_length=1, max_length=200)
    province: RegionCode
    city: RegionCode | None = None
    district: RegionCode | None = None
    address_detail: Text = Field(min_length=1, max_length=200)
    contact_name: Text = Field(min_length=1, max_length=50)
    contact_mobile: Mobile
    contact_email: Email
    inquiry_content: InquiryContent = InquiryContent.INSURE
    other_needs: Text | None = Field(default=None, max_length=500)


class InquiryQuery(Command):
    status: InquiryStatus | None = None
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=200)


def _step(parent: Division | None, code: str | None, field: str) -> Division | None:
    """One step of the cascade: under ``parent``, and present whenever ``parent`` has children."""
    cascade = regions()
    below = cascade.children(parent.code) if parent is not None else ()
    if code is None:
        if below:
            raise RegionCascade(f"{field} missing under {parent}", path=f"$.{field}")
        return None
    region = cascade.get(code)
    if parent is None or region is None or region.parent != parent.code:
        raise RegionCascade(f"{code} is not under {parent}", path=f"$.{field}")
    return Division(region.code, region.name)


def cascade(province_code: str, city_code: str | None, district_code: str | None
            ) -> tuple[Division, Division | None, Division | None]:
    """省/市 —— 市 —— 区 checked against GB/T 2260: each step under the one before. The
    inquiry's 注册地址 and the message board's 所属地区 are the same three drop-downs."""
    province = regions().get(province_code)
    if province is None or province.level != "province":
        raise RegionCascade(f"{province_code} is not a province", path="$.province")
    top = Division(province.code, province.name)
    city = _step(top, city_code, "city")
    district = _step(city, district_code, "district") if city else None
    if city is None and district_code is not None:
        raise RegionCascade("district without city", path="$.district")
    return top, city, district


def registered_address(command: SubmitInquiry) -> RegisteredAddress:
    return RegisteredAddress(*cascade(command.province, command.city, command.district),
                             command.address_detail)


def _division(division: Division | None) -> dict[str, str] | None:
    return {"code": division.code, "name": division.name} if division else None


def _content_name(content: InquiryContent) -> str:
    listed = catalogue().get("inquiry-contents")
    return next(str(e["name"]) for e in listed.entries if e["code"] == content.value)


def view(item: Inquiry) -> dict[str, Any]:
    """An inquiry as the 询保申请列表 shows it, with the form (read-only) and the reply."""
    form, reply = item.form, item.reply
    return {
        "serial_no": form.serial_no, "insurer_name": form.insurer_name,
        "company_name": form.company_name, "uscc": form.uscc,
        "registered_address": {"province": _division(form.address.province),
                               "city": _division(form.address.city),
                               "district": _division(form.address.district),
                               "detail": form.address.detail, "reads": form.address.reads},
        "contact_name": form.contact.name, "contact_mobile": form.contact.mobile,
        "contact_email": form.contact.email, "inquiry_content": form.content.value,
        "inquiry_content_name": _content_name(form.content), "other_needs": form.other_needs,
        "submitted_by": form.submitted_by, "card_type": form.card_type,
        "submitted_at": form.submitted_at, "submitted_at_beijing": beijing(form.submitted_at),
        "submitted_date": beijing(form.submitted_at)[:10],
        "status": item.status.value, "read_only": True,
        "reply": None if reply is None else {
            "text": reply.reply, "handler": reply.handler, "handler_contact": reply.handler_contact,
            "replied_at": reply.replied_at, "replied_at_beijing": beijing(reply.replied_at)},
    }


def blank_form(identity: Identity) -> dict[str, Any]:
    """The empty form: 投保流水号 comes with the submission; the company name is prefilled."""
    listed = catalogue().get("inquiry-contents")
    return {"serial_no": None, "insurer_name": INSURER_ZH,
            "company_name": identity.enterprise_name,
            "inquiry_content": InquiryContent.INSURE.value,
            "inquiry_contents": [{"code": e["code"], "name": e["name"],
                                  "needs_detail": e["needs_detail"]} for e in listed.entries],
            "regions": "/portal/v1/code-lists/regions",
            "required": ["company_name", "province", "city", "district", "address_detail",
                         "contact_name", "contact_mobile", "contact_email", "inquiry_content"]}


_STATE_SENTENCES = {status.value: sentence for status, sentence in STEP_ZH.items()}


def _process(entries: list[Any]) -> list[dict[str, Any]]:
    steps = readable_steps(entries)
    for step in steps:
        if step["event"] == "state_changed" and step["status"] in _STATE_SENTENCES:
            step["step"] = _STATE_SENTENCES[step["status"]]
    return steps


def routes(portal: Portal) -> list[web.RouteDef]:
    uows = portal.uows

    async def form(request: web.Request) -> web.Response:
        return respond(blank_form(identity_of(request)))

    async def submit(request: web.Request) -> web.Response:
        identity = identity_of(request)
        command = await parse_body(request, SubmitInquiry)
        asked = inquiry.InquiryRequest(
            command.company_name, registered_address(command),
            Contact(command.contact_name, str(command.contact_mobile), str(command.contact_email)),
            command.inquiry_content, command.other_needs)
        item = await inquiry.submit(uows, identity, asked, portal.parties)
        portal.wake()
        return respond({**view(item), "message": "提交成功"}, status=201)

    async def listing(request: web.Request) -> web.Response:
        identity = identity_of(request)
        query = parse_data(dict(request.query), InquiryQuery, prefix="$query")
        items = await inquiry.page(uows, identity, query.status, query.limit + 1,
                                   decode_cursor(query.cursor))
        more, items = len(items) > query.limit, items[:query.limit]
        next_cursor = (encode_cursor(items[-1].form.submitted_at, items[-1].serial_no)
                       if more and items else None)
        return respond({"items": [view(item) for item in items], "next_cursor": next_cursor})

    async def one(request: web.Request) -> web.Response:
        item = await inquiry.inquiry_of(uows, identity_of(request), request.match_info["serial_no"])
        return respond(view(item))

    async def process(request: web.Request) -> web.Response:
        item = await inquiry.inquiry_of(uows, identity_of(request), request.match_info["serial_no"])
        entries = await queries.timeline_of(uows, inquiry.OBJECT, item.serial_no)
        return respond({"serial_no": item.serial_no, "status": item.status.value,
                        "steps": _process(entries)})

    return [
        web.get(PREFIX + "/form", form),
        web.post(PREFIX, submit),
        web.get(PREFIX, listing),
        web.get(PREFIX + "/{serial_no}", one),
        web.get(PREFIX + "/{serial_no}/process", process),
    ]
