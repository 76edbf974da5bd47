"""C-8: the 出运数据报告 drawn from the customs data of each shipment set: one page per set,
readable text, the enterprise's PAdES seal valid, and other bytes when a line changes."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from datetime import UTC, datetime

from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from adapter.domain.declaration_check import GoodsLine
from adapter.ports.customs import DemoCustomsData
from adapter.ports.seals import DemoSealRegistry
from adapter.rendering.shipment_report_pdf import (
    GOODS_COLUMNS,
    STATEMENT,
    TITLE,
    ReportHeader,
    ShipmentSet,
    render,
    render_signed,
)

USCC = "91350200MA2Y0Q1X9G"
NAME = "厦门鹭江外贸有限公司"
CUSTOMS = DemoCustomsData()
HEADER = ReportHeader("CL-20260901-0001", "POL-PP-DEMO-0001", NAME, USCC, "B-USA-000123",
                      "PACIFIC HOME GOODS & CO. <INC>", datetime(2026, 9, 1, 1, 39, tzinfo=UTC))


def shipment_sets(count: int) -> list[ShipmentSet]:
    """The first demo declarations of the enterprise, each with its bill and certificate."""
    sets = []
    for n, record in enumerate(CUSTOMS.declarations_of(USCC)[:count], 1):
        declaration = CUSTOMS.declaration(USCC, record.number)
        assert declaration is not None
        certificate_no = CUSTOMS.certificate_for(USCC, record.number)
        sets.append(ShipmentSet(
            f"2026090100000000000{n}", f"INV-2026-00{n}", declaration,
            CUSTOMS.bill_of_lading(USCC, declaration.bill_of_lading_no),
            CUSTOMS.certificate_of_origin(USCC, certificate_no) if certificate_no else None,
            certificate_no))
    return sets


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def seal_material(seals: DemoSealRegistry):
    usable = next(s for s in seals.seals_of(USCC) if s.refusal(datetime.now(UTC).date()) is None)
    return seals.material(USCC, usable.seal_id)


def test_every_shipment_set_has_its_own_page_with_its_documents() -> None:
    sets = shipment_sets(3)
    pages = page_texts(render(HEADER, sets))
    assert len(pages) == 3
    for text, shipment in zip(pages, sets):
        declaration = shipment.declaration
        assert TITLE in text and STATEMENT[:20] in text
        assert f"出运信息流水号：{shipment.shipment_serial}" in text
        assert f"发票号：{shipment.invoice_no}" in text
        assert "索赔编号：CL-20260901-0001" in text and "保单号：POL-PP-DEMO-0001" in text
        assert "PACIFIC HOME GOODS & CO. <INC>" in text  # markup in a name prints as itself
        assert declaration.declaration_no in text
        assert f"{declaration.exit_port}({declaration.exit_port_code})" in text
        for column in GOODS_COLUMNS:
            assert column in text
        for goods in declaration.goods:
            assert goods.hs_code in text and goods.name_and_spec in text
            assert str(goods.total_price) in text
        assert shipment.bill_of_lading is not None
        assert shipment.bill_of_lading.bill_no in text and shipment.bill_of_lading.vessel in text
        if shipment.certificate is not None:
            assert shipment.certificate.certificate_no in text
        else:
            assert "未填写原产地证书号" in text
        # no page shows another set's serial
        others = [s.shipment_serial for s in sets if s is not shipment]
        assert not any(f"流水号：{serial}" in text for serial in others)
        assert "2026-09-01 09:39:00（北京时间）" in text


def test_a_set_whose_goods_run_over_a_page_keeps_its_serial_on_each_page() -> None:
    [shipment] = shipment_sets(1)
    goods = tuple(dataclasses.replace(shipment.declaration.goods[0], item_no=n,
                                      name_and_spec=f"商品{n:03d} 规格型号") for n in range(1, 61))
    long_set = dataclasses.replace(shipment, declaration=dataclasses.replace(
        shipment.declaration, goods=goods))
    pages = page_texts(render(HEADER, [long_set, *shipment_sets(2)[1:]]))
    assert len(pages) >= 3
    assert all(f"出运信息流水号：{long_set.shipment_serial}" in text for text in pages[:-1])
    assert "商品060" in "".join(pages[:-1]) and "商品060" not in pages[-1]


def test_missing_documents_read_as_the_manual_says() -> None:
    [shipment] = shipment_sets(1)
    bare = dataclasses.replace(shipment, bill_of_lading=None, certificate=None,
                               certificate_no="C2637010000099")
    [text] = page_texts(render(HEADER, [bare]))
    assert text.replace("\n", "").count("未查询到符合条件的数据") == 2 and "C2637010000099" in text


async def test_the_seal_validates_and_a_changed_line_changes_the_bytes() -> None:
    seals = DemoSealRegistry({USCC: NAME})
    sets = shipment_sets(2)
    # pyHanko's signer runs its own event loop: off the running one, as the hub calls it
    pdf = await asyncio.to_thread(render_signed, HEADER, sets, seal_material(seals))
    roots = [x509.Certificate.load(der) for der in seals.trust_roots_der()]
    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = await async_validate_pdf_signature(signature, ValidationContext(trust_roots=roots))
    assert status.bottom_line and status.intact and status.trusted
    assert signature.sig_object["/Reason"] == f"{TITLE} {HEADER.claim_no}"
    assert len(page_texts(pdf)) == 2

    first = sets[0]
    changed_goods = (dataclasses.replace(first.declaration.goods[0], name_and_spec="瓷餐具 汤碗"),
                     *first.declaration.goods[1:])
    changed = [dataclasses.replace(first, invoice_no="INV-2026-099", declaration=dataclasses.replace(
        first.declaration, goods=changed_goods)), sets[1]]
    again = await asyncio.to_thread(render_signed, HEADER, changed, seal_material(seals))
    assert again != pdf
    texts = page_texts(again)
    assert "发票号：INV-2026-099" in texts[0] and "瓷餐具 汤碗" in texts[0]
    assert page_texts(render(HEADER, changed)) != page_texts(render(HEADER, sets))


def test_goods_lines_print_their_figures_exactly() -> None:
    [shipment] = shipment_sets(1)
    line = GoodsLine(1, "9403600000", "木制家具 餐桌", shipment.declaration.goods[0].quantity, "件",
                     shipment.declaration.goods[0].unit_price, shipment.declaration.goods[0].total_price,
                     "美元", shipment.declaration.goods[0].legal_quantity, "千克", "中国")
    one = dataclasses.replace(shipment, declaration=dataclasses.replace(shipment.declaration, goods=(line,)))
    [text] = page_texts(render(HEADER, [one]))
    assert f"{line.unit_price}" in text and f"{line.legal_quantity} 千克" in text
