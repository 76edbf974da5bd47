"""申报单证检查 (C-7): ask the customs port about each shipment line, let the domain judge.

Usage (the claim route ``POST /portal/v1/claims/{claim_no}/declaration-check``)::

    from adapter.service_layer.declaration_check import DeclarationRef, check_declarations, result_tables

    refs = [DeclarationRef(line.line_id, line.declaration_no, line.certificate_no) for line in lines]
    checks = check_declarations(portal.customs, identity.uscc, refs)   # list[LineCheck]
    body = result_tables(checks)      # the manual's 报关单 / 提运单 / 原产地证 tables, JSON-ready
    checks[0].result.value            # "数据正常" or "未查询到符合条件的数据"; .mark is √ / ×

Nothing is stored and nothing is sent: the check reads the Single Window's data, so it may
run as often as the user presses the button. The shipment report (C-8) reads the same
documents from ``LineCheck.declaration`` / ``bill_of_lading`` / ``certificate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from adapter.codelists.world import countries
from adapter.domain.declaration_check import CheckResult, LineCheck, check_line
from adapter.ports.customs import CustomsData

# The manual's column headings, in its order, with the JSON key each row carries.
DECLARATION_COLUMNS = (("index", "序号"), ("declaration_no", "报关单编号"), ("consignor", "收发货人"),
                       ("declarant", "申报单位"), ("bill_of_lading_no", "提运单号"),
                       ("trade_country", "贸易国(地区)"), ("declared_on", "申报日期"),
                       ("result", "验证结果"))
BILL_OF_LADING_COLUMNS = (("index", "序号"), ("declaration_no", "报关单编号"),
                          ("bill_of_lading_no", "提运单号"), ("house_bill_no", "分运单号"),
                          ("vessel", "运输工具名称"), ("voyage_no", "航次号"), ("shipper", "发货人"),
                          ("consignee", "收货人"), ("declared_on", "申报日期"), ("result", "验证结果"))
# The manual prints no certificate table; these are the certificate's own headings.
CERTIFICATE_COLUMNS = (("index", "序号"), ("certificate_no", "原产地证书号"),
                       ("declaration_no", "报关单编号"), ("exporter", "出口商"), ("consignee", "收货人"),
                       ("destination_country", "目的国(地区)"), ("issuer", "签证机构"),
                       ("issued_on", "签发日期"), ("result", "验证结果"))


@dataclass(frozen=True, slots=True)
class DeclarationRef:
    """What one shipment line gives the check: its id, 报关单号 and, if any, 原产地证书号.

    The bill of lading is not asked for: the declaration names it.
    """

    line_id: str
    declaration_no: str
    certificate_no: str | None = None


def check_declarations(customs: CustomsData, uscc: str, lines: Sequence[DeclarationRef]) -> list[LineCheck]:
    """One ``LineCheck`` per line, in the lines' order."""
    return [_check(customs, uscc, ref) for ref in lines]


def _check(customs: CustomsData, uscc: str, ref: DeclarationRef) -> LineCheck:
    declaration = customs.declaration(uscc, ref.declaration_no)
    bill = customs.bill_of_lading(uscc, declaration.bill_of_lading_no) if declaration else None
    certificate = customs.certificate_of_origin(uscc, ref.certificate_no) if ref.certificate_no else None
    return check_line(ref.line_id, uscc, ref.declaration_no, ref.certificate_no,
                      declaration=declaration, bill_of_lading=bill, certificate=certificate)


def result_tables(checks: Sequence[LineCheck]) -> dict[str, object]:
    """The check screen: each line's result and mark, and the manual's tables of documents.

    A document not found still gets its row (its number and 未查询到符合条件的数据), so the
    user sees which number to correct.
    """
    return {
        "lines": [{"line_id": c.line_id, "declaration_no": c.declaration_no, "result": c.result.value,
                   "mark": c.result.mark} for c in checks],
        "declarations": _table(DECLARATION_COLUMNS, [_declaration_row(c) for c in checks]),
        "bills_of_lading": _table(BILL_OF_LADING_COLUMNS,
                                  [_bill_row(c) for c in checks if c.declaration is not None]),
        "certificates_of_origin": _table(CERTIFICATE_COLUMNS,
                                         [_certificate_row(c) for c in checks if c.certificate_no]),
    }


def _table(columns: tuple[tuple[str, str], ...], rows: list[dict[str, object]]) -> dict[str, object]:
    numbered = [{"index": n, **row} for n, row in enumerate(rows, 1)]
    return {"columns": [{"key": key, "title": title} for key, title in columns],
            "rows": numbered, "total": len(numbered)}


def _declaration_row(check: LineCheck) -> dict[str, object]:
    d = check.declaration
    found = {} if d is None else {
        "consignor": d.consignor_name, "consignor_uscc": d.consignor_uscc, "declarant": d.declarant_name,
        "bill_of_lading_no": d.bill_of_lading_no, "trade_country": country_name(d.trade_country),
        "trade_country_code": d.trade_country, "declared_on": d.declared_on.isoformat()}
    return {"line_id": check.line_id, "declaration_no": check.declaration_no, **found,
            "result": check.declaration_result.value}


def _bill_row(check: LineCheck) -> dict[str, object]:
    b, d = check.bill_of_lading, check.declaration
    assert d is not None
    found = {} if b is None else {
        "house_bill_no": b.house_bill_no, "vessel": b.vessel, "voyage_no": b.voyage_no,
        "shipper": b.shipper, "consignee": b.consignee, "declared_on": b.declared_on.isoformat()}
    return {"line_id": check.line_id, "declaration_no": check.declaration_no,
            "bill_of_lading_no": d.bill_of_lading_no, **found, "result": check.bill_of_lading_result.value}


def _certificate_row(check: LineCheck) -> dict[str, object]:
    c = check.certificate
    found = {} if c is None else {
        "exporter": c.exporter, "consignee": c.consignee,
        "destination_country": country_name(c.destination_country), "issuer": c.issuer,
        "issued_on": c.issued_on.isoformat()}
    result = check.certificate_result or CheckResult.NOT_FOUND
    return {"line_id": check.line_id, "certificate_no": check.certificate_no,
            "declaration_no": check.declaration_no, **found, "result": result.value}


def country_name(alpha_3: str) -> str:
    """贸易国(地区) as the manual shows it: the Chinese name (阿富汗), the code if unknown."""
    return _country_names().get(alpha_3, alpha_3)


@cache
def _country_names() -> dict[str, str]:
    return {str(e["code"]): str(e["name"] or e["name_en"]) for e in countries().entries}
