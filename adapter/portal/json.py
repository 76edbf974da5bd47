"""JSON answers for the portal: Chinese as it is, dates as ISO strings, money as strings."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from aiohttp import web


def plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    raise TypeError(type(value).__name__)


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=plain)


def respond(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps)
