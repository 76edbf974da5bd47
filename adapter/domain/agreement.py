"""The tripartite service agreement (§二 2.1): its states, their allowed moves, its documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from adapter.domain.errors import (
    BusinessRuleViolation,
    Conflict,
    Forbidden,
    InvalidStateTransition,
    InvalidValue,
    NotFound,
)
from adapter.domain.identity import CardType, Identity


class AgreementStatus(str, Enum):
    """The manual's status words, verbatim."""

    SIGNING = "保险公司签约中"
    SIGNED = "签约成功"
    SIGNING_REFUSED = "签约失败"
    TERMINATING = "解约中"
    TERMINATED = "解约成功"
    TERMINATION_FAILED = "解约失败"


class AgreementEvent(str, Enum):
    STAMPED = "stamped"
    STAMP_REFUSED = "stamp_refused"
    TERMINATION_REQUESTED = "termination_requested"
    TERMINATION_CONFIRMED = "termination_confirmed"
    TERMINATION_REFUSED = "termination_refused"


TRANSITIONS: dict[tuple[AgreementStatus, AgreementEvent], AgreementStatus] = {
    (AgreementStatus.SIGNING, AgreementEvent.STAMPED): AgreementStatus.SIGNED,
    (AgreementStatus.SIGNING, AgreementEvent.STAMP_REFUSED): AgreementStatus.SIGNING_REFUSED,
    (AgreementStatus.SIGNED, AgreementEvent.TERMINATION_REQUESTED): AgreementStatus.TERMINATING,
    (AgreementStatus.TERMINATION_FAILED, AgreementEvent.TERMINATION_REQUESTED):
        AgreementStatus.TERMINATING,
    (AgreementStatus.TERMINATING, AgreementEvent.TERMINATION_CONFIRMED): AgreementStatus.TERMINATED,
    (AgreementStatus.TERMINATING, AgreementEvent.TERMINATION_REFUSED):
        AgreementStatus.TERMINATION_FAILED,
}

# States in which an agreement still binds the enterprise: at most one such per enterprise.
LIVE = frozenset({AgreementStatus.SIGNING, AgreementStatus.SIGNED, AgreementStatus.TERMINATING,
                  AgreementStatus.TERMINATION_FAILED})
# States whose termination has a process to read (查看解约流程).
WITH_TERMINATION_PROCESS = frozenset({AgreementStatus.TERMINATING, AgreementStatus.TERMINATED,
                                      AgreementStatus.TERMINATION_FAILED})
# How the process view (查看解约流程) tells that an agreement reached a state.
STEP_ZH: dict[AgreementStatus, str] = {
    AgreementStatus.SIGNING: "企业签署服务协议，等待保险公司签章",
    AgreementStatus.SIGNED: AgreementStatus.SIGNED.value,
    AgreementStatus.SIGNING_REFUSED: AgreementStatus.SIGNING_REFUSED.value,
    AgreementStatus.TERMINATING: "企业坚持解约，解约申请已提交",
    AgreementStatus.TERMINATED: AgreementStatus.TERMINATED.value,
    AgreementStatus.TERMINATION_FAILED: AgreementStatus.TERMINATION_FAILED.value,
}
TERMINATION_CONFIRMATION = "坚持解约"
COMPANY_SEAL = "公司"


class AgreementStateRefused(InvalidStateTransition):
    code = "E-AGREEMENT-STATE"
    message_zh = "协议当前状态为{status}，不能执行该操作"


class LegalPersonCardRequired(Forbidden):
    code = "E-LEGAL-PERSON-CARD-REQUIRED"
    message_zh = "必须插入电子口岸法人卡，才能签署或解除服务协议"


class SealUnknown(InvalidValue):
    code = "E-SEAL-UNKNOWN"
    message_zh = "所选签章不存在，请重新选择"


class SealType(InvalidValue):
    code = "E-SEAL-TYPE"
    message_zh = "签章类型为{seal_type}，签署服务协议须使用类型为“公司”的签章"


class SealExpired(InvalidValue):
    code = "E-SEAL-EXPIRED"
    message_zh = "签章已于{valid_until}过期，请制作新的签章"


class AgreementExists(Conflict):
    code = "E-AGREEMENT-EXISTS"
    message_zh = "当前企业已签署服务协议，请勿重复签署"


class AgreementNotFound(NotFound):
    code = "E-AGREEMENT-NOT-FOUND"
    message_zh = "协议不存在"


class TerminationNotConfirmed(InvalidValue):
    code = "E-TERMINATION-CONFIRMATION"
    message_zh = "请确认是否解约：点击“坚持解约”后方可提交解约申请"


class AgreementUnknown(BusinessRuleViolation):
    """A receipt names no agreement the hub sent."""

    code = "E-AGREEMENT-UNKNOWN"
    message_zh = "协议不存在"


class AgreementUsccMismatch(BusinessRuleViolation):
    """A receipt names another enterprise's agreement."""

    code = "E-AGREEMENT-USCC-MISMATCH"
    message_zh = "统一社会信用代码与协议不一致"


