"""索赔申请 (§四 4.1 / 4.2, C-1 … C-12): one claim on one effective policy, from draft to review.

The enterprise fills in 买方信息, 银行信息, 案件信息, 出运信息 and 说明, generates the sealed
出运数据报告 from its shipment lines, uploads attachments, ticks the 索赔申明 and submits
(X-OUT-7 索赔申请). The insurer answers 审核通过, or 退回 with a reason and the account
manager to talk to (X-IN-5 索赔审核回执). A returned claim is corrected and submitted again
under the same claim number with a new business serial, so the insurer can tell the two
submissions apart and the enterprise keeps one claim. The rules live here; the portal,
the service layer and persistence ask them and restate none.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from adapter.domain.errors import (
    BusinessRuleViolation,
    FieldError,
    InvalidStateTransition,
    InvalidValue,
    NotFound,
)


class ClaimStatus(str, Enum):
    """索赔申请状态. 未提交 names the draft the manual leaves unnamed."""

    DRAFT = "未提交"
    SUBMITTED = "已提交"       # waiting for the insurer's review (待审核)
    APPROVED = "审核通过"
    RETURNED = "退回"


class ClaimEvent(str, Enum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


TRANSITIONS: dict[tuple[ClaimStatus, ClaimEvent], ClaimStatus] = {
    (ClaimStatus.DRAFT, ClaimEvent.SUBMITTED): ClaimStatus.SUBMITTED,
    (ClaimStatus.RETURNED, ClaimEvent.SUBMITTED): ClaimStatus.SUBMITTED,
    (ClaimStatus.SUBMITTED, ClaimEvent.APPROVED): ClaimStatus.APPROVED,
    (ClaimStatus.SUBMITTED, ClaimEvent.RETURNED): ClaimStatus.RETURNED,
}
# A draft and a returned claim may be edited; a submitted or approved one is the insurer's.
EDITABLE = frozenset({ClaimStatus.DRAFT, ClaimStatus.RETURNED})
STEP_ZH: dict[ClaimStatus, str] = {
    ClaimStatus.DRAFT: "企业创建索赔申请",
    ClaimStatus.SUBMITTED: "企业提交索赔申请，等待保险公司审核",
    ClaimStatus.APPROVED: "索赔申请审核通过",
    ClaimStatus.RETURNED: "索赔申请被退回",
}
# 索赔原因描述 and 案情说明: "不能少于20个汉字".
MIN_HAN = 20
DECLARATION_ZH = ("1、上述索赔信息及所附文件均真实无误，如存在故意骗赔或谎报，保险人可不予承担赔偿责任；"
                  "2、被保险人将履行保险单约定的各项义务，积极配合保险人做好理赔调查工作；")


class ReviewResult(str, Enum):
    APPROVED = "APPROVED"
    RETURNED = "RETURNED"

    @property
    def zh(self) -> str:
        return "审核通过" if self is ReviewResult.APPROVED else "退回"


# --- refusals ---------------------------------------------------------------------------------


class ClaimNotFound(NotFound):
    code = "E-CLAIM-NOT-FOUND"
    message_zh = "索赔申请不存在"


class PolicyNotFound(NotFound):
    """No effective policy of this enterprise under that number."""

    code = "E-CLAIM-POLICY-NOT-FOUND"
    message_zh = "生效保单不存在"


class ShipmentLineNotFound(NotFound):
    code = "E-SHIPMENT-LINE-NOT-FOUND"
    message_zh = "出运信息不存在"


class ClaimNotEditable(InvalidStateTransition):
    code = "E-CLAIM-NOT-EDITABLE"
    message_zh = "索赔申请状态为{status}，不能修改"


class ClaimStateRefused(InvalidStateTransition):
    code = "E-CLAIM-STATE"
    message_zh = "索赔申请状态为{status}，不能执行该操作"


class ClaimNeedsAgreement(InvalidStateTransition):
    code = "E-CLAIM-NEEDS-AGREEMENT"
    message_zh = "企业尚未签约成功，不能申请索赔"


class ClaimAmountAboveInvoice(InvalidValue):
    code = "E-CLAIM-AMOUNT-ABOVE-INVOICE"
    message_zh = "索赔金额不能大于发票金额"


class ShipmentDateOutsidePolicy(InvalidValue):
    code = "E-SHIPMENT-DATE-OUTSIDE-POLICY"
    message_zh = "出运日期应在保单有效期{start}至{end}之内"


class PaymentTermRange(InvalidValue):
    code = "E-PAYMENT-TERM-RANGE"
    message_zh = "支付期限应为1至{max_days}天"


class TooFewHanCharacters(InvalidValue):
    """Counted as the manual says: Han characters only (CJK ideographs); letters, digits,
    punctuation and spaces do not count."""

    code = "E-TEXT-TOO-FEW-HAN"
    message_zh = "{label}不能少于20个汉字（只计汉字，标点、字母、数字和空格不计），当前{count}个"


class BankRequired(InvalidValue):
    code = "E-CLAIM-BANK-REQUIRED"
    message_zh = "支付方式为{method}，必须填写{bank}信息"


class FinancingRequired(InvalidValue):
    code = "E-CLAIM-FINANCING-REQUIRED"
    message_zh = "已办理贸易融资，必须填写{missing}"


class ClaimSectionRequired(InvalidValue):
    code = "E-CLAIM-SECTION-REQUIRED"
    message_zh = "请填写{section}"


class ShipmentLinesRequired(InvalidValue):
    code = "E-CLAIM-SHIPMENTS-REQUIRED"
    message_zh = "请至少录入一条出运信息"


class TooManyLines(InvalidValue):
    code = "E-CLAIM-TOO-MANY-LINES"
    message_zh = "出运信息最多{max_lines}条"


class ReportMissing(InvalidValue):
    code = "E-CLAIM-REPORT-MISSING"
    message_zh = "提交索赔申请前，必须生成出运数据报告"


class ReportStale(InvalidValue):
    code = "E-CLAIM-REPORT-STALE"
    message_zh = "出运信息已修改，请重新生成出运数据报告"


class AttachmentsMissing(InvalidValue):
    code = "E-CLAIM-ATTACHMENTS-MISSING"
    message_zh = "请上传贸易单证和损失证明文件"


class ClaimDeclarationRequired(InvalidValue):
    code = "E-CLAIM-DECLARATION-REQUIRED"
    message_zh = "请勾选索赔申明"


class ClaimSubmissionIncomplete(InvalidValue):
    """The submit refusal: every missing piece, each as its own field error."""

    code = "E-CLAIM-INCOMPLETE"
    message_zh = "索赔申请信息不完整，不能提交"


class ClaimUnknown(BusinessRuleViolation):
    code = "E-CLAIM-UNKNOWN"
    message_zh = "索赔申请不存在"


class ClaimUsccMismatch(BusinessRuleViolation):
    code = "E-CLAIM-USCC-MISMATCH"
    message_zh = "统一社会信用代码与索赔申请不一致"


class ReviewIncomplete(BusinessRuleViolation):
    code = "E-CLAIM-REVIEW-INCOMPLETE"
    message_zh = "索赔审核回执缺少{missing}"


def next_status(current: ClaimStatus, event: ClaimEvent) -> ClaimStatus:
    """The one place that decides whether a claim may move."""
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise ClaimStateRefused(f"claim in {current.value} cannot take {event.value}",
                                status=current.value) from None


def han_count(text: str) -> int:
    """Han characters (Unicode CJK ideographs, any extension block), nothing else."""
    return sum(1 for char in text if unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH")
               or unicodedata.name(char, "").startswith("CJK COMPATIBILITY IDEOGRAPH"))


def require_han(text: str, label: str, path: str) -> str:
    count = han_count(text)
    if count < MIN_HAN:
        raise TooFewHanCharacters(f"{label}: {count} Han characters", path=path, label=label,
                                  count=count)
    return text


# --- the parts of a claim ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicyRef:
    """The effective policy claimed on: what the claim form shows read-only."""

    offer_no: str
    policy_no: str
    period_start: date
    period_end: date
    insurer_name: str
    insurer_code: str

    def covers(self, day: date) -> bool:
        return self.period_start <= day <= self.period_end


@dataclass(frozen=True, slots=True)
class Buyer:
    """买方代码 and 买方英文名称 as the insurer's buyer list gave them, and its country."""

    code: str
    name_en: str
    country: str


