"""Data authorization (A-5), authorized data query (A-6) and its statistics (A-7)."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from adapter.domain import messages
from adapter.domain.agreement import Enterprise
from adapter.domain.authorization import (
    AUTHORIZED,
    AuthorizationDuplicate,
    AuthorizationNeedsAgreement,
    AuthorizationRequired,
    DataAuthorization,
    DataType,
    check_query_period,
)
from adapter.domain.exchange import utcnow
from adapter.domain.identity import Identity
from adapter.domain.timeline import TimelineEntry
from adapter.mappings.registry import render
from adapter.ports.customs import CustomsData, TradeRecord
from adapter.service_layer.parties import Parties
from adapter.service_layer.unit_of_work import UnitsOfWork

OBJECT = "data_authorization"
Frequency = Literal["month", "quarter", "year"]


async def authorize(uows: UnitsOfWork, identity: Identity, parties: Parties) -> DataAuthorization:
    """Once per enterprise, after it has signed the agreement; a second try sends nothing."""
    async with uows.begin() as uow:
        if await uow.agreements.live_of(identity.uscc) is None:
            raise AuthorizationNeedsAgreement("no live agreement")
        now = utcnow()
        authorization = DataAuthorization(f"DA{now:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}",
                                          Enterprise.of(identity), identity.user_name, now)
        if not await uow.authorizations.add(authorization):
            raise AuthorizationDuplicate("already authorized")
        envelope = parties.envelope(messages.DATA_AUTHORIZATION,
                                    f"{authorization.authorization_no}-AUTH")
        await uow.outbox.add(envelope, render(messages.DATA_AUTHORIZATION.message_type,
                                              authorization, envelope),
                             partner=parties.insurer, object_type=OBJECT, object_id=identity.uscc)
        uow.timeline.record(TimelineEntry.about(
            envelope, OBJECT, identity.uscc, "state_changed", outcome=AUTHORIZED,
            detail={"by": identity.user_name, "authorization_no": authorization.authorization_no}))
        await uow.commit()
    return authorization


async def authorization_of(uows: UnitsOfWork, identity: Identity) -> DataAuthorization | None:
    async with uows.reading() as uow:
        return await uow.authorizations.of(identity.uscc)


async def require_authorized(uows: UnitsOfWork, identity: Identity) -> DataAuthorization:
    found = await authorization_of(uows, identity)
    if found is None:
        raise AuthorizationRequired("not authorized")
    return found


def query(customs: CustomsData, identity: Identity, data_type: DataType, start: date,
          end: date) -> list[TradeRecord]:
    check_query_period(start, end)
    return sorted(customs.records(identity.uscc, data_type, start, end),
                  key=lambda r: (r.filed_on, r.number), reverse=True)


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    period: str
    count: int
    amount_usd: Decimal


@dataclass(frozen=True, slots=True)
class Statistics:
    """A-7: counts and USD amounts per period, every period present (zeros included)."""

    frequency: Frequency
    periods: tuple[PeriodFigures, ...]

    @property
    def total_count(self) -> int:
        return sum(p.count for p in self.periods)

    @property
    def total_amount(self) -> Decimal:
        return sum((p.amount_usd for p in self.periods), Decimal(0))


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
               frequency: Frequency) -> Statistics:
    counts: OrderedDict[str, int] = OrderedDict((label, 0) for label in _buckets(start, end, frequency))
    amounts: dict[str, Decimal] = {label: Decimal(0) for label in counts}
    for item in records:
        label = _bucket(item.filed_on, frequency)
        counts[label] += 1
        amounts[label] += item.amount_usd
    return Statistics(frequency, tuple(PeriodFigures(label, counts[label], amounts[label])
                                       for label in counts))
