"""Deadlines in working days: Monday to Friday in Beijing time, less holidays, plus 调休 days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from adapter.domain.overdue import Deadline, WorkCalendar

CST = timezone(timedelta(hours=8))
PLAIN = WorkCalendar()


def cst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CST)  # type: ignore[misc]


def test_two_working_days_from_a_friday_afternoon_fall_on_tuesday_afternoon() -> None:
    assert Deadline(working_days=2).due(cst(2026, 5, 8, 15, 0), PLAIN) == cst(2026, 5, 12, 15, 0)


def test_a_wait_begun_on_a_saturday_counts_from_monday_midnight() -> None:
    assert Deadline(working_days=1).due(cst(2026, 5, 9, 10, 30), PLAIN) == cst(2026, 5, 12, 0, 0)


def test_the_day_is_the_beijing_day_not_the_utc_day() -> None:
    """Friday 20:00 UTC is Saturday 04:00 in Beijing: a day off."""
    friday_evening_utc = datetime(2026, 5, 8, 20, 0, tzinfo=UTC)
    assert Deadline(working_days=1).due(friday_evening_utc, PLAIN) == cst(2026, 5, 12, 0, 0)


def test_holidays_are_skipped_and_working_weekends_count() -> None:
    labour_day = WorkCalendar(holidays=frozenset({date(2026, 5, 1), date(2026, 5, 4),
                                                  date(2026, 5, 5)}),
                              working_weekends=frozenset({date(2026, 5, 9)}))
    # Thursday 30 April + 2 working days: 1, 4, 5 May are off; Wed 6 May, Thu 7 May.
    assert Deadline(working_days=2).due(cst(2026, 4, 30, 9, 0), labour_day) == cst(2026, 5, 7, 9, 0)
    # Friday 8 May + 1: Saturday 9 May is a working day (调休).
    assert Deadline(working_days=1).due(cst(2026, 5, 8, 9, 0), labour_day) == cst(2026, 5, 9, 9, 0)


def test_hours_are_plain_clock_hours_after_the_working_days() -> None:
    assert Deadline(hours=1.5).due(cst(2026, 5, 9, 23, 0), PLAIN) == cst(2026, 5, 10, 0, 30)
    assert Deadline(working_days=1, hours=2).due(cst(2026, 5, 8, 9, 0), PLAIN) == \
        cst(2026, 5, 11, 11, 0)


def test_the_query_cut_is_exactly_the_deadline_turned_round() -> None:
    """A wait is overdue at ``now`` exactly when it began at or before the cut, on working
    days and days off alike, so the database can count the overdue waits alone."""
    calendar = WorkCalendar(holidays=frozenset({date(2026, 5, 1), date(2026, 5, 4)}),
                            working_weekends=frozenset({date(2026, 5, 9)}))
    start = cst(2026, 4, 24, 0, 0)
    for deadline in (Deadline(working_days=2), Deadline(working_days=3, hours=4), Deadline(hours=1)):
        for now_step in range(0, 24 * 20, 7):
            now = start + timedelta(hours=now_step, minutes=13)
            cut = deadline.overdue_if_since_until(now, calendar)
            for since_step in range(0, now_step * 60 + 1, 97):
                since = start + timedelta(minutes=since_step)
                assert (since <= cut) == (deadline.due(since, calendar) <= now), (deadline, now, since)
