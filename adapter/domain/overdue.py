"""Conversations waiting past their deadline, and the working days deadlines count in.

A rule names one way a conversation can be left waiting: the object it concerns, the
state it waits in, the column that says since when, and its deadline. The report runs
every rule; a new workflow adds its rules (and nothing else changes).

Working days are Monday to Friday in China Standard Time (UTC+8), less the holidays and
plus the working weekends (调休) of the calendar in config. A deadline of N working days
falls at the same local time of day on the N-th working day after the day the wait began;
a wait that began on a day off counts from 00:00 of the next working day. Hours are added
as plain clock hours after that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    holidays: frozenset[date] = frozenset()
    working_weekends: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def after_working_days(self, since: datetime, days: int) -> datetime:
        """``since`` moved ``days`` working days on (see the module's rule)."""
        local = since.astimezone(CHINA_STANDARD_TIME)
        day, clock = local.date(), local.timetz()
        if days and not self.is_working_day(day):
            day, clock = self._next_working_day(day), time(0, tzinfo=CHINA_STANDARD_TIME)
        for _ in range(days):
            day = self._next_working_day(day)
        return datetime.combine(day, clock).astimezone(UTC)

    def latest_start(self, now: datetime, days: int) -> datetime:
        """The latest moment a wait may have begun and be ``days`` working days old at
        ``now``: the inverse of :meth:`after_working_days`, so a query can cut exactly."""
        if not days:
            return now
        local = now.astimezone(CHINA_STANDARD_TIME)
        day = local.date()
        if self.is_working_day(day):
            start = self._back(day, days)
            return datetime.combine(start, local.timetz()).astimezone(UTC)
        last = self._back(day, 1)  # the deadline fell on a working day before today
        start = self._back(last, days) + timedelta(days=1)
        midnight = datetime.combine(start, time(0, tzinfo=CHINA_STANDARD_TIME))
        return midnight.astimezone(UTC) - timedelta(microseconds=1)

    def _back(self, day: date, days: int) -> date:
        for _ in range(days):
            day -= timedelta(days=1)
            while not self.is_working_day(day):
                day -= timedelta(days=1)
        return day

    def _next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


@dataclass(frozen=True, slots=True)
class Deadline:
    working_days: int = 0
    hours: float = 0.0

    def due(self, since: datetime, calendar: WorkCalendar) -> datetime:
        return calendar.after_working_days(since, self.working_days) + timedelta(hours=self.hours)

    def overdue_if_since_until(self, now: datetime, calendar: WorkCalendar) -> datetime:
        """Waits begun at or before this moment are past the deadline at ``now``."""
        return calendar.latest_start(now - timedelta(hours=self.hours), self.working_days)

    def describe(self) -> str:
        parts = [f"{self.working_days} working days"] if self.working_days else []
        return " + ".join([*parts, f"{self.hours:g} h"] if self.hours or not parts else parts)


@dataclass(frozen=True, slots=True)
class WaitingSource:
    """Where waiting objects are found: the kind of object (as persistence names it), the
    column holding its state and the states that mean waiting, the column saying since."""

    subject: str
    state_column: str
    states: tuple[str, ...]
    since_column: str


@dataclass(frozen=True, slots=True)
class Waiting:
    """One object found waiting: the timeline's object, since when, and in which state."""

    object_type: str
    object_id: str
    since: datetime
    state: str
    message_id: str | None = None
    message_type: str | None = None


@dataclass(frozen=True, slots=True)
class OverdueRule:
    kind: str
    label_zh: str
    source: WaitingSource
    deadline: Deadline


@dataclass(frozen=True, slots=True)
class Overdue:
    """A conversation past its deadline, as the operator reads it."""

    kind: str
    label_zh: str
    object_type: str
    object_id: str
    state: str
    since: datetime
    due_at: datetime
    overdue_seconds: float
    timeline: str
    message_id: str | None = None
    message_type: str | None = None


@dataclass(frozen=True, slots=True)
class OverdueReport:
    as_of: datetime
    items: list[Overdue] = field(default_factory=list)
    # Kinds whose search stopped at its limit: there may be more than listed.
    truncated: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for item in self.items:
            found[item.kind] = found.get(item.kind, 0) + 1
        return found


def judge(rule: OverdueRule, waiting: Waiting, *, now: datetime, calendar: WorkCalendar,
          timeline_prefix: str) -> Overdue | None:
    """The waiting object as an overdue item, or None while it is within its deadline."""
    due_at = rule.deadline.due(waiting.since, calendar)
    if due_at > now:
        return None
    return Overdue(rule.kind, rule.label_zh, waiting.object_type, waiting.object_id, waiting.state,
                   waiting.since, due_at, round((now - due_at).total_seconds(), 3),
                   f"{timeline_prefix}/{waiting.object_type}/{waiting.object_id}",
                   waiting.message_id, waiting.message_type)
