"""信用保险索赔出运数据报告 (§四 4.1 生成出运数据报告, C-8): the Single Window's own account of a
claim's shipments, from the customs data it holds, sealed with the enterprise's seal.

The manual's rule for the layout: each 出运信息流水号 with its invoice, declaration, bill of
lading and certificate of origin is one set, and every set starts a new page
(不同套的数据均新起一页显示). A set whose goods lines do not fit goes on over more pages,
each headed with the set's serial, so no page ever mixes two sets. The declaration table
keeps the manual's fields and shows each code beside its name as the manual does
(出境关别(0103)); the goods table has the manual's nine columns.

Usage (the claim's use case builds the dataclasses from its shipment lines and their
申报单证检查 results, and picks the seal as the agreement does)::

    from adapter.rendering.shipment_report_pdf import ReportHeader, ShipmentSet, render_signed

    header = ReportHeader(claim_no=..., policy_no=..., enterprise_name=..., uscc=...,
                          buyer_code=..., buyer_name=..., generated_at=now)
    sets = [ShipmentSet(shipment_serial=line.serial, invoice_no=line.invoice_no,
                        declaration=check.declaration, bill_of_lading=check.bill_of_lading,
                        certificate=check.certificate) for line, check in ...]
    pdf = await asyncio.to_thread(render_signed, header, sets, seals.material(uscc, seal_id))

``render_signed`` is PAdES like the agreement; pyHanko runs an event loop of its own, so it
is called off the running loop (``asyncio.to_thread``), never on it.

``render`` draws the unsigned PDF (tests, previews). The declaration is required: a set
is reported only once its declaration was found (数据正常); bill of lading and certificate
may be absent and then read 未查询到符合条件的数据 / 未填写原产地证书号.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from adapter.domain.declaration_check import (
    BillOfLading,
    CertificateOfOrigin,
    CheckResult,
    CustomsDeclaration,
    GoodsLine,
)
from adapter.ports.seals import SigningMaterial
from adapter.rendering.agreement_pdf import _font
from adapter.rendering.pades import sign_pdf
from adapter.rendering.times import beijing

TITLE = "信用保险索赔出运数据报告"
STATEMENT = ("声明：本出运数据报告，由中国国际贸易单一窗口根据企业提供的业务单据编号，查询出对应的单据信息，"
             "经企业确认和授权后，提供给中国出口信用保险公司，仅用于索赔业务办理参考。")
GOODS_COLUMNS = ("序号", "商品编码", "商品名称、规格型号", "成交数量及单位", "单价", "总价", "币制",
                 "法定数量及单位", "原产国(地区)")
_PAGE = landscape(A4)
_MARGIN = 14 * mm


@dataclass(frozen=True, slots=True)
class ReportHeader:
    """The claim the report belongs to, printed at the top of every set's page."""

    claim_no: str
    policy_no: str
    enterprise_name: str
    uscc: str
    buyer_code: str
    buyer_name: str
    generated_at: datetime


@dataclass(frozen=True, slots=True)
class ShipmentSet:
    """One 出运信息 and the Single Window's documents for it: one page (or more) of its own."""

    shipment_serial: str
    invoice_no: str
    declaration: CustomsDeclaration
    bill_of_lading: BillOfLading | None = None
    certificate: CertificateOfOrigin | None = None
    certificate_no: str | None = None


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    return {"title": ParagraphStyle("title", fontName=font, fontSize=15, leading=20, alignment=1),
            "text": ParagraphStyle("text", fontName=font, fontSize=9, leading=12, wordWrap="CJK"),
            "heading": ParagraphStyle("heading", fontName=font, fontSize=10.5, leading=15,
                                      spaceBefore=4, wordWrap="CJK"),
            "cell": ParagraphStyle("cell", fontName=font, fontSize=7.5, leading=9.5, wordWrap="CJK")}


