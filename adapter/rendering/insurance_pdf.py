"""The insurance PDFs the hub draws (I-3, I-7): the application form (小微企业投保单), signed
with the enterprise's company seal like the agreement, and the policy (保险单) from the
insurer's receipt. The e-policy (电子保单) is the insurer's own PDF and is never redrawn.

Times are shown in Beijing time (Asia/Shanghai); the database keeps UTC.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from adapter.ports.seals import SigningMaterial
from adapter.rendering.agreement_pdf import _font
from adapter.rendering.pades import sign_pdf
from adapter.rendering.times import beijing

APPLICATION_TITLE = "小微企业投保单（申请）"
POLICY_TITLE = "保险单"
_LINE = 8 * mm


def _day(value: date | None) -> str:
    return f"{value:%Y年%m月%d日}" if value else ""


@dataclass(frozen=True, slots=True)
class ApplicationSheet:
    offer_no: str
    application_no: str | None
    insurer_name: str
    insurer_code: str
    enterprise_name: str
    uscc: str
    org_code: str
    product_name: str
    coverage_start: date
    coverage_end: date
    contact_name: str
    contact_mobile: str
    contact_email: str
    status: str
    submitted_at: datetime | None
    submitted_by: str | None


@dataclass(frozen=True, slots=True)
class PolicySheet:
    policy_no: str
    application_no: str
    insurer_name: str
    enterprise_name: str
    uscc: str
    product_name: str
    period_start: date | None
    period_end: date | None
    issued_at: datetime | None
    receipt_status: str
    acknowledged_at: datetime | None


def _page(title: str, lines: list[str], author: str) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(title)
    pdf.setAuthor(author)
    font = _font()
    width, height = A4
    pdf.setFont(font, 16)
    pdf.drawCentredString(width / 2, height - 28 * mm, title)
    pdf.setFont(font, 11)
    y = height - 45 * mm
    for line in lines:
        pdf.drawString(22 * mm, y, line)
        y -= _LINE
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def render_application(sheet: ApplicationSheet) -> bytes:
    """The unsigned application form: what the enterprise declares, as the screen shows it."""
    return _page(APPLICATION_TITLE, [
        f"投保单号：{sheet.application_no or '（提交后生成）'}    待确认保单号：{sheet.offer_no}",
        f"保险公司名称：{sheet.insurer_name}",
        f"保险机构编码：{sheet.insurer_code}",
        f"企业名称：{sheet.enterprise_name}",
        f"统一社会信用代码：{sheet.uscc}",
        f"组织机构代码：{sheet.org_code}",
        f"保险产品：{sheet.product_name}",
        f"保险期间：{_day(sheet.coverage_start)} 至 {_day(sheet.coverage_end)}",
        f"主要联系人姓名：{sheet.contact_name}",
        f"主要联系人手机：{sheet.contact_mobile}",
        f"主要联系人邮箱：{sheet.contact_email}",
        "投保声明：已认真阅读以上内容并同意" if sheet.submitted_at else "投保声明：尚未确认",
        f"投保状态：{sheet.status}",
        f"提交时间：{beijing(sheet.submitted_at)}    提交人：{sheet.submitted_by or ''}",
    ], sheet.enterprise_name)


def render_application_signed(sheet: ApplicationSheet, material: SigningMaterial | None) -> bytes:
    """Signed with the enterprise's company seal when it has a usable one."""
    pdf = render_application(sheet)
    if material is None:
        return pdf
    return sign_pdf(pdf, material, reason=f"{APPLICATION_TITLE} {sheet.offer_no}",
                    signer_name=sheet.enterprise_name)


def render_policy(sheet: PolicySheet) -> bytes:
    return _page(POLICY_TITLE, [
        f"保险单号：{sheet.policy_no}",
        f"投保单号：{sheet.application_no}",
        f"保险人：{sheet.insurer_name}",
        f"被保险人：{sheet.enterprise_name}",
        f"统一社会信用代码：{sheet.uscc}",
        f"保险产品：{sheet.product_name}",
        f"保险期间：{_day(sheet.period_start)} 至 {_day(sheet.period_end)}",
        f"签发时间：{beijing(sheet.issued_at)}",
        "保单状态：生效",
        f"收悉状态：{sheet.receipt_status}",
        f"收悉时间：{beijing(sheet.acknowledged_at)}",
    ], sheet.insurer_name)