@dataclass(frozen=True, slots=True)
class Bank:
    """开证行 or 保兑行: SWIFT, English name, country (code list), English address."""

    swift: str
    name_en: str
    country: str
    address_en: str


@dataclass(frozen=True, slots=True)
class CaseQuestions:
    """案件信息: ticks only; trade financing brings the financing bank and amount."""

    trade_financing: bool
    trade_dispute: bool
    buyer_acknowledged_debt: bool
    legal_action_taken: bool
    financing_bank_swift: str | None = None
    financing_bank_name: str | None = None
    financing_amount: Decimal | None = None

    def refusals(self) -> list[FieldError]:
        if not self.trade_financing:
            return []
        missing = [(path, label) for path, label, value in (
            ("$.case.financing_bank_swift", "融资银行SWIFT码", self.financing_bank_swift),
            ("$.case.financing_bank_name", "融资银行名称", self.financing_bank_name),
            ("$.case.financing_amount", "融资金额", self.financing_amount)) if not value]
        return [FieldError.of(FinancingRequired("financing", path=path, missing=label))
                for path, label in missing]


@dataclass(frozen=True, slots=True)
class Explanation:
    """索赔原因及案情说明: 致损原因 (code list) and three texts."""

    loss_cause: str
    reason: str
    case_description: str
    mitigation: str


