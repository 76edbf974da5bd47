"""申报单证检查 (C-7) over the demo customs data: found, not found, another's, mismatched certificate."""

from __future__ import annotations

from datetime import date

from adapter.domain.declaration_check import CheckResult
from adapter.ports.customs import DemoCustomsData
from adapter.service_layer.declaration_check import (
    DeclarationRef,
    check_declarations,
    result_tables,
)

OURS, THEIRS = "91350200MA2Y0Q1X9G", "91350100M000100Y43"
CUSTOMS = DemoCustomsData(today=date(2026, 6, 30))


def _with_certificate() -> tuple[str, str]:
    for record in CUSTOMS.declarations_of(OURS):
        certificate = CUSTOMS.certificate_for(OURS, record.number)
        if certificate:
            return record.number, certificate
    raise AssertionError("the demo set has certificates")


def test_own_declaration_and_certificate_are_found_with_the_manuals_tables() -> None:
    number, certificate = _with_certificate()
    [check] = check_declarations(CUSTOMS, OURS, [DeclarationRef("1", number, certificate)])
    assert check.result is CheckResult.FOUND and check.result.mark == "√"
    assert check.bill_of_lading is not None and check.declaration is not None
    assert check.bill_of_lading.bill_no == check.declaration.bill_of_lading_no
    tables = result_tables([check])
    declarations = tables["declarations"]
    assert isinstance(declarations, dict)
    assert [c["title"] for c in declarations["columns"]] == [
        "序号", "报关单编号", "收发货人", "申报单位", "提运单号", "贸易国(地区)", "申报日期", "验证结果"]
    assert declarations["rows"][0]["result"] == "数据正常"
    assert declarations["rows"][0]["consignor"] == "厦门鹭江外贸有限公司"


def test_unknown_foreign_and_mismatched_numbers_are_not_found() -> None:
    number, certificate = _with_certificate()
    other = CUSTOMS.declarations_of(OURS)[0].number
    theirs = CUSTOMS.declarations_of(THEIRS)[0].number
    checks = check_declarations(CUSTOMS, OURS, [
        DeclarationRef("typo", "370120260999999999"),
        DeclarationRef("another enterprise's", theirs),
        DeclarationRef("certificate of another declaration", other if other != number else theirs,
                       certificate),
    ])
    assert [c.result for c in checks] == [CheckResult.NOT_FOUND] * 3
    assert all(c.result.mark == "×" for c in checks)


def test_demo_declarations_are_export_declarations() -> None:
    assert all(r.number[8] == "0" for r in CUSTOMS.declarations_of(OURS))
