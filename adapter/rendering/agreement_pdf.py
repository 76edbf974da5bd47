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
        f"甲方签署时间：{sheet.signed_at:%Y-%m-%d %H:%M:%S} UTC",
        _insurer_line(sheet),
        f"协议状态：{sheet.status}",
    ]
    for line in lines:
        pdf.drawString(20 * mm, y, line)
        y -= _LINE
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _insurer_line(sheet: AgreementSheet) -> str:
    if sheet.insurer_stamped_at is None:
        return f"乙方签章：{INSURER_NAME}（待加盖电子签章）"
    return (f"乙方签章：{INSURER_NAME}电子签章 {sheet.insurer_seal_serial or ''} "
            f"于 {sheet.insurer_stamped_at:%Y-%m-%d %H:%M:%S} UTC 加盖")


def render_signed(sheet: AgreementSheet, material: SigningMaterial) -> bytes:
    return sign_pdf(render(sheet), material, reason=f"{TITLE} {sheet.agreement_no}",
                    signer_name=sheet.enterprise_name)
