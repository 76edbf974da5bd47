"""小微投保 (§三 3.1): the insurer's pending policy, the enterprise's application, the receipt.

The insurer offers the small/micro policy (小微信保易) to an enterprise with a signed
agreement (X-IN-1 待确认保单). The enterprise fills in its contacts, confirms with an SMS
code and applies (X-OUT-4 投保申请); the insurer answers 生效 with the policy and its
e-policy, or 退回 with a reason (X-IN-4 投保受理结果); the enterprise acknowledges an
effective policy (X-OUT-5 收悉确认). One aggregate follows one offer through all of it,
so the five-step bar of the manual is read off one object.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from adapter.domain.agreement import Enterprise
from adapter.domain.errors import (
    BusinessRuleViolation,
    InvalidStateTransition,
    InvalidValue,
    NotFound,
)


class ApplicationStatus(str, Enum):
    """投保状态: the manual's words; 已撤回 and 已失效 name what the manual leaves unsaid."""

    PENDING = "待确认"          # a pending policy waits for the enterprise (查看待确认保单)
    SUBMITTED = "已投保"        # applied, waiting for the insurer's review
    EFFECTIVE = "生效"
    RETURNED = "退回"
    WITHDRAWN = "已撤回"        # the insurer took the offer back before anyone applied
    SUPERSEDED = "已失效"       # a newer offer replaced this one before anyone applied


class ReceiptStatus(str, Enum):
    """收悉状态 of an effective policy."""

    AWAITING = "待收悉"
    RECEIVED = "已收悉"


