"""Field types for portal commands: each one runs a domain parser and keeps its error code.

A command declares ``mobile: Mobile`` and gets a checked ``identifiers.Mobile``; a bad value
becomes one entry of the 422 with the parser's code and Chinese sentence. Every field sees
the raw JSON value, so a number sent for a mobile is refused as ``E-MOBILE-FORMAT`` rather
than a bare type error. Each parser's error classes live beside it; importing this module
imports them all, so the registry of codes is complete once any command uses these types.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetPydanticSchema, WithJsonSchema
from pydantic_core import core_schema

from adapter.codelists import catalogue
from adapter.codelists.regions import regions
from adapter.domain import identifiers, money, periods
from adapter.domain.errors import InvalidValue
from adapter.portal.errors import FieldChoice
from adapter.portal.requests import rule

_RAW = GetPydanticSchema(lambda _source, _handler: core_schema.any_schema())


def _text(description: str, **schema: Any) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "description": description, **schema})


Uscc = Annotated[identifiers.Uscc, _RAW, rule(identifiers.Uscc.parse),
                 _text("统一社会信用代码", minLength=18, maxLength=18)]
OrgCode = Annotated[identifiers.OrganizationCode, _RAW, rule(identifiers.OrganizationCode.parse),
                    _text("组织机构代码，可带连字符", minLength=9, maxLength=10)]
CustomsDeclarationNo = Annotated[
    identifiers.CustomsDeclarationNo, _RAW, rule(identifiers.CustomsDeclarationNo.parse),
    _text("报关单号", pattern="^[0-9]{18}$")]
ExportDeclarationNo = Annotated[
    identifiers.CustomsDeclarationNo, _RAW, rule(identifiers.export_declaration),
    _text("出口报关单号（第9位为0）", pattern="^[0-9]{8}0[0-9]{9}$")]
HsCode = Annotated[identifiers.HsCode, _RAW, rule(identifiers.HsCode.parse),
                   _text("海关商品编号", pattern="^[0-9]{10}([0-9]{3})?$")]
Swift = Annotated[identifiers.Swift, _RAW, rule(identifiers.Swift.parse),
                  _text("SWIFT/BIC", minLength=8, maxLength=11)]
Mobile = Annotated[identifiers.Mobile, _RAW, rule(identifiers.Mobile.parse), _text("中国大陆手机号码")]
Email = Annotated[identifiers.Email, _RAW, rule(identifiers.Email.parse),
                  _text("电子邮箱", format="email")]
CountryCode = Annotated[identifiers.CountryCode, _RAW, rule(identifiers.CountryCode.parse),
                        _text("ISO 3166-1 alpha-3，见代码表 countries", minLength=3, maxLength=3)]
Currency = Annotated[money.Currency, _RAW, rule(money.Currency.parse),
                     _text("ISO 4217，见代码表 currencies", minLength=3, maxLength=3)]
Amount = Annotated[Decimal, _RAW, rule(money.parse_amount),
                   _text("金额，最多两位小数", pattern=r"^[0-9]+(\.[0-9]{1,2})?$")]
IsoDate = Annotated[date, _RAW, rule(periods.parse_date), _text("日期", format="date")]


def _parts(**fields: Any) -> GetPydanticSchema:
    """A small JSON object whose members are themselves field types, so errors name the member."""
    def schema(_source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.typed_dict_schema(
            {name: core_schema.typed_dict_field(handler.generate_schema(kind))
             for name, kind in fields.items()}, extra_behavior="forbid",
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda value: {name: getattr(value, name) for name in fields}))
    return GetPydanticSchema(schema)


Money = Annotated[money.Money, _parts(amount=Amount, currency=Currency),
                  rule(lambda parts: money.Money(parts["amount"], parts["currency"]))]
Period = Annotated[periods.Period, _parts(start=IsoDate, end=IsoDate),
                   rule(lambda parts: periods.Period(parts["start"], parts["end"]))]


def _choice(list_name: str) -> Callable[[object], str]:
    """One code of a code list, as a drop-down allows (第二篇: 只支持单选，不能手工录入)."""
    def check(raw: object) -> str:
        listed = catalogue().get(list_name)
        if not isinstance(raw, str) or raw not in listed.codes:
            raise FieldChoice(f"{raw!r} is not in {list_name}", list_title=f"（{listed.title}）")
        return raw
    return check


def _code_of(list_name: str) -> Any:
    return Annotated[str, _RAW, rule(_choice(list_name)),
                     _text(f"代码表 {list_name} 中的代码")]


PaymentMethod = _code_of("payment-methods")
TransportMode = _code_of("transport-modes")
CollectionStatus = _code_of("collection-statuses")
LossCause = _code_of("loss-causes")
InquiryContent = _code_of("inquiry-contents")
ArticleCategory = _code_of("article-categories")
Industry = _code_of("industries")


class RegionCodeUnknown(InvalidValue):
    """A region field holding a code GB/T 2260 does not list (the cascade offers only real ones)."""

    code = "E-REGION-UNKNOWN"
    message_zh = "行政区划代码不存在，请从下拉列表中选择"


def _region(raw: object) -> str:
    if not isinstance(raw, str) or regions().get(raw) is None:
        raise RegionCodeUnknown(f"{raw!r} is not a GB/T 2260 code")
    return raw


RegionCode = Annotated[str, _RAW, rule(_region), _text("GB/T 2260 行政区划代码", pattern="^[0-9]{6}$")]
