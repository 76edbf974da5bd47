"""A request with several bad fields gets one answer naming each of them (G-1)."""

from __future__ import annotations

import json
import re

import pytest

from adapter.codelists import catalogue
from adapter.domain import identifiers, money, periods
from adapter.domain.errors import FieldErrors, InvalidValue, registry
from adapter.portal import fields
from adapter.portal.errors import errors_body
from adapter.portal.requests import Command, Text, parse_data

CHINESE = re.compile("[\u4e00-\u9fff]")


class Shipment(Command):
    declaration_no: fields.ExportDeclarationNo
    hs_code: fields.HsCode
    invoice: fields.Money
    payment_method: fields.PaymentMethod


class InquiryWithShipments(Command):
    """Stands for a portal form: an enterprise, its contact, and shipment lines."""

    company: Text
    uscc: fields.Uscc
    mobile: fields.Mobile
    email: fields.Email
    issuing_bank_swift: fields.Swift
    policy_period: fields.Period
    shipments: list[Shipment]


GOOD = {
    "company": "厦门示范贸易有限公司",
    "uscc": "91350100M000100Y43",
    "mobile": "13800138000",
    "email": "chen@example.cn",
    "issuing_bank_swift": "BKCHCNBJ",
    "policy_period": {"start": "2025-01-01", "end": "2025-12-31"},
    "shipments": [{"declaration_no": "010120250000000044", "hs_code": "1002900000",
                   "invoice": {"amount": "12500.00", "currency": "USD"}, "payment_method": "LC"}],
}


def failures(data: dict[str, object]) -> FieldErrors:
    with pytest.raises(FieldErrors) as caught:
        parse_data(data, InquiryWithShipments)
    return caught.value


def test_a_good_request_becomes_a_typed_command() -> None:
    command = parse_data(GOOD, InquiryWithShipments)
    assert isinstance(command.uscc, identifiers.Uscc)
    assert command.shipments[0].invoice == money.Money.parse("12500", "USD")
    assert command.policy_period == periods.Period.parse("2025-01-01", "2025-12-31")


def test_five_bad_fields_are_answered_together_with_codes_paths_and_chinese_messages() -> None:
    bad: dict[str, object] = {
        **GOOD,
        "uscc": "91350100M000100Y44",
        "mobile": "1380013800",
        "email": "chen@",
        "policy_period": {"start": "2025-12-31", "end": "2025-01-01"},
        "shipments": [{**GOOD["shipments"][0],  # type: ignore[index]
                       "invoice": {"amount": "12500.005", "currency": "USD"}}]}
    error = failures(bad)
    found = {e.field: e.code for e in error.errors}
    assert found == {
        "$.uscc": "E-USCC-CHECK",
        "$.mobile": "E-MOBILE-FORMAT",
        "$.email": "E-EMAIL-FORMAT",
        "$.policy_period": "E-PERIOD-ORDER",
        "$.shipments[0].invoice.amount": "E-AMOUNT-PRECISION",
    }
    for item in error.errors:
        assert CHINESE.search(item.message), item.message
        assert item.message == registry()[item.code]


def test_each_member_of_a_nested_value_is_named_on_its_own() -> None:
    bad: dict[str, object] = {
        **GOOD, "shipments": [{"declaration_no": "010120251000000044", "hs_code": "77",
                               "invoice": {"currency": "RMB"}, "payment_method": "T/T",
                               "remark": "x"}]}
    errors = failures(bad).errors
    found = {e.field: e.code for e in errors}
    assert found == {
        "$.shipments[0].declaration_no": "E-CUSTOMS-DECLARATION-NOT-EXPORT",
        "$.shipments[0].hs_code": "E-HS-CODE-FORMAT",
        "$.shipments[0].invoice.amount": "E-FIELD-REQUIRED",
        "$.shipments[0].invoice.currency": "E-CURRENCY-UNKNOWN",
        "$.shipments[0].payment_method": "E-FIELD-CHOICE",
        "$.shipments[0].remark": "E-FIELD-UNKNOWN",
    }
    choice = next(e for e in errors if e.field == "$.shipments[0].payment_method")
    assert choice.message == f"请从下拉列表中选择（{catalogue().get('payment-methods').title}）"


def test_a_value_of_the_wrong_json_type_keeps_the_fields_own_code() -> None:
    found = {e.field: e.code for e in failures({**GOOD, "mobile": 13800138000, "uscc": None}).errors}
    assert found == {"$.mobile": "E-MOBILE-FORMAT", "$.uscc": "E-USCC-FORMAT"}


def test_the_error_json_has_exactly_the_documented_shape() -> None:
    error = failures({**GOOD, "email": "nobody", "issuing_bank_swift": "BKCHQQBJ"})
    body = json.loads(json.dumps(errors_body(error.errors), ensure_ascii=False))
    assert set(body) == {"errors"}
    assert len(body["errors"]) == 2
    for item in body["errors"]:
        assert set(item) == {"code", "field", "message"}
        assert all(isinstance(value, str) and value for value in item.values())
        assert item["field"].startswith("$.")
    assert {item["code"] for item in body["errors"]} == {"E-EMAIL-FORMAT", "E-SWIFT-COUNTRY"}


def test_every_code_a_domain_parser_raises_is_registered_with_its_message() -> None:
    codes = registry()
    for module in (identifiers, money, periods):
        kinds = [kind for kind in vars(module).values()
                 if isinstance(kind, type) and issubclass(kind, InvalidValue)
                 and kind.__module__ == module.__name__]
        assert kinds, module.__name__
        for kind in kinds:
            assert codes[kind.code] == kind.message_zh
            assert CHINESE.search(kind.message_zh)
    assert codes[fields.RegionCodeUnknown.code] == fields.RegionCodeUnknown.message_zh
