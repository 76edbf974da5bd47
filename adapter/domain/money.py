"""Amounts as the insurer books them: Decimal, two places, positive, in an ISO 4217 currency.

Amounts arrive as JSON numbers or strings; both go through ``Decimal(str(...))`` so a float
never rounds a cent away unnoticed: anything finer than a cent is refused, not rounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Self

import pycountry

from adapter.domain.errors import InvalidValue


class AmountFormat(InvalidValue):
    code = "E-AMOUNT-FORMAT"
    message_zh = "金额应为数字，如 12500.00"


class AmountPrecision(InvalidValue):
    """Finer than a cent: refused rather than rounded, so no typed cent is lost unnoticed."""

    code = "E-AMOUNT-PRECISION"
    message_zh = "金额最多保留两位小数"


class AmountNotPositive(InvalidValue):
    code = "E-AMOUNT-NOT-POSITIVE"
    message_zh = "金额必须大于0"


class AmountTooLarge(InvalidValue):
    """Sixteen digits or more before the point: beyond what ``CEILING`` allows."""

    code = "E-AMOUNT-TOO-LARGE"
    message_zh = "金额超出允许范围"


class CurrencyUnknown(InvalidValue):
    code = "E-CURRENCY-UNKNOWN"
    message_zh = "币种代码无效，请从下拉列表中选择"


CENT = Decimal("0.01")
# Sixteen digits before the point: what a DECIMAL(18, 2) column holds.
CEILING = Decimal("1E16")
# ISO 4217 codes that name no money: "no currency involved" and "for testing".
NOT_FOR_AMOUNTS = frozenset({"XXX", "XTS"})
# Typed amounts: digits and one point; no exponents, separators or underscores.
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def parse_amount(raw: object) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
        raise AmountFormat(f"expected a number, got {type(raw).__name__}")
    if isinstance(raw, str) and not _PLAIN_NUMBER.fullmatch(raw.strip()):
        raise AmountFormat(f"{raw!r} is not written as a plain number")
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        raise AmountFormat(f"{raw!r} is not a number") from None
    if not amount.is_finite():
        raise AmountFormat(f"{raw!r} is not a finite number")
    if amount <= 0:
        raise AmountNotPositive(f"{raw!r} is not positive")
    if amount >= CEILING:
        raise AmountTooLarge(f"{raw!r} exceeds {CEILING}")
    cents = amount.quantize(CENT)
    if cents != amount:
        raise AmountPrecision(f"{raw!r} has more than two decimal places")
    return cents


def is_currency(code: str) -> bool:
    return code not in NOT_FOR_AMOUNTS and pycountry.currencies.get(alpha_3=code) is not None


class Currency(str):
    """ISO 4217 alphabetic code, upper case."""

    @classmethod
    def parse(cls, raw: object) -> Self:
        if not isinstance(raw, str):
            raise CurrencyUnknown(f"expected text, got {type(raw).__name__}")
        code = raw.strip().upper()
        if len(code) != 3 or not is_currency(code):
            raise CurrencyUnknown(f"{raw!r} is not an ISO 4217 currency")
        return cls(code)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: Currency

    @classmethod
    def parse(cls, amount: object, currency: object) -> Money:
        return cls(parse_amount(amount), Currency.parse(currency))

    def __str__(self) -> str:
        return f"{self.amount:.2f} {self.currency}"
