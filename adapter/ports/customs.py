"""Trade data the enterprise filed through the Single Window (A-6, C-7): declarations,
bills of lading, certificates of origin. A real deployment reads the Single Window's data
service; the built-in fake holds a deterministic demo set per enterprise."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from adapter.domain.authorization import DataType

_PORTS = ("厦门海关", "上海海关", "深圳海关", "宁波海关", "青岛海关")
_DESTINATIONS = ("USA", "DEU", "JPN", "GBR", "AUS", "SGP", "ARE", "BRA")
_CUSTOMS_OFFICES = ("3701", "2201", "5301", "3101", "4201")


@dataclass(frozen=True, slots=True)
class TradeRecord:
    data_type: DataType
    number: str
    filed_on: date
    port: str
    destination: str
    amount_usd: Decimal
    declaration_no: str


class CustomsData(Protocol):
    def records(self, uscc: str, data_type: DataType, start: date, end: date) -> list[TradeRecord]: ...


class DemoCustomsData:
    """About two shipments a week over the last two years, the same every time for a USCC."""

    def __init__(self, *, today: date | None = None) -> None:
        self.today = today or date.today()
        self._cache: dict[str, list[TradeRecord]] = {}

    def records(self, uscc: str, data_type: DataType, start: date, end: date) -> list[TradeRecord]:
        return [r for r in self._all(uscc) if r.data_type is data_type and start <= r.filed_on <= end]

    def _all(self, uscc: str) -> list[TradeRecord]:
        if uscc not in self._cache:
            self._cache[uscc] = self._generate(uscc)
        return self._cache[uscc]

    def _generate(self, uscc: str) -> list[TradeRecord]:
        rng = random.Random(uscc)
        records: list[TradeRecord] = []
        day = self.today - timedelta(days=730)
        sequence = 0
        while day <= self.today:
            day += timedelta(days=rng.randint(1, 6))
            sequence += 1
            office = rng.choice(_CUSTOMS_OFFICES)
            declaration = f"{office}{day.year}1{sequence:09d}"
            amount = Decimal(rng.randint(5_000, 250_000)) + Decimal(rng.randint(0, 99)) / 100
            port, destination = rng.choice(_PORTS), rng.choice(_DESTINATIONS)
            records.append(TradeRecord(DataType.CUSTOMS_DECLARATION, declaration, day, port,
                                       destination, amount, declaration))
            records.append(TradeRecord(DataType.BILL_OF_LADING, f"BL{day:%y%m}{sequence:06d}",
                                       day + timedelta(days=1), port, destination, amount, declaration))
            if rng.random() < 0.6:
                records.append(TradeRecord(DataType.CERTIFICATE_OF_ORIGIN,
                                           f"C{day:%y}{office}{sequence:07d}", day - timedelta(days=1),
                                           port, destination, amount, declaration))
        return records
