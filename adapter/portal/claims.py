"""Portal routes for 索赔申请 (§四, C-1 … C-12): policies and their claims, the claim form,
shipment lines (save, new, delete, template import), 申报单证检查, the sealed 出运数据报告,
submit, status and the review.

Every route is scoped by the token's enterprise: another enterprise's policy, claim or
shipment line is 404. Either card may claim (the manual asks for the legal-person card
only to sign or end the agreement).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from aiohttp import web
from pydantic import Field

from adapter.codelists import catalogue
from adapter.domain.buyer import BuyerLookupUnavailable
from adapter.domain.claim import (
    DECLARATION_ZH,
    STEP_ZH,
    Bank,
    Buyer,
    CaseQuestions,
    Claim,
    Explanation,
    ShipmentLine,
    TooFewHanCharacters,
    require_han,
)
from adapter.domain.errors import FieldError, FieldErrors
from adapter.domain.identity import Identity
from adapter.portal.context import Portal
from adapter.portal.cursors import decode_cursor, encode_cursor
from adapter.portal.errors import BodyTooLarge, FieldChoice
from adapter.portal.fields import Amount, CountryCode, ExportDeclarationNo, HsCode, IsoDate, Swift
from adapter.portal.identity import identity_of
from adapter.portal.json import respond
from adapter.portal.process import readable_steps
from adapter.portal.requests import Command, Text, parse_body, parse_data, rule
from adapter.rendering import shipment_template
from adapter.rendering.times import beijing
from adapter.service_layer import buyers, claim, queries
from adapter.service_layer.claim_attachments import attachments_of, fetch_path
from adapter.service_layer.declaration_check import (
    DeclarationRef,
    check_declarations,
    result_tables,
)

PREFIX = "/portal/v1/claims"
# 索赔申请受理结果, beside the claims rather than under them: no claim number is shadowed.
RESULTS = "/portal/v1/claim-results"
# Claim numbers and 出运信息流水号 as the hub makes them: a path that is neither is no claim.
CLAIM_NO = "{claim_no:SP[0-9A-Z]{1,30}}"
LINE_ID = "{line_id:[0-9]{20}}"
# 不能少于20个汉字, as a pattern API clients can read (the rule counts every CJK block).
# (documented only: the check itself answers E-TEXT-TOO-FEW-HAN, saying how it counts).
AT_LEAST_20_HAN = ("^(?=([^\u4e00-\u9fff]*[\u4e00-\u9fff]){20})"
                   "[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$")
TEMPLATE_LIMIT = 1024 * 1024  # a filled template of 200 rows is a few dozen kilobytes
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _choice(list_name: str) -> Any:
    """One code of a drop-down (第二篇: 只支持单选), refused naming its list."""
    def check(raw: object) -> str:
        listed = catalogue().get(list_name)
        if not isinstance(raw, str) or raw not in listed.codes:
            raise FieldChoice(f"{raw!r} is not in {list_name}", list_title=f"（{listed.title}）")
        return raw
    return rule(check)


@dataclass(frozen=True, slots=True)
class _listed:
    """The choices in the schema, so API clients (and schemathesis) offer only them; read
    when the schema is drawn, not at import, so building the hub loads no list."""

    list_name: str

    def __get_pydantic_json_schema__(self, _core: Any, _handler: Any) -> dict[str, Any]:
        listed = catalogue().get(self.list_name)
        return {"type": "string", "enum": sorted(listed.codes), "description": listed.title}


PaymentMethod = Annotated[str, _choice("payment-methods"), _listed("payment-methods")]
TransportMode = Annotated[str, _choice("transport-modes"), _listed("transport-modes")]
CollectionStatus = Annotated[str, _choice("collection-statuses"), _listed("collection-statuses")]
LossCause = Annotated[str, _choice("loss-causes"), _listed("loss-causes")]
HanText = Annotated[Text, Field(max_length=2000, json_schema_extra={"pattern": AT_LEAST_20_HAN,
                                                                   "minLength": 20})]


class BankForm(Command):
    swift: Swift
    name_en: Text = Field(min_length=1, max_length=200)
    country: CountryCode
    address_en: Text = Field(min_length=1, max_length=200)


class CaseForm(Command):
    """案件信息: ticks; the financing bank and amount when 是否已办理贸易融资 is yes."""

    trade_financing: bool
    trade_dispute: bool
    buyer_acknowledged_debt: bool
    legal_action_taken: bool
    financing_bank_swift: Swift | None = None
    financing_bank_name: Text | None = Field(default=None, min_length=1, max_length=200)
    financing_amount: Amount | None = None


class ExplanationForm(Command):
    """索赔原因及案情说明; the two descriptions are counted in Han characters at save."""

    loss_cause: LossCause
    reason: HanText
    case_description: HanText
    mitigation: Text = Field(default="", max_length=2000)


class ClaimForm(Command):
    """界面顶端的保存: any of the sections; one left out keeps its value, a null clears it."""

    buyer_code: str | None = Field(default=None, min_length=1, max_length=64,
                                   pattern="^[A-Za-z0-9][A-Za-z0-9._:\\-]{0,63}$")
    issuing_bank: BankForm | None = None
    confirming_bank: BankForm | None = None
    case: CaseForm | None = None
    explanation: ExplanationForm | None = None


class LineForm(Command):
    """One set of 出运信息, the fields of the manual in its order."""

    invoice_no: Text = Field(min_length=1, max_length=64)
    hs_code: HsCode
    shipment_date: IsoDate
    payment_method: PaymentMethod
    payment_term_days: int = Field(ge=1, le=360)
    invoice_amount: Amount
    claim_amount: Amount
    collection_status: CollectionStatus
    transport_mode: TransportMode
    declaration_no: ExportDeclarationNo
    origin_certificate_no: str | None = Field(default=None, min_length=1, max_length=64,
                                              pattern="^[A-Za-z0-9][A-Za-z0-9\\-]{0,63}$")

    def line(self) -> ShipmentLine:
        return ShipmentLine("", self.invoice_no, str(self.hs_code), self.shipment_date,
                            self.payment_method, self.payment_term_days,
                            Decimal(self.invoice_amount), Decimal(self.claim_amount),
                            self.collection_status, self.transport_mode, str(self.declaration_no),
                            self.origin_certificate_no)


class Deletion(Command):
    line_ids: list[str] = Field(min_length=1, max_length=200)


class Submission(Command):
    declaration_accepted: bool


def _bank(form: BankForm | None) -> Bank | None:
    return None if form is None else Bank(str(form.swift), form.name_en, str(form.country),
                                          form.address_en)


def _case(form: CaseForm | None) -> CaseQuestions | None:
    if form is None:
        return None
    financed = form.trade_financing
    return CaseQuestions(financed, form.trade_dispute, form.buyer_acknowledged_debt,
                         form.legal_action_taken,
                         str(form.financing_bank_swift) if financed and form.financing_bank_swift else None,
                         form.financing_bank_name if financed else None,
                         Decimal(form.financing_amount) if financed and form.financing_amount else None)


def _explanation(form: ExplanationForm | None) -> Explanation | None:
    if form is None:
        return None
    errors: list[FieldError] = []
    for text, label, path in ((form.reason, "索赔原因描述", "$.explanation.reason"),
                              (form.case_description, "案情说明", "$.explanation.case_description")):
        try:
            require_han(text, label, path)
        except TooFewHanCharacters as refused:
            errors.append(FieldError.of(refused))
    if errors:
        raise FieldErrors(errors)
    return Explanation(form.loss_cause, form.reason, form.case_description, form.mitigation)


def _bank_view(bank: Bank | None) -> dict[str, str] | None:
    return None if bank is None else {"swift": bank.swift, "name_en": bank.name_en,
                                      "country": bank.country, "address_en": bank.address_en}


def line_view(line: ShipmentLine) -> dict[str, Any]:
    return {**line.canonical(), "shipment_serial": line.line_id}


def view(item: Claim) -> dict[str, Any]:
    """A claim as the detail screen shows it, with what it offers."""
    case, explanation, review = item.case, item.explanation, item.review
    return {
        "claim_no": item.claim_no, "status": item.status.value, "editable": item.editable,
        "policy": {"offer_no": item.policy.offer_no, "policy_no": item.policy.policy_no,
                   "period_start": item.policy.period_start, "period_end": item.policy.period_end,
                   "insurer_name": item.policy.insurer_name},
        "enterprise_name": item.enterprise_name, "uscc": item.uscc,
        "buyer": None if item.buyer is None else {"code": item.buyer.code,
                                                  "name_en": item.buyer.name_en,
                                                  "country": item.buyer.country},
        "issuing_bank": _bank_view(item.issuing_bank),
        "confirming_bank": _bank_view(item.confirming_bank),
        "case": None if case is None else {
            "trade_financing": case.trade_financing, "trade_dispute": case.trade_dispute,
            "buyer_acknowledged_debt": case.buyer_acknowledged_debt,
            "legal_action_taken": case.legal_action_taken,
            "financing_bank_swift": case.financing_bank_swift,
            "financing_bank_name": case.financing_bank_name,
            "financing_amount": case.financing_amount},
        "explanation": None if explanation is None else {
            "loss_cause": explanation.loss_cause, "reason": explanation.reason,
            "case_description": explanation.case_description,
            "mitigation": explanation.mitigation},
        "shipments": [line_view(line) for line in item.lines],
        "shipment_report": {"state": item.report_state,
                            "generated_at": item.report.generated_at if item.report else None,
                            "generated_at_beijing": beijing(item.report.generated_at)
                            if item.report else "",
                            "sha256": item.report.sha256 if item.report else None},
        "declaration": DECLARATION_ZH,
        "submissions": item.submissions, "business_serial": item.business_serial,
        "submitted_at": item.submitted_at, "submitted_at_beijing": beijing(item.submitted_at),
        "review": None if review is None else {
            "result": review.result.zh, "decided_at": review.decided_at,
            "decided_at_beijing": beijing(review.decided_at),
            "business_serial": review.business_serial, "return_reason": review.return_reason,
            "account_manager": review.manager_name,
            "account_manager_contact": review.manager_contact},
        "return_reason": review.return_reason if review and item.status.value == "退回" else None,
        "created_at": item.created_at, "updated_at": item.updated_at,
    }


def summary(item: Claim) -> dict[str, Any]:
    """A row of 信用保险保单索赔申请."""
    return {"claim_no": item.claim_no, "status": item.status.value,
            "buyer_name_en": item.buyer.name_en if item.buyer else None,
            "claim_amount": sum((line.claim_amount for line in item.lines), Decimal("0.00")),
            "created_at": item.created_at, "created_at_beijing": beijing(item.created_at),
            "submitted_at_beijing": beijing(item.submitted_at)}


class ResultsQuery(Command):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=200)


def result_view(item: Claim) -> dict[str, Any]:
    """A row of 索赔申请受理结果: the claim, its policy and the insurer's answer."""
    review = item.review
    return {**summary(item), "policy_no": item.policy.policy_no, "offer_no": item.policy.offer_no,
            "result": review.result.zh if review else None,
            "decided_at": review.decided_at if review else None,
            "decided_at_beijing": beijing(review.decided_at) if review else "",
            "return_reason": review.return_reason if review else None,
            "href": f"{PREFIX}/{item.claim_no}"}


