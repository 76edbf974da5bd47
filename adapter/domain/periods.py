"""Dates and periods on the forms: shipment dates inside the policy period, payment terms.

Dates are ISO ``YYYY-MM-DD`` only, so ``03/04/2025`` can never mean two different days.
"Today" is passed in by the caller: the domain does not read the clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from adapter.domain.errors import InvalidValue


class DateFormat(InvalidValue):
    code = "E-DATE-FORMAT"
    message_zh = "日期格式应为YYYY-MM-DD，如2025-03-31"


class DateInvalid(InvalidValue):
    """Shaped like a date but no such day (2025-02-29, month 13)."""

    code = "E-DATE-INVALID"
    message_zh = "该日期不存在，请核对年、月、日"


class DateInFuture(InvalidValue):
    code = "E-DATE-IN-FUTURE"
    message_zh = "日期不能晚于今天"


class DateOutsidePeriod(InvalidValue):
    """The sentence names the period's ends, so the user sees which days are allowed."""

    code = "E-DATE-OUTSIDE-PERIOD"
    message_zh = "日期应在{start}至{end}之间"


class PeriodOrder(InvalidValue):
    code = "E-PERIOD-ORDER"
    message_zh = "结束日期不能早于开始日期"


class PaymentTermRange(InvalidValue):
    """The limit depends on the cover, so the sentence carries it."""

    code = "E-PAYMENT-TERM-RANGE"
    message_zh = "支付期限应为1至{max_days}天"


_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def parse_date(raw: object) -> date:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    match = _ISO_DATE.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if not match:
        raise DateFormat(f"{raw!r} is not YYYY-MM-DD")
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise DateInvalid(f"{raw!r} is not a calendar day") from None


def not_after_today(day: date, today: date) -> date:
    if day > today:
        raise DateInFuture(f"{day} is after {today}")
    return day


@dataclass(frozen=True, slots=True)
class Period:
    """Both ends included, as a policy's 有效期 is written."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodOrder(f"{self.end} is before {self.start}")

    @classmethod
    def parse(cls, start: object, end: object) -> Period:
        return cls(parse_date(start), parse_date(end))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def require(self, day: date) -> date:
        """A shipment date must fall inside the policy period (§四 4.1 出运日期)."""
        if day not in self:
            raise DateOutsidePeriod(f"{day} is outside {self.start}..{self.end}",
                                    start=self.start.isoformat(), end=self.end.isoformat())
        return day


def payment_term_days(raw: object, *, max_days: int) -> int:
    """支付期限 in days, from one day up to the limit of the cover (see the credit-periods list)."""
    days = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    if isinstance(raw, str) and re.fullmatch(r"[0-9]{1,5}", raw.strip()):
        days = int(raw.strip())
    if days is None or not 1 <= days <= max_days:
        raise PaymentTermRange(f"{raw!r} is not 1..{max_days} days", max_days=max_days)
    return days
