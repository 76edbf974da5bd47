"""Dates and periods on the forms: shipment dates inside the policy period, payment terms.

Dates are ISO ``YYYY-MM-DD`` only, so ``03/04/2025`` can never mean two different days.
"Today" is passed in by the caller: the domain does not read the clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from adapter.errors import InvalidValue

MESSAGES: dict[str, str] = {
    "E-DATE-FORMAT": "日期格式应为YYYY-MM-DD，如2025-03-31",
    "E-DATE-INVALID": "该日期不存在，请核对年、月、日",
    "E-DATE-IN-FUTURE": "日期不能晚于今天",
    "E-DATE-OUTSIDE-PERIOD": "日期不在允许的期间内（如保单有效期）",
    "E-PERIOD-ORDER": "结束日期不能早于开始日期",
    "E-PAYMENT-TERM-RANGE": "支付期限超出允许范围",
}

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def _refuse(code: str, detail: str, message_zh: str | None = None) -> InvalidValue:
    return InvalidValue(detail, code=code, message_zh=message_zh or MESSAGES[code])


def parse_date(raw: object) -> date:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    match = _ISO_DATE.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if not match:
        raise _refuse("E-DATE-FORMAT", f"{raw!r} is not YYYY-MM-DD")
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise _refuse("E-DATE-INVALID", f"{raw!r} is not a calendar day") from None


def not_after_today(day: date, today: date) -> date:
    if day > today:
        raise _refuse("E-DATE-IN-FUTURE", f"{day} is after {today}")
    return day


@dataclass(frozen=True, slots=True)
class Period:
    """Both ends included, as a policy's 有效期 is written."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise _refuse("E-PERIOD-ORDER", f"{self.end} is before {self.start}")

    @classmethod
    def parse(cls, start: object, end: object) -> Period:
        return cls(parse_date(start), parse_date(end))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def require(self, day: date) -> date:
        """A shipment date must fall inside the policy period (§四 4.1 出运日期)."""
        if day not in self:
            raise _refuse("E-DATE-OUTSIDE-PERIOD", f"{day} is outside {self.start}..{self.end}",
                          f"日期应在{self.start.isoformat()}至{self.end.isoformat()}之间")
        return day


def payment_term_days(raw: object, *, max_days: int) -> int:
    """支付期限 in days, from one day up to the limit of the cover (see the credit-periods list)."""
    days = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    if isinstance(raw, str) and re.fullmatch(r"[0-9]{1,5}", raw.strip()):
        days = int(raw.strip())
    if days is None or not 1 <= days <= max_days:
        raise _refuse("E-PAYMENT-TERM-RANGE", f"{raw!r} is not 1..{max_days} days",
                      f"支付期限应为1至{max_days}天")
    return days
