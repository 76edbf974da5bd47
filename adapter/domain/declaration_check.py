"""申报单证检查 (§四 4.1 出运信息, C-7): does each shipment line's paperwork exist in the
Single Window, and is it the enterprise's own?

The manual checks "数据是否存在、是否属于本企业的数据，或是否是索赔需要的正确业务单据":
a declaration is found only when the enterprise is its 收发货人 (仅收发货人能调用/查询), the
bill of lading is the one the declaration names (系统将根据报关单号自动关联对应的出口提单数据),
and a certificate of origin counts only when it was issued for that same declaration. Each
document's row says 数据正常 or 未查询到符合条件的数据; the line is 数据正常 when its
declaration and, if one was given, its certificate of origin are. The bill of lading is
shown but does not decide the line: the manual lifted the compulsory bill-of-lading check
for sea and air (取消运海运和空运强制校验提运单信息).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum


class CheckResult(str, Enum):
    """验证结果, in the manual's words."""

    FOUND = "数据正常"
    NOT_FOUND = "未查询到符合条件的数据"

    @property
    def mark(self) -> str:
        """What the declaration-number box shows after the check (√ or ×)."""
        return "√" if self is CheckResult.FOUND else "×"


@dataclass(frozen=True, slots=True)
class GoodsLine:
    """One 商品 row of the declaration (the shipment report prints them)."""

    item_no: int
    hs_code: str
    name_and_spec: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    total_price: Decimal
    currency: str
    legal_quantity: Decimal
    legal_unit: str
    origin_country: str


@dataclass(frozen=True, slots=True)
class CustomsDeclaration:
    """出口报关单: what the check table and the shipment report show of it."""

    declaration_no: str
    consignor_uscc: str
    consignor_name: str
    declarant_code: str
    declarant_name: str
    bill_of_lading_no: str
    trade_country: str
    declared_on: date
    exit_port: str
    exit_port_code: str
    export_date: date
    declaring_customs: str
    declaring_customs_code: str
    transport_mode: str
    vessel: str
    voyage_no: str
    destination_port: str
    overseas_consignee: str
    transaction_mode: str
    contract_no: str
    packages: int
    gross_weight_kg: Decimal
    containers: tuple[str, ...]
    goods: tuple[GoodsLine, ...]

    def belongs_to(self, uscc: str) -> bool:
        return self.consignor_uscc == uscc


@dataclass(frozen=True, slots=True)
class BillOfLading:
    """提运单, found through the declaration's 提运单号."""

    bill_no: str
    house_bill_no: str
    declaration_no: str
    vessel: str
    voyage_no: str
    shipper_uscc: str
    shipper: str
    consignee: str
    declared_on: date

    def belongs_to(self, uscc: str) -> bool:
        return self.shipper_uscc == uscc


@dataclass(frozen=True, slots=True)
class CertificateOfOrigin:
    """出口原产地证书, issued for one declaration."""

    certificate_no: str
    declaration_no: str
    exporter_uscc: str
    exporter: str
    consignee: str
    destination_country: str
    issuer: str
    issued_on: date

    def belongs_to(self, uscc: str) -> bool:
        return self.exporter_uscc == uscc


@dataclass(frozen=True, slots=True)
class LineCheck:
    """One shipment line's result: a row for each table of the manual's check screen.

    ``declaration`` is None when nothing matched; ``bill_of_lading`` when the declaration
    was not found or its bill is not the enterprise's; ``certificate`` when none was
    asked for (``certificate_no`` None) or none matched.
    """

    line_id: str
    declaration_no: str
    certificate_no: str | None
    declaration: CustomsDeclaration | None
    bill_of_lading: BillOfLading | None
    certificate: CertificateOfOrigin | None

    @property
    def declaration_result(self) -> CheckResult:
        return _found(self.declaration)

    @property
    def bill_of_lading_result(self) -> CheckResult:
        return _found(self.bill_of_lading)

    @property
    def certificate_result(self) -> CheckResult | None:
        return None if self.certificate_no is None else _found(self.certificate)

    @property
    def result(self) -> CheckResult:
        """The line's 验证结果: declaration found, and the certificate if one was given."""
        if self.declaration is None or self.certificate_result is CheckResult.NOT_FOUND:
            return CheckResult.NOT_FOUND
        return CheckResult.FOUND


def _found(document: object | None) -> CheckResult:
    return CheckResult.NOT_FOUND if document is None else CheckResult.FOUND


def check_line(line_id: str, uscc: str, declaration_no: str, certificate_no: str | None, *,
               declaration: CustomsDeclaration | None, bill_of_lading: BillOfLading | None,
               certificate: CertificateOfOrigin | None) -> LineCheck:
    """Keep only what is the enterprise's and belongs together; the rest is 未查询到."""
    own_declaration = declaration if declaration and _is(declaration, declaration_no, uscc) else None
    own_bill = bill_of_lading if own_declaration and bill_of_lading and _bill_fits(
        bill_of_lading, own_declaration, uscc) else None
    own_certificate = certificate if certificate and certificate_no and _certificate_fits(
        certificate, certificate_no, declaration_no, uscc) else None
    return LineCheck(line_id, declaration_no, certificate_no, own_declaration, own_bill, own_certificate)


def _is(declaration: CustomsDeclaration, number: str, uscc: str) -> bool:
    return declaration.declaration_no == number and declaration.belongs_to(uscc)


def _bill_fits(bill: BillOfLading, declaration: CustomsDeclaration, uscc: str) -> bool:
    return (bill.bill_no == declaration.bill_of_lading_no
            and bill.declaration_no == declaration.declaration_no and bill.belongs_to(uscc))


def _certificate_fits(certificate: CertificateOfOrigin, number: str, declaration_no: str,
                      uscc: str) -> bool:
    """Another declaration's certificate is not "索赔需要的正确业务单据" for this line."""
    return (certificate.certificate_no == number and certificate.declaration_no == declaration_no
            and certificate.belongs_to(uscc))
