"""Receiving a partner's document: claim its message id, apply its effect, record, answer.

The channel has parsed and validated the document and checked its envelope; what is
left is use-case work, the same for every channel and type. An accepted document is
stored in the inbox in the same transaction as its business effect and acknowledged
after the commit; a repeat of a stored one gets DUPLICATE naming the original; a
document the rules refuse keeps its bytes and frees its message id. Documents that
arrive together share one transaction (:class:`GroupCommit`), refused ones too, so a
partner resending a bad document costs no more than one sending a good one.

When the database cannot take the document in time, nothing is stored and the partner
is answered REJECTED with ``E-HUB-UNAVAILABLE``: send it again later.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from adapter.domain.errors import DocumentRejected, HubUnavailable, StoreUnavailable
from adapter.domain.exchange import AckError, Acknowledgement, AckStatus, Envelope, new_id, utcnow
from adapter.domain.messages import MessageKind
from adapter.domain.records import Delivery, InboundRecord
from adapter.log_lines import summarized
from adapter.mappings import acknowledgement
from adapter.service_layer.group_commit import GroupCommit
from adapter.service_layer.unit_of_work import UnitOfWork, UnitsOfWork

log = logging.getLogger(__name__)
_outage_log = summarized(f"{__name__}.outage")
# A partner stuck resending a bad document must not cost a log line each time: one line per
# error code per interval; every rejected document is in the inbox with its reason anyway.
_rejection_log = summarized(f"{__name__}.rejected")

# A use case applying a group of documents of one type; one outcome (a refusal or None) each.
# It validates before it writes: a refused document has changed nothing.
Handler = Callable[[UnitOfWork, Sequence[tuple[object, Envelope]]],
                   Awaitable[list[DocumentRejected | None]]]


@dataclass(frozen=True, slots=True)
class Request:
    """One inbound request as the channel saw it."""

    channel: str
    raw: bytes
    size: int
    sender: str
    truncated: bool = False
    # What the HTTP edge already refused while reading (a wrong media type, an encoding
    # that does not decode, a body cut off): the bytes are stored with this answer.
    refusal: DocumentRejected | None = None


@dataclass(frozen=True, slots=True)
class Arrival:
    """A schema-valid document whose envelope the channel has checked."""

    request: Request
    kind: MessageKind
    envelope: Envelope
    document: object


@dataclass(frozen=True, slots=True)
class Reception:
    """What a channel needs to answer: the acknowledgement, and the error if rejected."""

    ack: Acknowledgement
    ack_xml: bytes
    error: DocumentRejected | None = None


@dataclass(frozen=True, slots=True)
class _Pending:
    arrival: Arrival
    accepted: Acknowledgement
    record: InboundRecord


@dataclass(frozen=True, slots=True)
class _Refused:
    """A document the channel refused: stored as received in the group's transaction."""

    reception: Reception
    record: InboundRecord


