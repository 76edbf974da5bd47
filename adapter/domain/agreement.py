"""The tripartite service agreement (§二 2.1): its states, their allowed moves, its documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from adapter.errors import InvalidStateTransition


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


def next_status(current: AgreementStatus, event: AgreementEvent) -> AgreementStatus:
    """The one place that decides whether an agreement may move; states never go backwards."""
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise InvalidStateTransition(
            f"agreement in {current.value} cannot take {event.value}",
            code="E-AGREEMENT-STATE",
            message_zh=f"协议当前状态为{current.value}，不能执行该操作",
        ) from None


def only_source(event: AgreementEvent) -> tuple[AgreementStatus, AgreementStatus] | None:
    """(from, to) when the table allows ``event`` from exactly one state, else None.

    Receipts take this path: the database then moves the row only if it is still in that
    state, in one statement, and the table stays the one place that decides.
    """
    moves = [(before, after) for (before, on), after in TRANSITIONS.items() if on is event]
    return moves[0] if len(moves) == 1 else None


class StampResult(str, Enum):
    STAMPED = "STAMPED"
    REFUSED = "REFUSED"


@dataclass(frozen=True, slots=True)
class Enterprise:
    name: str
    uscc: str
    org_code: str | None = None


@dataclass(frozen=True, slots=True)
class Seal:
    seal_id: str
    seal_type: str
    valid_until: date
    certificate: bytes | None = None


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


TERMINATION_CONFIRMATION = "坚持解约"


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
