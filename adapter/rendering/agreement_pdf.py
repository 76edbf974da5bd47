"""The agreement as a PDF (A-2): the three parties, the text, the seals; signed as PAdES.

reportlab draws it with a CJK font (the Adobe-GB1 ``STSong-Light`` CID font, which every
PDF reader has), pyHanko signs it with the enterprise's seal certificate so that a
verifier sees a valid signature.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from adapter.ports.seals import SigningMaterial
from adapter.rendering.agreement_text import CLAUSES, DATA_CENTRE_NAME, INSURER_NAME, TITLE
from adapter.rendering.pades import sign_pdf
from adapter.rendering.times import beijing

FONT = "STSong-Light"
_LINE = 7 * mm


@dataclass(frozen=True, slots=True)
class AgreementSheet:
    agreement_no: str
    enterprise_name: str
    uscc: str
    signer_name: str
    seal_name: str
    signed_at: datetime
    status: str
    insurer_stamped_at: datetime | None = None
    insurer_seal_serial: str | None = None


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _wrap(text: str, width: int = 38) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def render(sheet: AgreementSheet) -> bytes:
    """Draw the unsigned PDF."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(TITLE)
    pdf.setAuthor(sheet.enterprise_name)
    font = _font()
    width, height = A4
    y = height - 25 * mm
    pdf.setFont(font, 15)
    pdf.drawCentredString(width / 2, y, TITLE)
    y -= 2 * _LINE
    pdf.setFont(font, 10.5)
    lines = [
        f"协议编号：{sheet.agreement_no}",
        f"甲方（企业）：{sheet.enterprise_name}  统一社会信用代码：{sheet.uscc}",
        f"乙方（保险公司）：{INSURER_NAME}",
        f"丙方（数据中心）：{DATA_CENTRE_NAME}",
        "",
        *[line for clause in CLAUSES for line in _wrap(clause)],
        "",
        f"甲方签章：{sheet.seal_name}    签署人：{sheet.signer_name}",
        f"甲方签署时间：{beijing(sheet.signed_at)}",
        _insurer_line(sheet),
        f"协议状态：{sheet.status}",
    ]
    for line in lines:
        pdf.drawString(20 * mm, y, line)
        y -= _LINE
    _seal(pdf, 55 * mm, y - 22 * mm, sheet.enterprise_name, f"{sheet.seal_name}")
    if sheet.insurer_stamped_at is not None:
        _seal(pdf, 130 * mm, y - 22 * mm, INSURER_NAME, "电子签章")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _seal(pdf: canvas.Canvas, x: float, y: float, name: str, label: str) -> None:
    """A round red seal: the party's name along the rim, a star, the seal's label below."""
    radius = 20 * mm
    pdf.saveState()
    pdf.setStrokeColorRGB(0.8, 0.1, 0.1)
    pdf.setFillColorRGB(0.8, 0.1, 0.1)
    pdf.setLineWidth(1.5)
    pdf.circle(x, y, radius, stroke=1, fill=0)
    pdf.setFont(_font(), 7)
    characters = name[:16]
    sweep = 220.0
    for index, character in enumerate(characters):
        angle = 90 + sweep / 2 - index * sweep / max(len(characters) - 1, 1)
        pdf.saveState()
        pdf.translate(x, y)
        pdf.rotate(angle - 90)
        pdf.drawCentredString(0, radius - 3.2 * mm, character)
        pdf.restoreState()
    pdf.setFont(_font(), 14)
    pdf.drawCentredString(x, y - 2 * mm, "★")
    pdf.setFont(_font(), 6)
    pdf.drawCentredString(x, y - 9 * mm, label[-12:])
    pdf.restoreState()


def _insurer_line(sheet: AgreementSheet) -> str:
    if sheet.insurer_stamped_at is None:
        return f"乙方签章：{INSURER_NAME}（待加盖电子签章）"
    return (f"乙方签章：{INSURER_NAME}电子签章 {sheet.insurer_seal_serial or ''} "
            f"于 {beijing(sheet.insurer_stamped_at)} 加盖")


def render_signed(sheet: AgreementSheet, material: SigningMaterial) -> bytes:
    return sign_pdf(render(sheet), material, reason=f"{TITLE} {sheet.agreement_no}",
                    signer_name=sheet.enterprise_name)
