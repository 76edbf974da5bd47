"""The overdue report: every conversation waiting past its deadline, rule by rule.

``RULES`` is the list the report runs. A workflow registers its own with :func:`register`
at import (the agreement's are below; an application without receipt, a policy 待收悉
too long, a claim without review receipt join the same way), naming where its waiting
objects are found (``WaitingSource``) and a default deadline that config may override per
kind (``HUB_OVERDUE__DEADLINES``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from adapter.config import OverdueSettings
from adapter.domain.agreement import AgreementStatus
from adapter.domain.overdue import (
    Deadline,
    Overdue,
    OverdueReport,
    OverdueRule,
    WaitingSource,
    WorkCalendar,
    judge,
)
from adapter.domain.records import OutboxStatus
from adapter.service_layer.unit_of_work import UnitOfWork, UnitsOfWork

TIMELINE_PREFIX = "/ops/v1/timeline"
RULES: list[OverdueRule] = []


def register(*rules: OverdueRule) -> None:
    """Add rules to the report; a kind is registered once."""
    known = {rule.kind for rule in RULES}
    for rule in rules:
        if rule.kind in known:
            raise ValueError(f"overdue rule {rule.kind!r} is registered twice")
        RULES.append(rule)
        known.add(rule.kind)


register(
    OverdueRule(
        "agreement_not_stamped", "签约协议已发送保险公司，尚未收到盖章回执",
        WaitingSource("agreement", "status", (AgreementStatus.SIGNING.value,), "signed_at"),
        Deadline(working_days=2)),
    OverdueRule(
        "termination_without_result", "解约申请已发送保险公司，尚未收到解约结果",
        WaitingSource("agreement", "status", (AgreementStatus.TERMINATING.value,),
                      "termination_requested_at"),
        Deadline(working_days=3)),
    OverdueRule(
        "message_undelivered", "发往保险公司的报文仍未送达",
        WaitingSource("outbound_message", "status",
                      (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value,
                       OutboxStatus.DEAD.value), "created_at"),
        Deadline(hours=1)),
)


def configured(settings: OverdueSettings) -> tuple[list[OverdueRule], WorkCalendar]:
    """The registered rules with config's deadlines, and config's calendar."""
    rules = [
        replace(rule, deadline=Deadline(found.working_days, found.hours))
        if (found := settings.deadlines.get(rule.kind)) else rule
        for rule in RULES
    ]
    calendar = WorkCalendar(frozenset(settings.holidays), frozenset(settings.working_weekends))
    return rules, calendar


async def report(uows: UnitsOfWork, rules: Iterable[OverdueRule], calendar: WorkCalendar, *,
                 now: datetime, limit: int = 500) -> OverdueReport:
    """Every rule's overdue objects, longest overdue first. A rule reads at most ``limit``
    waiting objects per state, oldest first (the most overdue); past that the report says
    the kind is truncated."""
    items: list[Overdue] = []
    truncated: list[str] = []
    async with uows.reading() as uow:
        for rule in rules:
            until = rule.deadline.overdue_if_since_until(now, calendar)
            waiting = await uow.waiting.since(rule.source, until=until, limit=limit)
            found = [judge(rule, w, now=now, calendar=calendar, timeline_prefix=TIMELINE_PREFIX)
                     for w in waiting]
            items.extend(item for item in found if item is not None)
            if len(waiting) >= limit:
                truncated.append(rule.kind)
    items.sort(key=lambda item: item.overdue_seconds, reverse=True)
    return OverdueReport(now, items, truncated)


async def counts(uows: UnitsOfWork, rules: Iterable[OverdueRule], calendar: WorkCalendar, *,
                 now: datetime, cap: int) -> dict[str, int]:
    """How many are overdue per rule, counted in the database (the metric): the deadline
    turned into the latest start that is overdue now, one capped count per waiting state."""
    async with uows.reading() as uow:
        return await counts_in(uow, rules, calendar, now=now, cap=cap)


async def counts_in(uow: UnitOfWork, rules: Iterable[OverdueRule], calendar: WorkCalendar, *,
                    now: datetime, cap: int) -> dict[str, int]:
    """:func:`counts` inside a unit of work the caller holds (one statement)."""
    chosen = list(rules)
    searches = [(rule.source, rule.deadline.overdue_if_since_until(now, calendar))
                for rule in chosen]
    found = await uow.waiting.count(searches, cap=cap)
    return {rule.kind: count for rule, count in zip(chosen, found, strict=True)}