class ApplicationEvent(str, Enum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"


TRANSITIONS: dict[tuple[ApplicationStatus, ApplicationEvent], ApplicationStatus] = {
    (ApplicationStatus.PENDING, ApplicationEvent.SUBMITTED): ApplicationStatus.SUBMITTED,
    (ApplicationStatus.SUBMITTED, ApplicationEvent.ACCEPTED): ApplicationStatus.EFFECTIVE,
    (ApplicationStatus.SUBMITTED, ApplicationEvent.RETURNED): ApplicationStatus.RETURNED,
    (ApplicationStatus.PENDING, ApplicationEvent.WITHDRAWN): ApplicationStatus.WITHDRAWN,
    (ApplicationStatus.PENDING, ApplicationEvent.SUPERSEDED): ApplicationStatus.SUPERSEDED,
}
# Offers the enterprise can still act on or is waiting for: at most one such per enterprise.
OPEN = frozenset({ApplicationStatus.PENDING, ApplicationStatus.SUBMITTED})

# The five-step bar (§三 3.1), in order; an application is "at" the first step not yet done.
STEPS: tuple[str, ...] = ("查看待确认保单", "提交投保申请", "查看保单受理结果", "收悉确认", "完成")
# How the process view tells that an application reached a state.
STEP_ZH: dict[ApplicationStatus | ReceiptStatus, str] = {
    ApplicationStatus.PENDING: "收到待确认保单",
    ApplicationStatus.SUBMITTED: "企业提交投保申请，等待保险公司审核",
    ApplicationStatus.EFFECTIVE: "保单生效",
    ApplicationStatus.RETURNED: "投保申请退回",
    ApplicationStatus.WITHDRAWN: "保险公司撤回待确认保单",
    ApplicationStatus.SUPERSEDED: "待确认保单已被新的保单替代",
    ReceiptStatus.AWAITING: ReceiptStatus.AWAITING.value,
    ReceiptStatus.RECEIVED: "企业已确认收悉",
}
PRODUCT_NAME = "小微信保易"


class OfferAction(str, Enum):
    OFFER = "OFFER"
    WITHDRAW = "WITHDRAW"


class ReceiptResult(str, Enum):
    EFFECTIVE = "EFFECTIVE"
    RETURNED = "RETURNED"


# --- refusals ---------------------------------------------------------------------------------


class ApplicationNotFound(NotFound):
    code = "E-APPLICATION-NOT-FOUND"
    message_zh = "投保申请不存在"


class ApplicationStateRefused(InvalidStateTransition):
    code = "E-APPLICATION-STATE"
    message_zh = "投保状态为{status}，不能执行该操作"


class ReceiptStateRefused(InvalidStateTransition):
    code = "E-POLICY-RECEIPT-STATE"
    message_zh = "保单收悉状态为{status}，不能执行收悉确认"


class ApplicationNeedsAgreement(InvalidStateTransition):
    code = "E-APPLICATION-NEEDS-AGREEMENT"
    message_zh = "企业尚未签约成功，不能投保"


class DeclarationRequired(InvalidValue):
    code = "E-DECLARATION-REQUIRED"
    message_zh = "请勾选“已认真阅读以上内容并同意”"


class OfferNeedsAgreement(BusinessRuleViolation):
    """A pending policy for an enterprise whose agreement is not 签约成功."""

    code = "E-OFFER-NO-AGREEMENT"
    message_zh = "企业未签约成功，不能接收待确认保单"


class OfferOpenExists(BusinessRuleViolation):
    """A second offer while the first is still open, without saying it replaces it."""

    code = "E-OFFER-OPEN-EXISTS"
    message_zh = "企业已有未完成的待确认保单，新保单须注明所替代的保单"


class OfferInApplication(BusinessRuleViolation):
    """The enterprise applied already: the insurer answers with a receipt, not a withdrawal."""

    code = "E-OFFER-IN-APPLICATION"
    message_zh = "企业已提交投保申请，请通过受理结果退回，不能撤回或替代"


class OfferUnknown(BusinessRuleViolation):
    code = "E-OFFER-UNKNOWN"
    message_zh = "待确认保单不存在"


class ApplicationUnknown(BusinessRuleViolation):
    """A receipt names an offer the hub never received."""

    code = "E-APPLICATION-UNKNOWN"
    message_zh = "投保申请不存在"


class OfferUsccMismatch(BusinessRuleViolation):
    code = "E-OFFER-USCC-MISMATCH"
    message_zh = "统一社会信用代码与待确认保单不一致"


class ReceiptIncomplete(BusinessRuleViolation):
    """生效 without its policy, or 退回 without a reason."""

    code = "E-RECEIPT-INCOMPLETE"
    message_zh = "受理结果缺少{missing}"


def next_status(current: ApplicationStatus, event: ApplicationEvent) -> ApplicationStatus:
    """The one place that decides whether an application may move; states never go back."""
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise ApplicationStateRefused(f"application in {current.value} cannot take {event.value}",
                                      status=current.value) from None


# --- documents --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Insurer:
    name: str
    code: str


@dataclass(frozen=True, slots=True)
class PolicyOffer:
    """X-IN-1 待确认保单: what the application form shows read-only, and the offer itself.

    ``supersedes`` names an earlier open offer this one replaces; ``WITHDRAW`` takes the
    offer back (with ``reason``).
    """

    offer_no: str
    action: OfferAction
    enterprise: Enterprise
    insurer: Insurer
    product_code: str
    product_name: str
    coverage_start: date
    coverage_end: date
    offered_at: datetime
    max_liability: Decimal | None = None
    currency: str | None = None
    supersedes: str | None = None
    reason: str | None = None

    @property
    def uscc(self) -> str:
        return self.enterprise.uscc


@dataclass(frozen=True, slots=True)
class Contact:
    """主要联系人: name, mobile and e-mail, as the enterprise typed them (checked at the edge)."""

    name: str
    mobile: str
    email: str


@dataclass(frozen=True, slots=True)
class ApplicationForm:
    """X-OUT-4 投保申请: the offer's fields, the contact, the declaration, who submitted it."""

    application_no: str
    offer_no: str
    enterprise: Enterprise
    insurer: Insurer
    product_code: str
    product_name: str
    coverage_start: date
    coverage_end: date
    contact: Contact
    declaration_accepted: bool
    submitted_by: str
    card_type: str
    submitted_at: datetime
    sms_verified_at: datetime
    document: bytes | None = None


@dataclass(frozen=True, slots=True)
class IssuedPolicy:
    """The policy an effective receipt carries; ``e_policy`` is the insurer's PDF."""

    policy_no: str
    period_start: date
    period_end: date
    issued_at: datetime
    e_policy: bytes


@dataclass(frozen=True, slots=True)
class ApplicationReceipt:
    """X-IN-4 投保受理结果: 生效 with the policy, or 退回 with a reason."""

    offer_no: str
    application_no: str
    uscc: str
    result: ReceiptResult
    decided_at: datetime
    policy: IssuedPolicy | None = None
    return_reason: str | None = None

    @property
    def event(self) -> ApplicationEvent:
        if self.result is ReceiptResult.EFFECTIVE:
            return ApplicationEvent.ACCEPTED
        return ApplicationEvent.RETURNED

    def check_complete(self) -> None:
        """生效 needs the policy, 退回 its reason; the field is named for the partner."""
        if self.result is ReceiptResult.EFFECTIVE and self.policy is None:
            raise ReceiptIncomplete("EFFECTIVE without Policy", missing="保单信息",
                                    path="/ApplicationReceipt/Body/Policy")
        if self.result is ReceiptResult.RETURNED and not self.return_reason:
            raise ReceiptIncomplete("RETURNED without ReturnReason", missing="退回原因",
                                    path="/ApplicationReceipt/Body/ReturnReason")


@dataclass(frozen=True, slots=True)
class ReceiptAcknowledgement:
    """X-OUT-5 收悉确认: the enterprise has received its effective policy."""

    policy_no: str
    offer_no: str
    application_no: str
    uscc: str
    acknowledged_by: str
    acknowledged_at: datetime


# --- the aggregate ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Move:
    """A change that happened, of the 投保状态 or of the 收悉状态 (``before`` None: new)."""

    before: ApplicationStatus | ReceiptStatus | None
    after: ApplicationStatus | ReceiptStatus


@dataclass(frozen=True, slots=True)
class Ignored:
    """A receipt or offer that changes nothing, and the sentence the timeline keeps."""

    reason: str


@dataclass(slots=True)
class Submission:
    application_no: str
    contact: Contact
    submitted_at: datetime
    submitted_by: str
    card_type: str


@dataclass(slots=True)
class InsuranceApplication:
    """The aggregate: one offer, the application made on it, and the policy it became.

    Every change goes through a method here, which asks the transition table.
    """

    offer: PolicyOffer
    status: ApplicationStatus
    updated_at: datetime
    submission: Submission | None = None
    decided_at: datetime | None = None
    return_reason: str | None = None
    policy_no: str | None = None
    policy_start: date | None = None
    policy_end: date | None = None
    policy_issued_at: datetime | None = None
    receipt_status: ReceiptStatus | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None

    @classmethod
    def offered(cls, offer: PolicyOffer) -> InsuranceApplication:
        """A new pending policy starts at 待确认."""
        return cls(offer, ApplicationStatus.PENDING, offer.offered_at)

    @property
    def offer_no(self) -> str:
        return self.offer.offer_no

    @property
    def uscc(self) -> str:
        return self.offer.uscc

    @property
    def application_no(self) -> str | None:
        return self.submission.application_no if self.submission else None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def step(self) -> int:
        """Which of the five steps (1 … 5) the bar shows as current."""
        if self.status is ApplicationStatus.PENDING:
            return 1
        if self.status is ApplicationStatus.EFFECTIVE:
            return 5 if self.receipt_status is ReceiptStatus.RECEIVED else 4
        return 3

    @property
    def can_apply(self) -> bool:
        return (self.status, ApplicationEvent.SUBMITTED) in TRANSITIONS

    @property
    def can_acknowledge(self) -> bool:
        return self.receipt_status is ReceiptStatus.AWAITING

    def require_pending(self) -> None:
        """The application form and the SMS code exist only while the offer waits."""
        next_status(self.status, ApplicationEvent.SUBMITTED)

    def submit(self, submission: Submission) -> Move:
        """I-4: 待确认 → 已投保."""
        before = self.status
        self.status = next_status(before, ApplicationEvent.SUBMITTED)
        self.submission = submission
        self.updated_at = submission.submitted_at
        return Move(before, self.status)

    def close(self, event: ApplicationEvent, at: datetime) -> Move:
        """The insurer withdraws the offer, or a newer offer supersedes it."""
        before = self.status
        self.status = next_status(before, event)
        self.updated_at = at
        return Move(before, self.status)

    def check_receipt(self, receipt: ApplicationReceipt) -> None:
        """A receipt naming another enterprise's application is refused, naming the field."""
        if self.uscc != receipt.uscc:
            raise OfferUsccMismatch(f"offer {self.offer_no} belongs to another enterprise",
                                    path="/ApplicationReceipt/Body/Uscc")

    def apply(self, receipt: ApplicationReceipt) -> list[Move] | Ignored:
        """The receipt's moves, or why it changes nothing (not applied yet, repeated, late)."""
        if self.status is ApplicationStatus.PENDING:
            return Ignored("投保申请尚未提交，受理结果不改变状态")
        if receipt.application_no != self.application_no:
            return Ignored(f"投保单号{receipt.application_no}与本申请不一致，受理结果不改变状态")
        after = TRANSITIONS.get((self.status, receipt.event))
        if after is None:
            return Ignored(f"投保状态为{self.status.value}，受理结果不改变状态")
        moves = [Move(self.status, after)]
        self.status, self.updated_at, self.decided_at = after, receipt.decided_at, receipt.decided_at
        if receipt.policy is not None and after is ApplicationStatus.EFFECTIVE:
            policy = receipt.policy
            self.policy_no, self.policy_issued_at = policy.policy_no, policy.issued_at
            self.policy_start, self.policy_end = policy.period_start, policy.period_end
            self.receipt_status = ReceiptStatus.AWAITING
            moves.append(Move(None, ReceiptStatus.AWAITING))
        if after is ApplicationStatus.RETURNED:
            self.return_reason = receipt.return_reason
        return moves

    def acknowledge(self, *, at: datetime, by: str) -> Move:
        """I-6 收悉: 待收悉 → 已收悉 (the state changes as X-OUT-5 is queued)."""
        if self.receipt_status is not ReceiptStatus.AWAITING:
            shown = self.receipt_status.value if self.receipt_status else self.status.value
            raise ReceiptStateRefused(f"receipt status {shown}", status=shown)
        self.receipt_status = ReceiptStatus.RECEIVED
        self.acknowledged_at, self.acknowledged_by, self.updated_at = at, by, at
        return Move(ReceiptStatus.AWAITING, ReceiptStatus.RECEIVED)


def require_declaration(accepted: bool) -> None:
    if not accepted:
        raise DeclarationRequired("declaration not accepted", path="$.declaration_accepted")


def offer_decision(offer: PolicyOffer, existing: InsuranceApplication | None,
                   open_offer: InsuranceApplication | None) -> Ignored | None:
    """What a new OFFER does, given the same number's row and the enterprise's open offer.

    None: store it (and supersede ``open_offer`` if it names it); Ignored: a repeat; a
    refusal is raised. The caller has checked the signed agreement.
    """
    if existing is not None:
        if existing.uscc != offer.uscc:
            raise OfferUsccMismatch(f"offer {offer.offer_no} belongs to another enterprise",
                                    path="/PendingPolicy/Body/Enterprise/Uscc")
        return Ignored(f"待确认保单{offer.offer_no}重复发送，状态保持{existing.status.value}")
    if open_offer is None:
        return None
    if offer.supersedes != open_offer.offer_no:
        raise OfferOpenExists(f"{offer.uscc} has open offer {open_offer.offer_no}",
                              path="/PendingPolicy/Body/Supersedes")
    if open_offer.status is not ApplicationStatus.PENDING:
        raise OfferInApplication(f"offer {open_offer.offer_no} is {open_offer.status.value}",
                                 path="/PendingPolicy/Body/Supersedes")
    return None


def withdrawal_decision(offer: PolicyOffer, existing: InsuranceApplication | None) -> Ignored | None:
    """What a WITHDRAW does: None withdraws the pending offer; Ignored when already closed."""
    if existing is None:
        raise OfferUnknown(f"no offer {offer.offer_no}", path="/PendingPolicy/Body/OfferNo")
    if existing.uscc != offer.uscc:
        raise OfferUsccMismatch(f"offer {offer.offer_no} belongs to another enterprise",
                                path="/PendingPolicy/Body/Enterprise/Uscc")
    if existing.status is ApplicationStatus.SUBMITTED:
        raise OfferInApplication(f"offer {offer.offer_no} has an application",
                                 path="/PendingPolicy/Body/Action")
    if existing.status is not ApplicationStatus.PENDING:
        return Ignored(f"待确认保单状态为{existing.status.value}，撤回不改变状态")
    return None