@dataclass(frozen=True, slots=True)
class ShipmentLine:
    """One set of 出运信息; ``line_id`` is the hub's and becomes the 出运信息流水号."""

    line_id: str
    invoice_no: str
    hs_code: str
    shipment_date: date
    payment_method: str
    payment_term_days: int
    invoice_amount: Decimal
    claim_amount: Decimal
    collection_status: str
    transport_mode: str
    declaration_no: str
    origin_certificate_no: str | None = None

    def canonical(self) -> dict[str, object]:
        """The fields as text, the form the report digest is taken of."""
        return {"line_id": self.line_id, "invoice_no": self.invoice_no, "hs_code": self.hs_code,
                "shipment_date": self.shipment_date.isoformat(),
                "payment_method": self.payment_method, "payment_term_days": self.payment_term_days,
                "invoice_amount": f"{self.invoice_amount:.2f}",
                "claim_amount": f"{self.claim_amount:.2f}",
                "collection_status": self.collection_status, "transport_mode": self.transport_mode,
                "declaration_no": self.declaration_no,
                "origin_certificate_no": self.origin_certificate_no}


def check_line(line: ShipmentLine, policy: PolicyRef, max_term_days: int, prefix: str = "$"
               ) -> list[FieldError]:
    """The rules across a line's fields: date in the policy period, claim ≤ invoice, term."""
    errors: list[FieldError] = []
    if not policy.covers(line.shipment_date):
        errors.append(FieldError.of(ShipmentDateOutsidePolicy(
            "shipment date outside policy", start=policy.period_start.isoformat(),
            end=policy.period_end.isoformat()), f"{prefix}.shipment_date"))
    if line.claim_amount > line.invoice_amount:
        errors.append(FieldError.of(ClaimAmountAboveInvoice("claim above invoice"),
                                    f"{prefix}.claim_amount"))
    if not 1 <= line.payment_term_days <= max_term_days:
        errors.append(FieldError.of(PaymentTermRange("term out of range", max_days=max_term_days),
                                    f"{prefix}.payment_term_days"))
    return errors