class Receiving:
    def __init__(self, uows: UnitsOfWork, handlers: Mapping[str, Handler], *, hub_code: str,
                 deadline: float | None = None) -> None:
        self.uows = uows
        self.handlers = handlers
        self.hub_code = hub_code
        self._group: GroupCommit[_Pending | _Refused, Reception] = GroupCommit(
            uows, self._store, deadline=deadline)

    async def accept(self, arrival: Arrival) -> Reception:
        envelope = arrival.envelope
        accepted = self._ack(AckStatus.ACCEPTED, envelope, receiver=envelope.sender)
        record = _record(arrival.request, accepted, "processed", envelope=envelope)
        try:
            return await self._group.submit(_Pending(arrival, accepted, record))
        except StoreUnavailable as outage:
            return self._unavailable(outage, arrival.request, _peeked(envelope))

    async def refuse(self, request: Request, error: DocumentRejected,
                     peeked: Mapping[str, str]) -> Reception:
        """A document the channel could not accept is stored as received, then answered."""
        ack = self._ack(AckStatus.REJECTED, None, receiver=request.sender, error=error,
                        peeked=peeked)
        record = _record(request, ack, "rejected", error=error, peeked=peeked)
        try:
            reception = await self._group.submit(
                _Refused(Reception(ack, record.ack_xml, error), record))
        except StoreUnavailable as outage:
            return self._unavailable(outage, request, peeked)
        _rejection_log.info("document rejected", extra={"error_code": error.code, "error_path": error.path,
                                             "detail": error.detail[:300],
                                             "correlation_id": peeked.get("CorrelationId")})
        return reception

    def _unavailable(self, outage: StoreUnavailable, request: Request,
                     peeked: Mapping[str, str]) -> Reception:
        """Nothing was stored: the partner hears so at once and sends the document again."""
        error = HubUnavailable(outage.detail)
        ack = self._ack(AckStatus.REJECTED, None, receiver=request.sender, error=error,
                        peeked=peeked)
        _outage_log.warning("document not stored, database unavailable: %s", outage.detail)
        return Reception(ack, acknowledgement.to_xml(ack), error)

    async def _store(self, uow: UnitOfWork, items: list[_Pending | _Refused]) -> list[Reception]:
        """Inside a group's transaction: store the refused as received, claim the message ids
        of the rest in one statement, apply the effects type by type, refuse what the rules
        refuse. A message id repeated inside the group is claimed after the rest, alone."""
        refused = [item for item in items if isinstance(item, _Refused)]
        if refused:
            await uow.inbox.store_rejected([item.record for item in refused])
        results: dict[int, Reception] = {id(item): item.reception for item in refused}
        first: dict[tuple[str, str], _Pending] = {}
        for item in items:
            if isinstance(item, _Pending):
                first.setdefault(_key(item), item)
        leaders = list(first.values())
        if not leaders:
            return [results[id(item)] for item in items]
        deliveries = await uow.inbox.claim_many([item.record for item in leaders])
        fresh: list[tuple[_Pending, Delivery]] = []
        for item in leaders:
            delivery = deliveries[_key(item)]
            if delivery.is_duplicate:
                results[id(item)] = self._duplicate(delivery, item.arrival.envelope)
            else:
                fresh.append((item, delivery))
        refusals = await self._effects(uow, [item for item, _ in fresh])
        await self._conclude(uow, fresh, refusals, results)
        for item in items:
            if id(item) not in results:
                results[id(item)] = (await self._store(uow, [item]))[0]
        return [results[id(item)] for item in items]

    async def _effects(self, uow: UnitOfWork, items: list[_Pending]) -> list[DocumentRejected | None]:
        """Each type's handler applies all of its documents at once."""
        outcomes: dict[int, DocumentRejected | None] = {}
        by_type: dict[str, list[_Pending]] = {}
        for item in items:
            by_type.setdefault(item.arrival.kind.message_type, []).append(item)
        for message_type, same in by_type.items():
            refusals = await self.handlers[message_type](
                uow, [(i.arrival.document, i.arrival.envelope) for i in same])
            outcomes.update({id(i): refusal for i, refusal in zip(same, refusals, strict=True)})
        return [outcomes[id(item)] for item in items]

    async def _conclude(self, uow: UnitOfWork, fresh: list[tuple[_Pending, Delivery]],
                        refusals: list[DocumentRejected | None],
                        results: dict[int, Reception]) -> None:
        """Accepted documents keep their ACCEPTED answer; the rules' refusals are written
        back in one statement for the group."""
        rejections: list[tuple[int, InboundRecord]] = []
        for (item, delivery), refusal in zip(fresh, refusals, strict=True):
            envelope = item.arrival.envelope
            if refusal is None:
                results[id(item)] = Reception(item.accepted, item.record.ack_xml)
                continue
            rejected = self._ack(AckStatus.REJECTED, envelope, receiver=envelope.sender,
                                 error=refusal)
            record = _record(item.arrival.request, rejected, "rejected", envelope=envelope,
                             error=refusal)
            rejections.append((delivery.row_id, record))
            results[id(item)] = Reception(rejected, record.ack_xml, refusal)
            _rejection_log.info("document rejected by rules", extra=_log_fields(envelope, refusal))
        await uow.inbox.reject_after_rules(rejections)

    def _duplicate(self, delivery: Delivery, envelope: Envelope) -> Reception:
        ack = self._ack(AckStatus.DUPLICATE, envelope, receiver=envelope.sender,
                        original=delivery.original_ack_id)
        log.debug("duplicate delivery", extra=_log_fields(envelope))
        return Reception(ack, acknowledgement.to_xml(ack))

    def _ack(self, status: AckStatus, envelope: Envelope | None, *, receiver: str,
             error: DocumentRejected | None = None, original: str | None = None,
             peeked: Mapping[str, str] | None = None) -> Acknowledgement:
        peeked = peeked or {}
        errors = (AckError(error.code, _reason(error), error.path),) if error else ()
        return Acknowledgement(
            ack_id=new_id(), status=status, sender=self.hub_code, received_at=utcnow(),
            ref_message_id=envelope.message_id if envelope else peeked.get("MessageId"),
            ref_message_type=envelope.message_type if envelope else peeked.get("MessageType"),
            ref_business_serial=(envelope.business_serial if envelope
                                 else peeked.get("BusinessSerial")),
            receiver=receiver, original_ack_id=original, errors=errors,
        )


def _peeked(envelope: Envelope) -> dict[str, str]:
    return {"MessageId": envelope.message_id, "MessageType": envelope.message_type,
            "BusinessSerial": envelope.business_serial}


def _key(item: _Pending) -> tuple[str, str]:
    return item.arrival.envelope.sender, item.arrival.envelope.message_id


def _record(request: Request, ack: Acknowledgement, status: str, *,
            envelope: Envelope | None = None, error: DocumentRejected | None = None,
            peeked: Mapping[str, str] | None = None) -> InboundRecord:
    peeked = peeked or {}
    return InboundRecord(
        channel=request.channel, received_at=ack.received_at, raw=request.raw,
        raw_size=request.size, truncated=request.truncated, status=status,
        ack_id=ack.ack_id, ack_status=ack.status.value, ack_xml=acknowledgement.to_xml(ack),
        sender=envelope.sender if envelope else request.sender,
        message_id=envelope.message_id if envelope else peeked.get("MessageId"),
        message_type=envelope.message_type if envelope else peeked.get("MessageType"),
        business_serial=envelope.business_serial if envelope else peeked.get("BusinessSerial"),
        correlation_id=envelope.correlation_id if envelope else peeked.get("CorrelationId"),
        error_code=error.code if error else None, error_path=error.path if error else None,
        error_reason=error.detail[:2000] if error else None,
    )


def _reason(error: DocumentRejected) -> str:
    """The partner reads the Chinese rule and the English detail together."""
    return f"{error.message_zh}: {error.detail}"[:1000] if error.detail else error.message_zh


def _log_fields(envelope: Envelope, error: DocumentRejected | None = None) -> dict[str, object]:
    fields: dict[str, object] = {"correlation_id": envelope.correlation_id,
                                 "message_id": envelope.message_id,
                                 "message_type": envelope.message_type}
    if error:
        fields["error_code"] = error.code
    return fields
