"""JSON logs with the correlation id on every line.

A request's correlation id lives in a context variable set by the HTTP middleware; the
log filter copies it onto each record unless the record names one itself.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web
from pythonjsonlogger.json import JsonFormatter

from adapter.log_lines import EscapingFormatter, FloodFilter

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id",
                                                                             default=None)


class CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "correlation_id", None) is None:
            record.correlation_id = correlation_id.get()
        return True


def configure_logging(*, json_lines: bool = True, level: int = logging.INFO,
                      log_lines: str = "5/10 seconds") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(CorrelationFilter())
    handler.addFilter(FloodFilter(log_lines))
    if json_lines:
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
                                           rename_fields={"asctime": "time", "levelname": "level"}))
    else:
        handler.setFormatter(EscapingFormatter("%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def correlation_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    value = request.headers.get("X-Correlation-Id") or uuid.uuid4().hex
    token = correlation_id.set(value[:64])
    try:
        response = await handler(request)
    finally:
        correlation_id.reset(token)
    response.headers["X-Correlation-Id"] = value[:64]
    return response