async def _read_template(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > TEMPLATE_LIMIT:
        raise BodyTooLarge(f"{request.content_length} bytes", path="$")
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > TEMPLATE_LIMIT:
            raise BodyTooLarge(f"more than {TEMPLATE_LIMIT} bytes", path="$")
        chunks.append(chunk)
    return b"".join(chunks)


def _template_lines(rows: list[dict[str, Any]]) -> list[ShipmentLine]:
    """Every row through the form's own rules; every bad cell named by row and column."""
    lines: list[ShipmentLine] = []
    errors: list[FieldError] = []
    for index, row in enumerate(rows):
        try:
            lines.append(parse_data(row, LineForm, prefix=f"$.rows[{index}]").line())
        except FieldErrors as refused:
            errors += [_at_cell(error, index) for error in refused.errors]
    if errors:
        raise FieldErrors(errors)
    return lines


def _at_cell(error: FieldError, index: int) -> FieldError:
    key = error.field.rsplit(".", 1)[-1]
    known = {name for name, _, _ in shipment_template.COLUMNS}
    where = shipment_template.cell(index, key) if key in known else f"第{index + 2}行"
    return FieldError(error.code, error.field, f"{where}：{error.message}")


def delivery_from(base_url: str, org_code: str | None) -> claim.Delivery:
    """The URLs the insurer fetches the report and each attachment from (by SHA-256)."""
    return claim.Delivery(
        report_url=lambda item: base_url + fetch_path(item.report.sha256 if item.report else ""),
        attachment_url=lambda _item, ref: base_url + fetch_path(ref.sha256), org_code=org_code)


def routes(portal: Portal, *, public_base_url: str = "") -> list[web.RouteDef]:
    """``public_base_url`` empty: the URLs the insurer fetches from name the host it asked."""
    uows = portal.uows

    async def policies(request: web.Request) -> web.Response:
        """C-2 信用保险保单: effective policies, each with its claims."""
        found = await claim.policies(uows, identity_of(request))
        return respond({"items": [{
            "offer_no": entry.policy.offer_no, "policy_no": entry.policy.policy_no,
            "product_name": entry.policy.offer.product_name,
            "insurer_name": entry.policy.offer.insurer.name,
            "period_start": entry.policy.policy_start, "period_end": entry.policy.policy_end,
            "status": entry.policy.status.value,
            "claims": [summary(item) for item in entry.claims]} for entry in found]})

    async def policy_claims(request: web.Request) -> web.Response:
        found = await claim.policy_claims(uows, identity_of(request), request.match_info["offer_no"])
        return respond({"items": [summary(item) for item in found]})

    async def results(request: web.Request) -> web.Response:
        """索赔申请受理结果 (H-3's list): claims the insurer answered, newest first, paged."""
        query = parse_data(dict(request.query), ResultsQuery, prefix="$query")
        found = await claim.results(uows, identity_of(request), limit=query.limit + 1,
                                    after=decode_cursor(query.cursor))
        more, items = len(found) > query.limit, found[:query.limit]
        next_cursor = encode_cursor(items[-1].updated_at, items[-1].claim_no) if more else None
        return respond({"items": [result_view(item) for item in items], "next_cursor": next_cursor})

    async def create(request: web.Request) -> web.Response:
        item = await claim.create(uows, identity_of(request), request.match_info["offer_no"])
        return respond(view(item), status=201)

    async def one(request: web.Request) -> web.Response:
        item = await claim.claim_of(uows, identity_of(request), request.match_info["claim_no"])
        return respond(view(item))

    async def save_form(request: web.Request) -> web.Response:
        identity = identity_of(request)
        claim_no = request.match_info["claim_no"]
        await claim.claim_of(uows, identity, claim_no)  # another enterprise's: 404 before lookups
        form = await parse_body(request, ClaimForm)
        sent = form.model_fields_set
        buyer = await _buyer(identity, form.buyer_code) if "buyer_code" in sent else None
        change = claim.FormChange(
            frozenset({"buyer" if name == "buyer_code" else name for name in sent}),
            buyer=buyer, issuing_bank=_bank(form.issuing_bank),
            confirming_bank=_bank(form.confirming_bank), case=_case(form.case),
            explanation=_explanation(form.explanation))
        item = await claim.update_form(uows, identity, claim_no, change)
        return respond({**view(item), "message": "保存成功"})

    async def _buyer(identity: Identity, code: str | None) -> Buyer | None:
        if code is None:
            return None
        if portal.buyers is None:
            raise BuyerLookupUnavailable("no buyer directory configured")
        found = await buyers.resolve(uows, portal.buyers, identity, code)
        return Buyer(found.code or found.reference, found.english_name, found.country)

    async def add_line(request: web.Request) -> web.Response:
        identity = identity_of(request)
        claim_no = request.match_info["claim_no"]
        await claim.claim_of(uows, identity, claim_no)
        form = await parse_body(request, LineForm)
        line = await claim.save_line(uows, identity, claim_no, form.line())
        return respond(line_view(line), status=201)

    async def save_line(request: web.Request) -> web.Response:
        identity = identity_of(request)
        claim_no, line_id = request.match_info["claim_no"], request.match_info["line_id"]
        (await claim.claim_of(uows, identity, claim_no)).line(line_id)
        form = await parse_body(request, LineForm)
        line = await claim.save_line(uows, identity, claim_no, form.line(), line_id=line_id)
        return respond(line_view(line))

    async def delete_line(request: web.Request) -> web.Response:
        claim_no, line_id = request.match_info["claim_no"], request.match_info["line_id"]
        item = await claim.delete_lines(uows, identity_of(request), claim_no, [line_id])
        return respond(view(item))

    async def delete_lines(request: web.Request) -> web.Response:
        identity = identity_of(request)
        claim_no = request.match_info["claim_no"]
        await claim.claim_of(uows, identity, claim_no)
        command = await parse_body(request, Deletion)
        item = await claim.delete_lines(uows, identity, claim_no, command.line_ids)
        return respond(view(item))

    async def template(request: web.Request) -> web.Response:
        identity_of(request)
        return web.Response(body=shipment_template.template(), content_type=XLSX, headers={
            "Content-Disposition": 'attachment; filename="shipment-template.xlsx"',
            "Cache-Control": "private, no-store"})

    async def import_lines(request: web.Request) -> web.Response:
        identity = identity_of(request)
        claim_no = request.match_info["claim_no"]
        await claim.claim_of(uows, identity, claim_no)
        lines = _template_lines(shipment_template.read_rows(await _read_template(request)))
        added = await claim.import_lines(uows, identity, claim_no, lines)
        return respond({"items": [line_view(line) for line in added], "imported": len(added)},
                       status=201)

    async def declaration_check(request: web.Request) -> web.Response:
        """申报单证检查: each line's documents, 数据正常 or 未查询到符合条件的数据."""
        identity = identity_of(request)
        item = await claim.claim_of(uows, identity, request.match_info["claim_no"])
        checks = check_declarations(portal.customs, identity.uscc, [
            DeclarationRef(line.line_id, line.declaration_no, line.origin_certificate_no)
            for line in item.lines])
        return respond({"lines": [{"shipment_serial": check.line_id,
                                   "declaration_no": check.declaration_no,
                                   "result": check.result.value, "mark": check.result.mark}
                                  for check in checks], **result_tables(checks)})

    async def report(request: web.Request) -> web.Response:
        identity = identity_of(request)
        item = await claim.generate_report(uows, identity, request.match_info["claim_no"],
                                           claim.report_maker(portal.customs, portal.seals, identity))
        return respond(view(item)["shipment_report"], status=201)

    async def report_pdf(request: web.Request) -> web.Response:
        claim_no = request.match_info["claim_no"]
        pdf = await claim.report_pdf(uows, identity_of(request), claim_no)
        disposition = "inline" if request.query.get("disposition") == "inline" else "attachment"
        return web.Response(body=pdf, content_type="application/pdf", headers={
            "Content-Disposition": f'{disposition}; filename="{claim_no}-shipment-report.pdf"',
            "Cache-Control": "private, no-store"})

    async def submit(request: web.Request) -> web.Response:
        identity = identity_of(request)
        claim_no = request.match_info["claim_no"]
        await claim.claim_of(uows, identity, claim_no)
        command = await parse_body(request, Submission)
        item = await claim.submit(uows, identity, claim_no,
                                  declaration_accepted=command.declaration_accepted,
                                  parties=portal.parties, attachments_of=attachments_of,
                                  delivery=delivery_from(public_base_url or str(request.url.origin()),
                                                         identity.org_code or None))
        portal.wake()
        return respond({**view(item), "message": "提交成功"}, status=202)

    async def process(request: web.Request) -> web.Response:
        item = await claim.claim_of(uows, identity_of(request), request.match_info["claim_no"])
        steps = readable_steps(await queries.timeline_of(uows, claim.OBJECT, item.claim_no))
        sentences = {status.value: sentence for status, sentence in STEP_ZH.items()}
        for step in steps:
            if step["event"] == "state_changed" and step["status"] in sentences:
                step["step"] = sentences[step["status"]]
        return respond({"claim_no": item.claim_no, "status": item.status.value, "steps": steps})

    one_claim = f"{PREFIX}/{CLAIM_NO}"
    return [
        web.get(PREFIX + "/policies", policies),
        web.get(RESULTS, results),
        web.get(PREFIX + "/policies/{offer_no}/claims", policy_claims),
        web.post(PREFIX + "/policies/{offer_no}/claims", create),
        web.get(PREFIX + "/shipment-template.xlsx", template),
        web.get(one_claim, one),
        web.patch(one_claim, save_form),
        web.post(one_claim + "/shipments", add_line),
        web.post(one_claim + "/shipments/import", import_lines),
        web.post(one_claim + "/shipments/deletion", delete_lines),
        web.put(f"{one_claim}/shipments/{LINE_ID}", save_line),
        web.delete(f"{one_claim}/shipments/{LINE_ID}", delete_line),
        web.post(one_claim + "/declaration-check", declaration_check),
        web.post(one_claim + "/shipment-report", report),
        web.get(one_claim + "/shipment-report.pdf", report_pdf),
        web.post(one_claim + "/submission", submit),
        web.get(one_claim + "/process", process),
    ]