def next_status(current: AgreementStatus, event: AgreementEvent) -> AgreementStatus:
    """The one place that decides whether an agreement may move; states never go backwards."""
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise AgreementStateRefused(f"agreement in {current.value} cannot take {event.value}",
                                    status=current.value) from None


def only_source(event: AgreementEvent) -> tuple[AgreementStatus, AgreementStatus] | None:
    """(from, to) when the table allows ``event`` from exactly one state, else None.

    Receipts take this path: the database then moves the row only if it is still in that
    state, in one statement, and the table stays the one place that decides.
    """
    moves = [(before, after) for (before, on), after in TRANSITIONS.items() if on is event]
    return moves[0] if len(moves) == 1 else None


class Action(str, Enum):
    """What a person may do with an agreement, and which card each needs (§二)."""

    SIGN = "sign"
    TERMINATE = "terminate"
    VIEW = "view"
    VIEW_PROCESS = "view_process"


LEGAL_PERSON_ONLY = frozenset({Action.SIGN, Action.TERMINATE})


def require_card(identity: Identity, action: Action) -> None:
    """Only a legal-person card may sign or terminate the service agreement."""
    if action in LEGAL_PERSON_ONLY and identity.card_type is not CardType.LEGAL_PERSON:
        raise LegalPersonCardRequired(f"operator card used to {action.value}")


class StampResult(str, Enum):
    STAMPED = "STAMPED"
    REFUSED = "REFUSED"


@dataclass(frozen=True, slots=True)
class Enterprise:
    name: str
    uscc: str
    org_code: str | None = None

    @classmethod
    def of(cls, identity: Identity) -> Enterprise:
        return cls(identity.enterprise_name, identity.uscc, identity.org_code or None)


@dataclass(frozen=True, slots=True)
class Seal:
    """An enterprise's electronic seal; only an unexpired 公司 seal signs the agreement (A-1)."""

    seal_id: str
    seal_type: str
    valid_until: date
    certificate: bytes | None = None
    name: str = ""
    valid_from: date | None = None

    def refusal(self, today: date) -> InvalidValue | None:
        """Why this seal cannot sign the agreement today, or None when it can."""
        if self.seal_type != COMPANY_SEAL:
            return SealType(f"seal type {self.seal_type}", path="$.seal_id",
                            seal_type=self.seal_type)
        if self.valid_until < today:
            return SealExpired(f"seal expired on {self.valid_until}", path="$.seal_id",
                               valid_until=f"{self.valid_until:%Y-%m-%d}")
        return None

    def expired(self, today: date) -> bool:
        return self.valid_until < today


def choose_seal(seals: list[Seal], seal_id: str, today: date) -> Seal:
    """The seal the enterprise picked, if it may sign; otherwise the refusal naming the field."""
    seal = next((s for s in seals if s.seal_id == seal_id), None)
    if seal is None:
        raise SealUnknown(f"no seal {seal_id}", path="$.seal_id")
    refusal = seal.refusal(today)
    if refusal is not None:
        raise refusal
    return seal


@dataclass(frozen=True, slots=True)
class SignedAgreement:
    """X-OUT-1: what the hub tells the insurer when an enterprise signs."""

    agreement_no: str
    agreement_version: str
    enterprise: Enterprise
    signer_name: str
    signed_at: datetime
    seal: Seal
    document: bytes | None = None


@dataclass(frozen=True, slots=True)
class ReceiptFacts:
    """What a receipt writes onto the agreement besides its state; None keeps the value."""

    stamped_at: datetime | None = None
    insurer_seal_serial: str | None = None
    refusal_reason: str | None = None
    terminated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AgreementReceipt:
    """An insurer's receipt about an agreement, as the state table and the timeline need it.

    ``root`` is the document's root element name, so a refusal names the field it blames.
    """

    agreement_no: str
    uscc: str
    root: str
    event: AgreementEvent
    outcome: str
    at: datetime
    facts: ReceiptFacts
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AgreementStamp:
    """X-IN-2: the insurer's e-seal on the agreement, or its refusal with a reason."""

    agreement_no: str
    uscc: str
    result: StampResult
    stamped_at: datetime
    insurer_seal_serial: str | None = None
    insurer_seal_certificate: bytes | None = None
    refusal_reason: str | None = None

    @property
    def event(self) -> AgreementEvent:
        if self.result is StampResult.STAMPED:
            return AgreementEvent.STAMPED
        return AgreementEvent.STAMP_REFUSED

    def receipt(self) -> AgreementReceipt:
        stamped = self.result is StampResult.STAMPED
        facts = ReceiptFacts(stamped_at=self.stamped_at if stamped else None,
                             insurer_seal_serial=self.insurer_seal_serial,
                             refusal_reason=self.refusal_reason)
        return AgreementReceipt(self.agreement_no, self.uscc, "AgreementStamp", self.event,
                                self.result.value, self.stamped_at, facts, self.refusal_reason)


