"""The e-policy (电子保单) the insurer issues with an accepted application: a real PDF.

Drawn with reportlab in Chinese (the Adobe-GB1 ``STSong-Light`` CID font every reader
has), with ``invariant`` output so the same policy gives the same bytes (the contract
tests keep it as an example).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
TITLE = "电子保单"
INSURER_NAME = "中国出口信用保险公司"


@dataclass(frozen=True)
class PolicyFacts:
    policy_no: str
    enterprise_name: str
    uscc: str
    product_name: str
    period_start: date
    period_end: date
    issued_at: datetime
    application_no: str


def render(facts: PolicyFacts) -> bytes:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(f"{TITLE} {facts.policy_no}")
    width, height = A4
    pdf.setFont(FONT, 16)
    pdf.drawCentredString(width / 2, height - 30 * mm, f"{INSURER_NAME} {TITLE}")
    pdf.setFont(FONT, 11)
    lines = [
        f"保险单号：{facts.policy_no}",
        f"投保单号：{facts.application_no}",
        f"被保险人：{facts.enterprise_name}",
        f"统一社会信用代码：{facts.uscc}",
        f"保险产品：{facts.product_name}",
        f"保险期间：{facts.period_start:%Y年%m月%d日} 至 {facts.period_end:%Y年%m月%d日}",
        f"签发时间：{facts.issued_at.astimezone(BEIJING):%Y-%m-%d %H:%M:%S}（北京时间）",
        "本电子保单与纸质保单具有同等效力。",
    ]
    y = height - 50 * mm
    for line in lines:
        pdf.drawString(25 * mm, y, line)
        y -= 9 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