def _escape(text: object) -> str:
    """Paragraph text is markup: a buyer called ``A&B <Ltd>`` must print as itself."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _grid(rows: Sequence[Sequence[object]], widths: Sequence[float], style: ParagraphStyle, *,
          header: bool = False) -> Table:
    cells = [[Paragraph(_escape(value), style) for value in row] for row in rows]
    table = Table(cells, colWidths=list(widths), repeatRows=1 if header else 0)
    commands: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.94, 0.97)))
    table.setStyle(TableStyle(commands))
    return table


def _coded(name: str, code: str) -> str:
    return f"{name}({code})" if code else name


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def _declaration_rows(d: CustomsDeclaration) -> list[list[str]]:
    """报关单数据 as the manual lays it out: label and value side by side, four pairs a row."""
    pairs = [
        ("报关单编号", d.declaration_no), ("出境关别", _coded(d.exit_port, d.exit_port_code)),
        ("出口日期", f"{d.export_date:%Y-%m-%d}"),
        ("申报地海关", _coded(d.declaring_customs, d.declaring_customs_code)),
        ("境内收发货人", _coded(d.consignor_name, d.consignor_uscc)),
        ("运输方式", d.transport_mode), ("运输工具名称", d.vessel), ("指运港", d.destination_port),
        ("申报单位", _coded(d.declarant_name, d.declarant_code)),
        ("贸易国(地区)", d.trade_country), ("航次号", d.voyage_no), ("提运单号", d.bill_of_lading_no),
        ("境外收发货人", d.overseas_consignee), ("成交方式", d.transaction_mode),
        ("合同协议号", d.contract_no), ("件数", str(d.packages)),
        ("毛重(千克)", _number(d.gross_weight_kg)), ("申报日期", f"{d.declared_on:%Y-%m-%d}"),
        ("集装箱号", "、".join(d.containers) or "无"), ("", ""),
    ]
    return [[part for pair in pairs[i:i + 4] for part in pair] for i in range(0, len(pairs), 4)]


def _goods_rows(goods: Sequence[GoodsLine]) -> list[list[str]]:
    return [list(GOODS_COLUMNS), *[[
        str(g.item_no), g.hs_code, g.name_and_spec, f"{_number(g.quantity)} {g.unit}",
        _number(g.unit_price), _number(g.total_price), g.currency,
        f"{_number(g.legal_quantity)} {g.legal_unit}", g.origin_country] for g in goods]]


def _bill_rows(bill: BillOfLading | None, declaration_no: str) -> list[list[str]]:
    head = ["报关单编号", "提运单号", "分运单号", "运输工具名称", "航次号", "发货人", "收货人", "申报日期",
            "验证结果"]
    if bill is None:
        return [head, [declaration_no, "", "", "", "", "", "", "", CheckResult.NOT_FOUND.value]]
    return [head, [bill.declaration_no, bill.bill_no, bill.house_bill_no, bill.vessel,
                   bill.voyage_no, bill.shipper, bill.consignee, f"{bill.declared_on:%Y-%m-%d}",
                   CheckResult.FOUND.value]]


def _certificate_rows(shipment: ShipmentSet) -> list[list[str]]:
    head = ["原产地证书号", "出口商", "收货人", "目的国(地区)", "签证机构", "签发日期", "验证结果"]
    certificate = shipment.certificate
    if certificate is None:
        result = CheckResult.NOT_FOUND.value if shipment.certificate_no else "未填写原产地证书号"
        return [head, [shipment.certificate_no or "", "", "", "", "", "", result]]
    return [head, [certificate.certificate_no, certificate.exporter, certificate.consignee,
                   certificate.destination_country, certificate.issuer,
                   f"{certificate.issued_on:%Y-%m-%d}", CheckResult.FOUND.value]]


class _SetStarts(Spacer):  # type: ignore[misc]  # reportlab has no type hints
    """Marks where a set begins, so the footer of each page can name the set it shows."""

    def __init__(self, serial: str) -> None:
        super().__init__(0, 0)
        self.serial = serial


class _ReportDocument(SimpleDocTemplate):  # type: ignore[misc]
    """Every page's footer names its set's serial and the page number: a set whose goods
    ran over a page still says whose page it is."""

    serial = ""

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, _SetStarts):
            self.serial = flowable.serial

    def afterPage(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setFont(_font(), 8)
        canvas.drawRightString(_PAGE[0] - _MARGIN, 7 * mm,
                               f"出运信息流水号：{self.serial}　第 {canvas.getPageNumber()} 页")
        canvas.restoreState()


def _set_story(header: ReportHeader, shipment: ShipmentSet,
               styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    width = _PAGE[0] - 2 * _MARGIN
    text, heading, cell = styles["text"], styles["heading"], styles["cell"]
    quarter = [width * share for share in (0.09, 0.16) * 4]
    return [
        _SetStarts(shipment.shipment_serial), Paragraph(TITLE, styles["title"]), Spacer(1, 3 * mm), Paragraph(_escape(STATEMENT), text),
        Spacer(1, 2 * mm),
        Paragraph(_escape(f"索赔编号：{header.claim_no}　保单号：{header.policy_no}　"
                          f"被保险人：{header.enterprise_name}（{header.uscc}）　"
                          f"买方：{header.buyer_name}（{header.buyer_code}）"), text),
        Paragraph(_escape(f"出运信息流水号：{shipment.shipment_serial}　发票号：{shipment.invoice_no}"),
                  heading),
        Paragraph("报关单数据", heading), _grid(_declaration_rows(shipment.declaration), quarter, cell),
        Spacer(1, 2 * mm),
        _grid(_goods_rows(shipment.declaration.goods),
              [width * s for s in (0.05, 0.1, 0.25, 0.11, 0.08, 0.1, 0.06, 0.13, 0.12)], cell,
              header=True),
        Paragraph("提运单数据", heading),
        _grid(_bill_rows(shipment.bill_of_lading, shipment.declaration.declaration_no),
              [width / 9] * 9, cell, header=True),
        Paragraph("原产地证数据", heading),
        _grid(_certificate_rows(shipment), [width / 7] * 7, cell, header=True),
        Spacer(1, 3 * mm),
        Paragraph(_escape(f"生成时间：{beijing(header.generated_at)}"), text),
    ]


def render(header: ReportHeader, sets: Sequence[ShipmentSet]) -> bytes:
    """The unsigned report: every shipment set from a new page."""
    if not sets:
        raise ValueError("a shipment report needs at least one shipment set")
    styles = _styles()
    story: list[Flowable] = []
    for index, shipment in enumerate(sets):
        if index:
            story.append(PageBreak())
        story.extend(_set_story(header, shipment, styles))
    buffer = io.BytesIO()
    document = _ReportDocument(buffer, pagesize=_PAGE, leftMargin=_MARGIN, rightMargin=_MARGIN,
                               topMargin=_MARGIN, bottomMargin=_MARGIN, title=TITLE,
                               author=header.enterprise_name, subject=header.claim_no,
                               pageCompression=1)
    document.build(story)
    return buffer.getvalue()


def render_signed(header: ReportHeader, sets: Sequence[ShipmentSet],
                  material: SigningMaterial) -> bytes:
    """The report sealed (PAdES) with the enterprise's seal: what the claim sends."""
    return sign_pdf(render(header, sets), material, reason=f"{TITLE} {header.claim_no}",
                    signer_name=header.enterprise_name)
