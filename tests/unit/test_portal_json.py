"""The portal's JSON: what the standard library wrote with ``ensure_ascii=False`` and
:func:`plain`, byte for byte in meaning: Chinese as UTF-8, datetimes and dates in ISO form,
money with two decimals, enums by value, dataclasses as objects, number keys as strings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum

from adapter.portal.json import dumps, plain, respond


class Status(Enum):
    SIGNED = "签约成功"


@dataclass(frozen=True, slots=True)
class Money:
    currency: str
    amount: Decimal


DATA = {
    "name": "厦门示范进出口贸易有限公司",
    "at": datetime(2026, 12, 4, 1, 39, 7, 123456, tzinfo=UTC),
    "whole_second": datetime(2026, 12, 4, 1, 39, 7, tzinfo=UTC),
    "beijing": datetime(2026, 12, 4, 9, 39, tzinfo=timezone(timedelta(hours=8))),
    "naive": datetime(2026, 12, 4, 1, 39),
    "day": date(2026, 12, 4),
    "amount": Decimal("12.3"),
    "status": Status.SIGNED,
    "money": Money("USD", Decimal(1000)),
    "counts": {1: "one", 2: "two"},
    "nested": [{"ok": True, "none": None, "n": 3, "x": 1.5}],
    "bytes": "字节".encode(),
}


def test_the_answer_reads_as_the_standard_library_wrote_it() -> None:
    before = json.loads(json.dumps(DATA, ensure_ascii=False, default=plain))
    assert json.loads(dumps(DATA)) == before
    assert before["money"] == {"currency": "USD", "amount": "1000.00"}
    assert before["at"] == "2026-12-04T01:39:07.123456+00:00"


def test_chinese_travels_as_utf8_and_the_content_type_says_so() -> None:
    response = respond({"status": Status.SIGNED}, status=201)
    assert response.status == 201
    assert response.content_type == "application/json" and response.charset == "utf-8"
    assert response.body == '{"status":"签约成功"}'.encode()
