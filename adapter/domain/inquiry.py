"""投保咨询 (§三 3.2): the enterprise's inquiry (X-OUT-6 询保申请) and the insurer's reply
(X-IN-7 询保反馈).

An inquiry is a form the enterprise fills in once: the hub gives it its serial number, sends
it, and from then on it is read-only. The insurer answers it once; the list shows each
inquiry with its status (申请状态) and the answer. One aggregate follows one serial number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from adapter.domain.errors import BusinessRuleViolation, InvalidValue, NotFound
from adapter.domain.insurance import Contact, Ignored


class InquiryStatus(str, Enum):
    """申请状态: 已提交 is the manual's word; 已反馈 (询保反馈 received) names what it leaves unsaid."""

    SUBMITTED = "已提交"
    ANSWERED = "已反馈"


class InquiryContent(str, Enum):
    """询保内容, the codes of the ``inquiry-contents`` code list (我要投保 is the default)."""

    INSURE = "INSURE"
    BUYER_CREDIT = "BUYER-CREDIT"
    OTHER = "OTHER"


STEP_ZH: dict[InquiryStatus, str] = {
    InquiryStatus.SUBMITTED: "企业提交询保申请",
    InquiryStatus.ANSWERED: "保险公司已反馈",
}


# --- refusals ---------------------------------------------------------------------------------


class InquiryNotFound(NotFound):
    code = "E-INQUIRY-NOT-FOUND"
    message_zh = "询保申请不存在"


class OtherNeedsRequired(InvalidValue):
    """我有其他需求 ticked with the 其他需求 box left empty: nothing for the insurer to answer."""

    code = "E-INQUIRY-OTHER-NEEDS-REQUIRED"
    message_zh = "询保内容为“我有其他需求”时，请填写其他需求"


class InquiryUnknown(BusinessRuleViolation):
    """A reply naming a serial number the hub never sent."""

    code = "E-INQUIRY-UNKNOWN"
    message_zh = "询保申请不存在"


class InquiryUsccMismatch(BusinessRuleViolation):
    """A reply naming another enterprise's inquiry."""

    code = "E-INQUIRY-USCC-MISMATCH"
    message_zh = "统一社会信用代码与询保申请不一致"


# --- documents --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Division:
    """One step of the 省/市 —— 市 —— 区 cascade: the GB/T 2260 code and its name."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class RegisteredAddress:
    """注册地址: province, city and district (city or district absent only where GB/T 2260
    has none under the step above), and the 详细地址."""

    province: Division
    city: Division | None
    district: Division | None
    detail: str

    @property
    def reads(self) -> str:
        """The address as a person writes it: 福建省 厦门市 思明区 湖滨北路 …"""
        steps = [d.name for d in (self.province, self.city, self.district) if d is not None]
        return " ".join([*steps, self.detail])


@dataclass(frozen=True, slots=True)
class InquiryForm:
    """X-OUT-6 询保申请: the §3.2 form as submitted, with who submitted it."""

    serial_no: str
    insurer_name: str
    company_name: str
    uscc: str
    address: RegisteredAddress
    contact: Contact
    content: InquiryContent
    other_needs: str | None
    submitted_by: str
    card_type: str
    submitted_at: datetime


@dataclass(frozen=True, slots=True)
class InquiryReply:
    """X-IN-7 询保反馈: the insurer's answer, and who there follows it up."""

    serial_no: str
    uscc: str
    replied_at: datetime
    reply: str
    handler: str | None = None
    handler_contact: str | None = None


def require_other_needs(content: InquiryContent, other_needs: str | None) -> None:
    """The code list marks 我有其他需求 ``needs_detail``: its box must say what is needed."""
    if content is InquiryContent.OTHER and not (other_needs or "").strip():
        raise OtherNeedsRequired("OTHER without other_needs", path="$.other_needs")


# --- the aggregate ----------------------------------------------------------------------------


@dataclass(slots=True)
class Inquiry:
    """One inquiry: the form (never changed after submit) and, once it came, the reply."""

    form: InquiryForm
    status: InquiryStatus
    reply: InquiryReply | None = None

    @classmethod
    def submitted(cls, form: InquiryForm) -> Inquiry:
        return cls(form, InquiryStatus.SUBMITTED)

    @property
    def serial_no(self) -> str:
        return self.form.serial_no

    @property
    def uscc(self) -> str:
        return self.form.uscc

    def check_reply(self, reply: InquiryReply) -> None:
        """A reply naming another enterprise's inquiry is refused, naming the field."""
        if reply.uscc != self.uscc:
            raise InquiryUsccMismatch(f"inquiry {self.serial_no} belongs to another enterprise",
                                      path="/InquiryReply/Body/Uscc")

    def answer(self, reply: InquiryReply) -> InquiryStatus | Ignored:
        """已提交 → 已反馈 with the reply kept; a second reply changes nothing (the first
        one is what the enterprise has read)."""
        if self.status is InquiryStatus.ANSWERED:
            return Ignored("询保申请已反馈，重复的反馈不改变状态")
        self.status, self.reply = InquiryStatus.ANSWERED, reply
        return self.status
