"""Trade data the enterprise filed through the Single Window (A-6, C-7): declarations,
bills of lading, certificates of origin. A real deployment reads the Single Window's data
service; the built-in fake holds a deterministic demo set per enterprise.

Two ways in: ``records`` lists one kind of document over a period (the authorized-data
query, A-6); ``declaration`` / ``bill_of_lading`` / ``certificate_of_origin`` fetch one by
number for the claim's 申报单证检查 and shipment report (C-7, C-8). The Single Window
answers those only to the document's 收发货人 (仅收发货人能调用/查询), so they take the asking
enterprise's USCC and return None for a number that is not its own; the documents still
name their owner so the domain checks it again (``belongs_to``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from adapter.domain.authorization import DataType
from adapter.domain.declaration_check import (
    BillOfLading,
    CertificateOfOrigin,
    CustomsDeclaration,
    GoodsLine,
)

_PORTS = ("厦门海关", "上海海关", "深圳海关", "宁波海关", "青岛海关")
_DESTINATIONS = ("USA", "DEU", "JPN", "GBR", "AUS", "SGP", "ARE", "BRA")
_CUSTOMS_OFFICES = ("3701", "2201", "5301", "3101", "4201")
# 申报地海关 / 出境关别 per office code above (海关关区代码).
_OFFICE_NAMES = {"3701": "厦门海关", "2201": "上海海关", "5301": "深圳海关", "3101": "宁波海关",
                 "4201": "青岛海关"}
_PORT_CODES = {name: code for code, name in _OFFICE_NAMES.items()}
_DEST_PORTS = {"USA": "Los Angeles", "DEU": "Hamburg", "JPN": "Yokohama", "GBR": "Felixstowe",
               "AUS": "Sydney", "SGP": "Singapore", "ARE": "Jebel Ali", "BRA": "Santos"}
_CONSIGNEES = ("Pacific Home Goods Inc.", "Nordhafen Handels GmbH", "Sakura Trading Co., Ltd.",
               "Thames Valley Imports Ltd.", "Southern Cross Wholesale Pty Ltd",
               "Lion City Supplies Pte. Ltd.", "Gulf Star General Trading LLC",
               "Rio Verde Comercio Ltda.")
_VESSELS = ("COSCO SHIPPING ARIES", "EVER GIVEN", "MSC GULSUN", "OOCL HONG KONG", "CMA CGM JULES VERNE")
_GOODS = (("9403600000", "木制家具 餐桌 橡木"), ("6109100010", "棉制针织T恤衫 男式"),
          ("8516310000", "电吹风 1800W"), ("6911101100", "瓷餐具 餐盘"),
          ("9503008900", "塑料玩具 积木"), ("4202221000", "塑料面手提包"))
_DECLARANTS = (("3502980A12", "厦门象屿报关行有限公司"), ("3502961B07", "厦门中远报关有限公司"))
# The demo enterprises' names (adapter/demo.py); any other USCC is named by its code.
DEMO_NAMES = {"91350100M000100Y43": "厦门示范进出口贸易有限公司",
              "91350200MA2Y0Q1X9G": "厦门鹭江外贸有限公司"}


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

    def declaration(self, uscc: str, number: str) -> CustomsDeclaration | None: ...

    def bill_of_lading(self, uscc: str, number: str) -> BillOfLading | None: ...

    def certificate_of_origin(self, uscc: str, number: str) -> CertificateOfOrigin | None: ...


class DemoCustomsData:
    """About two shipments a week over the last two years, the same every time for a USCC.

    The documents' details (goods, vessel, consignee …) come from a generator seeded by the
    USCC and the declaration number, so they too are the same on every run.
    """

    def __init__(self, *, today: date | None = None, names: Mapping[str, str] = DEMO_NAMES) -> None:
        self.today = today or date.today()
        self.names = names
        self._cache: dict[str, list[TradeRecord]] = {}
        self._by_number: dict[str, dict[tuple[DataType, str], TradeRecord]] = {}

    def records(self, uscc: str, data_type: DataType, start: date, end: date) -> list[TradeRecord]:
        return [r for r in self._all(uscc) if r.data_type is data_type and start <= r.filed_on <= end]

    def declarations_of(self, uscc: str) -> list[TradeRecord]:
        """The enterprise's export declarations, oldest first: tests and the demo pick from it."""
        return [r for r in self._all(uscc) if r.data_type is DataType.CUSTOMS_DECLARATION]

    def certificate_for(self, uscc: str, declaration_no: str) -> str | None:
        """The certificate of origin issued for a declaration, if the demo set has one."""
        return next((r.number for r in self._all(uscc) if r.data_type is DataType.CERTIFICATE_OF_ORIGIN
                     and r.declaration_no == declaration_no), None)

    def declaration(self, uscc: str, number: str) -> CustomsDeclaration | None:
        record = self._find(uscc, DataType.CUSTOMS_DECLARATION, number)
        return None if record is None else self._declaration(uscc, record)

    def bill_of_lading(self, uscc: str, number: str) -> BillOfLading | None:
        record = self._find(uscc, DataType.BILL_OF_LADING, number)
        if record is None:
            return None
        declaration = self._declaration(uscc, self._declaration_record(uscc, record))
        return BillOfLading(
            bill_no=record.number, house_bill_no=f"{record.number}-01",
            declaration_no=record.declaration_no, vessel=declaration.vessel,
            voyage_no=declaration.voyage_no, shipper_uscc=uscc, shipper=declaration.consignor_name,
            consignee=declaration.overseas_consignee, declared_on=record.filed_on)

    def certificate_of_origin(self, uscc: str, number: str) -> CertificateOfOrigin | None:
        record = self._find(uscc, DataType.CERTIFICATE_OF_ORIGIN, number)
        if record is None:
            return None
        declaration = self._declaration(uscc, self._declaration_record(uscc, record))
        return CertificateOfOrigin(
            certificate_no=record.number, declaration_no=record.declaration_no, exporter_uscc=uscc,
            exporter=declaration.consignor_name, consignee=declaration.overseas_consignee,
            destination_country=record.destination, issuer=f"中国国际贸易促进委员会{record.port[:2]}分会",
            issued_on=record.filed_on)

    def _find(self, uscc: str, data_type: DataType, number: str) -> TradeRecord | None:
        if uscc not in self._by_number:
            self._by_number[uscc] = {(r.data_type, r.number): r for r in self._all(uscc)}
        return self._by_number[uscc].get((data_type, number))

    def _declaration_record(self, uscc: str, record: TradeRecord) -> TradeRecord:
        found = self._find(uscc, DataType.CUSTOMS_DECLARATION, record.declaration_no)
        assert found is not None, "every demo document is generated with its declaration"
        return found

    def _declaration(self, uscc: str, record: TradeRecord) -> CustomsDeclaration:
        rng = random.Random(f"{uscc}/{record.number}")
        office = record.number[:4]
        declarant_code, declarant_name = rng.choice(_DECLARANTS)
        bill = next(r.number for r in self._all(uscc) if r.data_type is DataType.BILL_OF_LADING
                    and r.declaration_no == record.number)
        packages = rng.randint(20, 800)
        return CustomsDeclaration(
            declaration_no=record.number, consignor_uscc=uscc, consignor_name=self.names.get(uscc, uscc),
            declarant_code=declarant_code, declarant_name=declarant_name, bill_of_lading_no=bill,
            trade_country=record.destination, declared_on=record.filed_on,
            exit_port=record.port, exit_port_code=_PORT_CODES[record.port], export_date=record.filed_on,
            declaring_customs=_OFFICE_NAMES[office], declaring_customs_code=office,
            transport_mode="2", vessel=rng.choice(_VESSELS), voyage_no=f"{rng.randint(1, 999):03d}E",
            destination_port=_DEST_PORTS[record.destination],
            overseas_consignee=_CONSIGNEES[_DESTINATIONS.index(record.destination)],
            transaction_mode="FOB", contract_no=f"CT{record.filed_on:%Y%m}{rng.randint(1, 9999):04d}",
            packages=packages, gross_weight_kg=Decimal(packages * rng.randint(8, 40)),
            containers=(f"{rng.choice(('COSU', 'OOLU', 'MSCU'))}{rng.randint(1_000_000, 9_999_999)}",),
            goods=_goods(rng, record.amount_usd))

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
            # Flag 0: these are the enterprise's export declarations (identifiers.CustomsDeclarationNo).
            declaration = f"{office}{day.year}0{sequence:09d}"
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


def _goods(rng: random.Random, amount_usd: Decimal) -> tuple[GoodsLine, ...]:
    """One to three goods lines whose totals add up to the declaration's amount."""
    count = rng.randint(1, 3)
    shares = [amount_usd * Decimal(1 + i) / Decimal(count * (count + 1) // 2) for i in range(count)]
    totals = [share.quantize(Decimal("0.01")) for share in shares[:-1]]
    totals.append(amount_usd - sum(totals, Decimal(0)))
    lines = []
    for item_no, total in enumerate(totals, 1):
        hs_code, name = rng.choice(_GOODS)
        quantity = Decimal(rng.randint(100, 5_000))
        lines.append(GoodsLine(item_no=item_no, hs_code=hs_code, name_and_spec=name, quantity=quantity,
                               unit="件", unit_price=(total / quantity).quantize(Decimal("0.0001")),
                               total_price=total, currency="美元", legal_quantity=quantity,
                               legal_unit="件", origin_country="中国"))
    return tuple(lines)
