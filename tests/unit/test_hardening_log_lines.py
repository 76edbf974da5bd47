"""Text logs cannot be forged through a path, and a flood of one failure is a few lines."""

from __future__ import annotations

import io
import logging
import sys
import time
from collections.abc import Iterator

import pytest

from adapter.log_lines import FloodFilter, escape_controls
from adapter.observability import configure_logging

WINDOW_SECONDS = 6


@pytest.fixture
def text_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The hub's own text logging, written to a buffer; the test runner's handlers come back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    sink = io.StringIO()
    monkeypatch.setattr(sys, "stderr", sink)
    # a window far longer than a thousand records take to log, even on a loaded machine
    configure_logging(json_lines=False, log_lines=f"3/{WINDOW_SECONDS} seconds")
    yield sink
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_newline_in_a_logged_path_stays_on_its_line(text_log: io.StringIO) -> None:
    path = "/portal/v1/agreements/x\n2026-12-02 23:00:00,000 INFO adapter.cli [None] operator logged in"
    logging.getLogger("adapter.portal.errors").error("unexpected error on %s %s", "GET", path)
    lines = text_log.getvalue().splitlines()
    assert len(lines) == 1
    assert "agreements/x\\n2026-12-02" in lines[0]


def test_control_characters_are_written_as_escapes() -> None:
    assert escape_controls("a\r\nb\x1b[31mc\x00\u2028") == "a\\r\\nb\\x1b[31mc\\x00\\x2028"


def test_a_thousand_identical_failures_are_three_lines_and_a_count(text_log: io.StringIO) -> None:
    for n in range(1000):
        _accept_failed(n)
    assert text_log.getvalue().count("Traceback") == 3
    time.sleep(WINDOW_SECONDS + 0.05)
    _accept_failed(1000)
    [line] = [line for line in text_log.getvalue().splitlines() if "fd=1000" in line]
    assert line.endswith("[997 more like this left out]")


def _accept_failed(n: int) -> None:
    try:
        raise OSError(24, "Too many open files")
    except OSError:
        logging.getLogger("asyncio").exception("socket.accept() out of system resource: fd=%d", n)


def test_messages_built_before_logging_count_as_one_kind() -> None:
    flood = FloodFilter("2/minute")
    records = [logging.LogRecord("asyncio", logging.ERROR, __file__, 1,
                                 f"Exception in callback <Handle at 0x7f{n:06x}> fd={n}", None, None)
               for n in range(10)]
    assert [flood.filter(record) for record in records].count(True) == 2


def test_information_lines_are_never_held_back() -> None:
    flood = FloodFilter("1/minute")
    records = [logging.LogRecord("adapter", logging.INFO, __file__, 1, "sent %s", ("x",), None)
               for _ in range(10)]
    assert all(flood.filter(record) for record in records)


def _coded(msg: str, code: str | None = None) -> logging.LogRecord:
    record = logging.LogRecord("adapter.receiving", logging.INFO, __file__, 1, msg, None, None)
    if code:
        record.error_code = code
    return record


def test_a_summarized_logger_says_an_outage_once_then_the_count() -> None:
    flood = FloodFilter("1/1 second", min_level=logging.NOTSET)
    assert flood.filter(_coded("database unavailable"))
    assert [flood.filter(_coded("database unavailable")) for _ in range(500)] == [False] * 500
    time.sleep(1.05)
    summary = _coded("database unavailable")
    assert flood.filter(summary)
    assert summary.suppressed == 500  # type: ignore[attr-defined]
    assert summary.getMessage().endswith("[500 more like this left out]")


def test_each_error_code_is_its_own_kind() -> None:
    flood = FloodFilter("1/minute", min_level=logging.NOTSET)
    assert flood.filter(_coded("document rejected", "E-XSD-INVALID"))
    assert flood.filter(_coded("document rejected", "E-AGREEMENT-UNKNOWN"))
    assert flood.filter(_coded("send failed"))
    assert not flood.filter(_coded("document rejected", "E-XSD-INVALID"))


def test_summarized_attaches_its_filter_once() -> None:
    from adapter.log_lines import summarized

    logger = summarized("adapter.tests.once")
    assert summarized("adapter.tests.once") is logger
    assert sum(isinstance(f, FloodFilter) for f in logger.filters) == 1
