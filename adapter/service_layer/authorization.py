"""Data authorization (A-5), authorized data query (A-6) and its statistics (A-7)."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.authorization import DataAuthorization, DataType
from adapter.domain.exchange import Envelope, utcnow
from adapter.domain.identity import Identity
from adapter.errors import Conflict, FieldError, FieldErrors
from adapter.mappings import data_authorization
from adapter.mappings.registry import render
from adapter.persistence import agreements, authorizations, outbox
from adapter.persistence.timeline import TimelineEntry, record
from adapter.ports.customs import CustomsData, TradeRecord
from adapter.service_layer.agreement import enterprise_of

OBJECT = "data_authorization"
Frequency = Literal["month", "quarter", "year"]


async def authorize(conn: AsyncConnection, identity: Identity, *, hub: str, insurer: str) -> Envelope:
    """Once per enterprise, after it has signed the agreement; a second try sends nothing."""
    if await agreements.live_of(conn, identity.uscc) is None:
        raise Conflict("no live agreement", code="E-AUTHORIZATION-NEEDS-AGREEMENT",
                       message_zh="请先签署服务协议，再办理企业数据授权")
    now = utcnow()
    authorization = DataAuthorization(f"DA{now:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}",
                                      enterprise_of(identity), identity.user_name, now)
    if not await authorizations.add(conn, authorization):
        raise Conflict("already authorized", code="E-AUTHORIZATION-DUPLICATE", message_zh="请勿重复授权")
    envelope = Envelope.new(data_authorization.MESSAGE_TYPE, sender=hub, receiver=insurer,
                            business_serial=f"{authorization.authorization_no}-AUTH")
    await outbox.enqueue(conn, envelope, render(data_authorization.MESSAGE_TYPE, authorization, envelope),
                         partner=insurer, object_type=OBJECT, object_id=identity.uscc)
    await record(conn, TimelineEntry(OBJECT, identity.uscc, "state_changed", outcome="已授权",
                                     message_type=envelope.message_type, message_id=envelope.message_id,
                                     correlation_id=envelope.correlation_id,
                                     detail={"by": identity.user_name,
                                             "authorization_no": authorization.authorization_no}))
    return envelope


async def require_authorized(conn: AsyncConnection, identity: Identity) -> dict[str, Any]:
    found = await authorizations.of(conn, identity.uscc)
    if found is None:
        raise Conflict("not authorized", code="E-AUTHORIZATION-REQUIRED",
                       message_zh="企业尚未办理数据授权，请先签署《企业数据授权》")
    return found


def check_range(start: date, end: date) -> None:
    if end < start:
        raise FieldErrors([FieldError("E-PERIOD-ORDER", "$.end", "结束日期不能早于开始日期")])
    if (end - start).days > 3 * 366:
        raise FieldErrors([FieldError("E-PERIOD-TOO-LONG", "$.end", "查询时间范围不能超过三年")])


def query(customs: CustomsData, identity: Identity, data_type: DataType, start: date,
          end: date) -> list[TradeRecord]:
    check_range(start, end)
    return sorted(customs.records(identity.uscc, data_type, start, end),
                  key=lambda r: (r.filed_on, r.number), reverse=True)


def _bucket(day: date, frequency: Frequency) -> str:
    if frequency == "year":
        return f"{day.year}"
    if frequency == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day:%Y-%m}"


def _buckets(start: date, end: date, frequency: Frequency) -> list[str]:
    labels: list[str] = []
    day = start.replace(day=1)
    while day <= end:
        label = _bucket(day, frequency)
        if label not in labels:
            labels.append(label)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return labels


def statistics(records: list[TradeRecord], start: date, end: date,
               frequency: Frequency) -> dict[str, Any]:
    """A-7: counts and USD amounts per period, every period present (zeros included)."""
    counts: OrderedDict[str, int] = OrderedDict((label, 0) for label in _buckets(start, end, frequency))
    amounts: dict[str, Decimal] = {label: Decimal(0) for label in counts}
    for item in records:
        label = _bucket(item.filed_on, frequency)
        counts[label] += 1
        amounts[label] += item.amount_usd
    labels = list(counts)
    return {
        "frequency": frequency, "labels": labels,
        "series": [{"name": "票数", "values": [counts[label] for label in labels]},
                   {"name": "金额（美元）", "values": [f"{amounts[label]:.2f}" for label in labels]}],
        "table": [{"period": label, "count": counts[label], "amount_usd": f"{amounts[label]:.2f}"}
                  for label in labels],
        "total": {"count": sum(counts.values()), "amount_usd": f"{sum(amounts.values(), Decimal(0)):.2f}"},
    }
