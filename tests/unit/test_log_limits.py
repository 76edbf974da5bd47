"""Repeated log lines: the first through, the rest counted, the count said a period later."""

from __future__ import annotations

import logging

from adapter.log_limits import OncePerInterval


def _record(msg: str, code: str | None = None) -> logging.LogRecord:
    record = logging.LogRecord("hub", logging.INFO, __file__, 1, msg, None, None)
    if code:
        record.error_code = code
    return record


def test_one_line_per_interval_then_the_count_of_the_rest() -> None:
    now = [0.0]
    flood = OncePerInterval(10, clock=lambda: now[0])
    assert flood.filter(_record("database unavailable"))
    assert [flood.filter(_record("database unavailable")) for _ in range(500)] == [False] * 500
    now[0] = 10.5
    summary = _record("database unavailable")
    assert flood.filter(summary)
    assert summary.suppressed == 500  # type: ignore[attr-defined]
    assert "500 more" in summary.getMessage()


def test_other_events_and_other_codes_are_their_own_lines() -> None:
    flood = OncePerInterval(10, clock=lambda: 0.0)
    assert flood.filter(_record("document rejected", "E-XSD-INVALID"))
    assert flood.filter(_record("document rejected", "E-AGREEMENT-UNKNOWN"))
    assert flood.filter(_record("send failed"))
    assert not flood.filter(_record("document rejected", "E-XSD-INVALID"))
