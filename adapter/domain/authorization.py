"""Enterprise data authorization (§二 2.2, A-5): once per enterprise, for the insurer's use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from adapter.domain.agreement import Enterprise
from adapter.domain.errors import Conflict, InvalidValue
from adapter.domain.periods import PeriodOrder

AUTHORIZED = "已授权"
# How far back and forward one query of authorized data may reach.
MAX_QUERY_DAYS = 3 * 366


class DataType(str, Enum):
    CUSTOMS_DECLARATION = "CUSTOMS_DECLARATION"
    BILL_OF_LADING = "BILL_OF_LADING"
    CERTIFICATE_OF_ORIGIN = "CERTIFICATE_OF_ORIGIN"

    @property
    def label(self) -> str:
        return {"CUSTOMS_DECLARATION": "报关单", "BILL_OF_LADING": "提运单",
                "CERTIFICATE_OF_ORIGIN": "原产地证书"}[self.value]


class AuthorizationNeedsAgreement(Conflict):
    code = "E-AUTHORIZATION-NEEDS-AGREEMENT"
    message_zh = "请先签署服务协议，再办理企业数据授权"


class AuthorizationDuplicate(Conflict):
    code = "E-AUTHORIZATION-DUPLICATE"
    message_zh = "请勿重复授权"


class AuthorizationRequired(Conflict):
    code = "E-AUTHORIZATION-REQUIRED"
    message_zh = "企业尚未办理数据授权，请先签署《企业数据授权》"


class QueryPeriodTooLong(InvalidValue):
    code = "E-PERIOD-TOO-LONG"
    message_zh = "查询时间范围不能超过三年"


@dataclass(frozen=True, slots=True)
class DataAuthorization:
    """X-OUT-3: what the enterprise authorized, by whom and when."""

    authorization_no: str
    enterprise: Enterprise
    authorized_by: str
    authorized_at: datetime
    data_types: tuple[DataType, ...] = tuple(DataType)


def check_query_period(start: date, end: date) -> None:
    if end < start:
        raise PeriodOrder(f"{end} before {start}", path="$.end")
    if (end - start).days > MAX_QUERY_DAYS:
        raise QueryPeriodTooLong(f"{start} to {end}", path="$.end")