def lines_digest(lines: Sequence[ShipmentLine]) -> str:
    """SHA-256 of the lines' canonical JSON in line order: the report is fresh while equal."""
    canonical = [line.canonical() for line in sorted(lines, key=lambda line: line.line_id)]
    text = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ReportStamp:
    """The generated 出运数据报告: when, and the digest of the lines it was made from."""

    digest: str
    generated_at: datetime
    sha256: str


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    """What the claim document says of one attachment (the bytes travel separately)."""

    attachment_id: str
    name: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Review:
    """The insurer's latest review of the claim (X-IN-5)."""

    result: ReviewResult
    decided_at: datetime
    business_serial: str
    return_reason: str | None
    manager_name: str
    manager_contact: str


@dataclass(frozen=True, slots=True)
class ClaimReview:
    """X-IN-5 索赔审核回执: 审核通过, or 退回 with its reason; the account manager either way.
    ``business_serial`` names the submission reviewed."""

    claim_no: str
    business_serial: str
    uscc: str
    result: ReviewResult
    decided_at: datetime
    manager_name: str
    manager_contact: str
    return_reason: str | None = None

    @property
    def event(self) -> ClaimEvent:
        return ClaimEvent.APPROVED if self.result is ReviewResult.APPROVED else ClaimEvent.RETURNED

    def check_complete(self) -> None:
        if self.result is ReviewResult.RETURNED and not self.return_reason:
            raise ReviewIncomplete("RETURNED without ReturnReason", missing="退回原因",
                                   path="/ClaimReview/Body/ReturnReason")


@dataclass(frozen=True, slots=True)
class Move:
    before: ClaimStatus | None
    after: ClaimStatus


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str


# Which banks a payment method involves: (issuing, confirming), from the code list.
BankNeeds = Callable[[str], tuple[bool, bool]]