@dataclass(frozen=True, slots=True)
class TerminationRequest:
    """X-OUT-2: the enterprise insists on terminating (坚持解约)."""

    agreement_no: str
    enterprise: Enterprise
    requested_by: str
    requested_at: datetime
    reason: str | None = None


class TerminationOutcome(str, Enum):
    TERMINATED = "TERMINATED"
    REFUSED = "REFUSED"


@dataclass(frozen=True, slots=True)
class TerminationResult:
    """X-IN-3: the insurer's decision on a termination request."""

    agreement_no: str
    uscc: str
    result: TerminationOutcome
    decided_at: datetime
    reason: str | None = None

    @property
    def event(self) -> AgreementEvent:
        if self.result is TerminationOutcome.TERMINATED:
            return AgreementEvent.TERMINATION_CONFIRMED
        return AgreementEvent.TERMINATION_REFUSED

    def receipt(self) -> AgreementReceipt:
        confirmed = self.event is AgreementEvent.TERMINATION_CONFIRMED
        facts = ReceiptFacts(terminated_at=self.decided_at if confirmed else None,
                             refusal_reason=None if confirmed else self.reason)
        return AgreementReceipt(self.agreement_no, self.uscc, "TerminationResult", self.event,
                                self.result.value, self.decided_at, facts, self.reason)


@dataclass(frozen=True, slots=True)
class Move:
    """A state change that happened: from ``before`` (None for a new agreement) to ``after``."""

    before: AgreementStatus | None
    after: AgreementStatus


@dataclass(slots=True)
class Agreement:
    """The aggregate: one enterprise's service agreement, its state and what the receipts told.

    Every change goes through a method here, which asks the transition table; repositories
    only load and save it.
    """

    agreement_no: str
    enterprise: Enterprise
    status: AgreementStatus
    signer_name: str
    seal_id: str
    signed_at: datetime
    updated_at: datetime
    seal_name: str | None = None
    stamped_at: datetime | None = None
    insurer_seal_serial: str | None = None
    refusal_reason: str | None = None
    termination_requested_at: datetime | None = None
    terminated_at: datetime | None = None
    termination_reason: str | None = None

    @classmethod
    def signed(cls, signed: SignedAgreement, *, seal_name: str | None = None) -> Agreement:
        """A new agreement starts at 保险公司签约中, waiting for the insurer's stamp."""
        return cls(signed.agreement_no, signed.enterprise, AgreementStatus.SIGNING,
                   signed.signer_name, signed.seal.seal_id, signed.signed_at, signed.signed_at,
                   seal_name=seal_name or signed.seal.name or None)

    @property
    def uscc(self) -> str:
        return self.enterprise.uscc

    @property
    def is_live(self) -> bool:
        return self.status in LIVE

    def allows(self, action: Action) -> bool:
        """Whether the agreement's state offers the action at all (cards aside)."""
        if action is Action.TERMINATE:
            return (self.status, AgreementEvent.TERMINATION_REQUESTED) in TRANSITIONS
        if action is Action.VIEW_PROCESS:
            return self.status in WITH_TERMINATION_PROCESS
        return action is Action.VIEW

    def request_termination(self, *, at: datetime, reason: str | None) -> Move:
        """A-4: 签约成功 or 解约失败 → 解约中."""
        before = self.status
        self.status = next_status(before, AgreementEvent.TERMINATION_REQUESTED)
        self.updated_at = self.termination_requested_at = at
        self.termination_reason = reason
        return Move(before, self.status)

    def apply(self, receipt: AgreementReceipt) -> Move | None:
        """A receipt's event if the table allows it; None (nothing changes) when it is late,
        repeated or out of order."""
        after = TRANSITIONS.get((self.status, receipt.event))
        if after is None:
            return None
        before, self.status, self.updated_at = self.status, after, receipt.at
        facts = receipt.facts
        self.stamped_at = facts.stamped_at or self.stamped_at
        self.insurer_seal_serial = facts.insurer_seal_serial or self.insurer_seal_serial
        self.refusal_reason = facts.refusal_reason or self.refusal_reason
        self.terminated_at = facts.terminated_at or self.terminated_at
        return Move(before, after)

    def check_receipt(self, receipt: AgreementReceipt) -> None:
        """A receipt for another enterprise's agreement is refused, naming the field."""
        if self.uscc != receipt.uscc:
            raise AgreementUsccMismatch(
                f"agreement {self.agreement_no} belongs to another enterprise",
                path=f"/{receipt.root}/Body/Uscc")


def unknown_agreement(receipt: AgreementReceipt) -> AgreementUnknown:
    return AgreementUnknown(f"no agreement {receipt.agreement_no}",
                            path=f"/{receipt.root}/Body/AgreementNo")


def confirm_termination(confirmation: str) -> None:
    if confirmation != TERMINATION_CONFIRMATION:
        raise TerminationNotConfirmed("termination not confirmed", path="$.confirmation")
