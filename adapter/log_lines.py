"""Log lines that cannot be forged and cannot flood.

Text logs carry what clients sent (a path, a correlation id): a ``%0a`` in a path would
start a line of the client's own making, so control characters in a text line are
written as escapes (``\\n``, ``\\x1b``). JSON lines are escaped by JSON already. A failure
repeated a thousand times a second (a client storm, a resource running out) is a few
lines and a count, not a thousand tracebacks: each kind of warning or error (its logger
and message template) may be written ``log_lines`` times (``limits`` notation), and the
next line written of that kind says how many were left out meanwhile.

The same filter, attached to one logger with :func:`summarized`, also holds back the
information lines an outage repeats (every document refused with the same code, every
send that cannot connect): one line per kind and interval, then the count.
"""

from __future__ import annotations

import logging
import re
import threading

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NUMBERS = re.compile(r"0x[0-9a-fA-F]+|\d+")


def escape_controls(text: str) -> str:
    """``text`` on one line: every control character as a visible escape."""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


class EscapingFormatter(logging.Formatter):
    """A text formatter whose line (time, level, logger, correlation id, message) holds no
    control character; a traceback below it keeps its own lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape_controls(super().formatMessage(record))


def _kind(record: logging.LogRecord) -> str:
    """Logger, level, message template and error code (when the record carries one); a
    message built before logging (asyncio's "Exception in callback <handle at 0x7f…>")
    counts as one kind whatever its numbers."""
    template = _NUMBERS.sub("#", str(record.msg)[:200])
    failure = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
    code = getattr(record, "error_code", "")
    return f"{record.name}:{record.levelno}:{failure}:{code}:{template}"


class FloodFilter(logging.Filter):
    """Lets each kind of record at ``min_level`` or above through ``limit`` times; counts
    the rest, and the next record let through carries ``suppressed`` and says it."""

    def __init__(self, limit: str = "5/10 seconds", *, min_level: int = logging.WARNING) -> None:
        super().__init__()
        self.min_level = min_level
        self._items = parse_many(limit)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._suppressed: dict[str, int] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < self.min_level:
            return True
        kind = _kind(record)
        with self._lock:
            # every tier is hit, so a long flood keeps counting in the wider ones too
            spent = [item for item in self._items if not self._limiter.hit(item, kind)]
            if spent:
                self._suppressed[kind] = self._suppressed.get(kind, 0) + 1
                return False
            left_out = self._suppressed.pop(kind, 0)
        record.suppressed = left_out
        if left_out:
            record.msg = f"{record.msg} [{left_out} more like this left out]"
        return True


def summarized(name: str, limit: str = "1/10 seconds") -> logging.Logger:
    """The logger ``name`` with every level's repeats summarized (attached once)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, FloodFilter) for f in logger.filters):
        logger.addFilter(FloodFilter(limit, min_level=logging.NOTSET))
    return logger
