"""Repeated log lines summarized: one line per kind of event per interval, then a count.

An outage makes the same event happen hundreds of times a second (every document that
cannot be stored, every send that cannot connect). One line says it started; the next
line, an interval later, says how many more there were. Attach :class:`OncePerInterval`
to the logger of such an event, never to the root logger: ordinary events stay one line
each.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class OncePerInterval(logging.Filter):
    """Lets the first record of each message template (and error code, when the record
    carries one) through per ``seconds``; the next one let through carries ``suppressed``
    (how many were held back) and says it in the text."""

    def __init__(self, seconds: float = 10.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.seconds = seconds
        self.clock = clock
        self._seen: dict[tuple[str, object, object], list[float]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.msg, getattr(record, "error_code", None))
        now = self.clock()
        state = self._seen.get(key)
        if state is not None and now - state[0] < self.seconds:
            state[1] += 1
            return False
        held_back = int(state[1]) if state else 0
        self._seen[key] = [now, 0]
        record.suppressed = held_back
        if held_back:
            record.msg = f"{record.msg} (and {held_back} more in the last {self.seconds:g} s)"
        return True


def summarized(name: str, seconds: float = 10.0) -> logging.Logger:
    """The logger ``name`` with repeats summarized; the filter is attached once."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, OncePerInterval) for f in logger.filters):
        logger.addFilter(OncePerInterval(seconds))
    return logger
