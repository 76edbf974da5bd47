"""Taking in one business document: validate, deduplicate, store, acknowledge.

Shared by the SOAP and REST endpoints so both channels behave the same; the HTTP
layer only unwraps the document and turns the :class:`Outcome` into a response.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from mock_insurer.ack import (
    ACCEPTED,
    DUPLICATE,
    REJECTED,
    AckError,
    DocumentRef,
    build_ack,
    new_id,
)
from mock_insurer.buyers import REGISTRATION_TYPE
from mock_insurer.catalogue import INSURER_PARTY, DocumentType
from mock_insurer.faults import Fault, FaultMode
from mock_insurer.soap import FaultKind
from mock_insurer.state import InsurerState
from mock_insurer.store import Attempt, ReceivedDocument
from mock_insurer.xmlsafe import serialise

INJECTED_ERRORS = {
    FaultMode.SOAP_SERVER: (FaultKind.SERVER, "E-SERVER-FAULT", "insurer failed to process"),
    FaultMode.SOAP_CLIENT: (FaultKind.CLIENT, "E-CLIENT-FAULT", "insurer refused the document"),
}
"""Faults that answer a (valid) document with a rejection instead of storing it."""


@dataclass(frozen=True)
class Outcome:
    status: str
    ack: etree._Element
    blame: FaultKind | None = None
    """For REJECTED: CLIENT (the document is wrong) or SERVER (the insurer failed)."""
    record: ReceivedDocument | None = None

    @property
    def reason(self) -> str:
        return "; ".join(
            f"{e.findtext('{*}Code')}: {e.findtext('{*}Reason')}"
            for e in self.ack.iterfind("{*}Error")
        )


def now() -> datetime:
    return datetime.now(UTC)


def reject(
    state: InsurerState,
    ref: DocumentRef,
    errors: list[AckError],
    *,
    channel: str,
    fault: Fault,
    blame: FaultKind = FaultKind.CLIENT,
) -> Outcome:
    """Answer REJECTED and store nothing (the attempt is still logged)."""
    at = now()
    state.store.log(
        Attempt(
            at=at,
            channel=channel,
            outcome=REJECTED,
            fault=_fault_name(fault),
            business_serial=ref.business_serial,
            message_id=ref.message_id,
            error_codes=tuple(e.code for e in errors),
        )
    )
    return Outcome(REJECTED, build_ack(REJECTED, ref, received_at=at, errors=errors), blame)


def take_in(
    state: InsurerState,
    doc_type: DocumentType,
    document: etree._Element,
    *,
    raw: bytes,
    channel: str,
    fault: Fault,
) -> Outcome:
    """Validate ``document`` (a standalone root) and record its delivery."""
    ref = DocumentRef.of(document)
    errors = [
        AckError("E-XSD-INVALID", error.reason, error.path)
        for error in state.schemas.validate(document, doc_type.xsd)
    ]
    if not errors:
        errors = _envelope_errors(doc_type, ref)
    if errors:
        return reject(state, ref, errors, channel=channel, fault=fault)
    injected = INJECTED_ERRORS.get(fault.mode)
    if injected is not None:
        blame, code, reason = injected
        return reject(
            state, ref, [AckError(code, reason)], channel=channel, fault=fault, blame=blame
        )

    assert ref.business_serial and ref.message_id and ref.message_type and ref.sender
    at = now()
    existing = state.store.get(ref.business_serial)
    if existing is not None:
        record = state.store.redeliver(ref.business_serial, at)
        status = DUPLICATE
        ack = build_ack(DUPLICATE, ref, received_at=at, original_ack_id=record.ack_id)
    else:
        status = ACCEPTED
        ack_id = new_id("ACK")
        ack = build_ack(ACCEPTED, ref, received_at=at, ack_id=ack_id)
        record = ReceivedDocument(
            business_serial=ref.business_serial,
            message_type=ref.message_type,
            message_id=ref.message_id,
            sender=ref.sender,
            channel=channel,
            received_at=at,
            raw=raw,
            document=serialise(document),
            ack_id=ack_id,
            ack_xml=serialise(ack, declaration=False),
        )
        state.store.add(record)
        if record.message_type == "CLAIM_APPLICATION":
            state.claim_files.received(record.business_serial, record.document)
        elif record.message_type == REGISTRATION_TYPE:
            state.buyers.register(document)  # listed at once, with the code assigned here
        state.play.received(record)
    state.store.log(
        Attempt(
            at=at,
            channel=channel,
            outcome=status,
            fault=_fault_name(fault),
            business_serial=ref.business_serial,
            message_id=ref.message_id,
        )
    )
    return Outcome(status, ack, None, record)


def log_fault(state: InsurerState, *, channel: str, fault: Fault) -> None:
    """Record a request that an injected fault answered before the document was read."""
    state.store.log(Attempt(at=now(), channel=channel, outcome="FAULT", fault=_fault_name(fault)))


def _envelope_errors(doc_type: DocumentType, ref: DocumentRef) -> list[AckError]:
    """Rules the schema cannot express: the message type fits the root, and it is for us."""
    envelope = f"/{doc_type.local_name}/Envelope"
    errors = []
    if ref.message_type != doc_type.message_type:
        errors.append(
            AckError(
                "E-MESSAGE-TYPE",
                f"MessageType must be {doc_type.message_type} for {doc_type.local_name}",
                f"{envelope}/MessageType",
            )
        )
    if ref.receiver != INSURER_PARTY:
        errors.append(
            AckError("E-RECEIVER", f"Receiver must be {INSURER_PARTY}", f"{envelope}/Receiver")
        )
    return errors


def _fault_name(fault: Fault) -> str | None:
    return None if fault.mode is FaultMode.NONE else fault.mode.value