@dataclass(slots=True)
class Claim:
    """The aggregate: the form, its shipment lines, the report stamp, submissions, review."""

    claim_no: str
    uscc: str
    enterprise_name: str
    policy: PolicyRef
    status: ClaimStatus
    created_at: datetime
    updated_at: datetime
    created_by: str
    buyer: Buyer | None = None
    issuing_bank: Bank | None = None
    confirming_bank: Bank | None = None
    case: CaseQuestions | None = None
    explanation: Explanation | None = None
    lines: list[ShipmentLine] = field(default_factory=list)
    report: ReportStamp | None = None
    submissions: int = 0
    business_serial: str | None = None
    submitted_at: datetime | None = None
    submitted_by: str | None = None
    review: Review | None = None

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    def require_editable(self) -> None:
        if not self.editable:
            raise ClaimNotEditable(f"claim {self.claim_no} is {self.status.value}",
                                   status=self.status.value)

    @property
    def report_state(self) -> str:
        """missing, stale or fresh."""
        if self.report is None:
            return "missing"
        return "fresh" if self.report.digest == lines_digest(self.lines) else "stale"

    def line(self, line_id: str) -> ShipmentLine:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise ShipmentLineNotFound(f"line {line_id} of {self.claim_no}")

    def put_line(self, line: ShipmentLine, at: datetime) -> None:
        """保存: a new line is appended, an existing one replaced in place."""
        self.require_editable()
        self.lines = [line if old.line_id == line.line_id else old for old in self.lines]
        if line not in self.lines:
            self.lines.append(line)
        self.updated_at = at

    def remove_lines(self, line_ids: Sequence[str], at: datetime) -> None:
        """删除 one or more; every id must be one of this claim's."""
        self.require_editable()
        for line_id in line_ids:
            self.line(line_id)
        self.lines = [line for line in self.lines if line.line_id not in set(line_ids)]
        self.updated_at = at

    def stamp_report(self, stamp: ReportStamp) -> None:
        self.require_editable()
        self.report = stamp
        self.updated_at = stamp.generated_at

    def missing_pieces(self, *, attachments: int, declaration_accepted: bool,
                       bank_needs: BankNeeds, payment_name: Callable[[str], str]
                       ) -> list[FieldError]:
        """C-11: everything still missing, all at once, each named by its field."""
        errors: list[FieldError] = []
        for value, path, section in ((self.buyer, "$.buyer", "买方信息"),
                                     (self.case, "$.case", "案件信息"),
                                     (self.explanation, "$.explanation", "索赔原因及案情说明")):
            if value is None:
                errors.append(FieldError.of(ClaimSectionRequired("section", section=section), path))
        errors += self._bank_refusals(bank_needs, payment_name)
        if self.case is not None:
            errors += self.case.refusals()
        errors += self._text_refusals()
        if not self.lines:
            errors.append(FieldError.of(ShipmentLinesRequired("no lines"), "$.shipments"))
        elif self.report_state == "missing":
            errors.append(FieldError.of(ReportMissing("no report"), "$.shipment_report"))
        elif self.report_state == "stale":
            errors.append(FieldError.of(ReportStale("stale report"), "$.shipment_report"))
        if attachments == 0:
            errors.append(FieldError.of(AttachmentsMissing("no attachments"), "$.attachments"))
        if not declaration_accepted:
            errors.append(FieldError.of(ClaimDeclarationRequired("not ticked"),
                                        "$.declaration_accepted"))
        return errors

    def _bank_refusals(self, bank_needs: BankNeeds, payment_name: Callable[[str], str]
                       ) -> list[FieldError]:
        errors: list[FieldError] = []
        for line in self.lines:
            issuing, confirming = bank_needs(line.payment_method)
            for needed, bank, path, label in ((issuing, self.issuing_bank, "$.issuing_bank", "开证行"),
                                              (confirming, self.confirming_bank, "$.confirming_bank",
                                               "保兑行")):
                if needed and bank is None and path not in {e.field for e in errors}:
                    errors.append(FieldError.of(BankRequired(
                        "bank", method=payment_name(line.payment_method), bank=label), path))
        return errors

    def _text_refusals(self) -> list[FieldError]:
        if self.explanation is None:
            return []
        errors: list[FieldError] = []
        for text, label, path in ((self.explanation.reason, "索赔原因描述", "$.explanation.reason"),
                                  (self.explanation.case_description, "案情说明",
                                   "$.explanation.case_description")):
            try:
                require_han(text, label, path)
            except TooFewHanCharacters as refused:
                errors.append(FieldError.of(refused))
        return errors

    def submit(self, *, at: datetime, by: str) -> Move:
        """未提交 / 退回 → 已提交 under a new business serial (same claim number)."""
        before = self.status
        self.status = next_status(before, ClaimEvent.SUBMITTED)
        self.submissions += 1
        self.business_serial = f"{self.claim_no}-S{self.submissions:02d}"
        self.submitted_at, self.submitted_by, self.updated_at = at, by, at
        return Move(before, self.status)

    def check_review(self, review: ClaimReview) -> None:
        if review.uscc != self.uscc:
            raise ClaimUsccMismatch(f"claim {self.claim_no} belongs to another enterprise",
                                    path="/ClaimReview/Body/Uscc")

    def apply(self, review: ClaimReview) -> Move | Ignored:
        """A review moves only the submission it names, and only forward."""
        if review.business_serial != self.business_serial:
            return Ignored(f"审核回执针对提交{review.business_serial}，当前提交为"
                           f"{self.business_serial or '无'}，不改变状态")
        after = TRANSITIONS.get((self.status, review.event))
        if after is None:
            return Ignored(f"索赔申请状态为{self.status.value}，审核回执不改变状态")
        before = self.status
        self.status, self.updated_at = after, review.decided_at
        self.review = Review(review.result, review.decided_at, review.business_serial,
                             review.return_reason, review.manager_name, review.manager_contact)
        return Move(before, after)


def with_line_id(line: ShipmentLine, line_id: str) -> ShipmentLine:
    return replace(line, line_id=line_id)


@dataclass(frozen=True, slots=True)
class ClaimDocument:
    """X-OUT-7 索赔申请: the claim as submitted, the report's digest, each attachment."""

    claim: Claim
    enterprise_org_code: str | None
    report_sha256: str
    report_url: str
    attachments: tuple[AttachmentRef, ...]
    attachment_urls: tuple[str, ...]
    declaration_accepted: bool
