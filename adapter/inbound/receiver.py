"""Receive → store → acknowledge, the same for every channel and every document type.

The channel hands over the raw request and a function that finds the document in it;
everything after that (limits, schema, envelope checks, idempotency, the business
effect, the acknowledgement) happens here, once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.exchange import AckError, Acknowledgement, AckStatus, Envelope, new_id, utcnow
from adapter.errors import DocumentRejected, DocumentTooLarge, SchemaViolation
from adapter.inbound.group_commit import GroupCommit
from adapter.inbound.handlers import GROUP_HANDLERS, HANDLERS
from adapter.mappings import acknowledgement, schemas
from adapter.mappings.envelope import peek_envelope, read_envelope
from adapter.mappings.registry import DocumentType, inbound_by_root
from adapter.persistence import inbox, timeline
from adapter.persistence.database import Database

log = logging.getLogger(__name__)

Extractor = Callable[[bytes], etree._Element]


@dataclass(frozen=True, slots=True)
class Reception:
    """What a channel needs to answer: the acknowledgement, and the error if rejected."""

    ack: Acknowledgement
    ack_xml: bytes
    error: DocumentRejected | None = None

    @property
    def http_status(self) -> int:
        return 200 if self.error is None else self.error.http_status


@dataclass(frozen=True, slots=True)
class Request:
    """One inbound request as the channel saw it."""

    channel: str
    raw: bytes
    size: int
    sender: str
    truncated: bool = False
    expected_type: DocumentType | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    """A schema-valid document on its way into the inbox, with the ack it will get if stored."""

    request: Request
    doc_type: DocumentType
    envelope: Envelope
    document: object
    accepted: Acknowledgement
    record: inbox.InboundRecord


class Receiver:
    def __init__(self, db: Database, *, hub_code: str, max_bytes: int) -> None:
        self.db = db
        self.hub_code = hub_code
        self.max_bytes = max_bytes
        self._group: GroupCommit[Accepted, Reception] = GroupCommit(db, self._store)

    async def receive(self, request: Request, extract: Extractor) -> Reception:
        root: etree._Element | None = None
        try:
            if request.truncated:
                raise DocumentTooLarge(f"document of {request.size} bytes exceeds the limit "
                                       f"of {self.max_bytes} bytes")
            root = extract(request.raw)
            doc_type, envelope, document = self._read(request, root)
        except DocumentRejected as error:
            return await self._reject(request, error, peek_envelope(root) if root is not None else {})
        return await self._apply(request, doc_type, envelope, document)

    def _read(self, request: Request, root: etree._Element) -> tuple[DocumentType, Envelope, object]:
        doc_type = inbound_by_root(root.tag)
        if request.expected_type and request.expected_type is not doc_type:
            raise SchemaViolation(f"{request.expected_type.slug} expects {request.expected_type.root}",
                                  code="E-DOC-WRONG-ENDPOINT", path="/")
        schemas.validate(root, doc_type.xsd)
        envelope = read_envelope(root)
        self._check_envelope(request, doc_type, envelope)
        return doc_type, envelope, doc_type.from_element(root)

    def _check_envelope(self, request: Request, doc_type: DocumentType, envelope: Envelope) -> None:
        head = f"/{etree.QName(doc_type.root).localname}/Envelope"
        if envelope.message_type != doc_type.message_type:
            raise SchemaViolation(f"MessageType {envelope.message_type} on a {doc_type.message_type}",
                                  code="E-ENVELOPE-MESSAGE-TYPE", path=f"{head}/MessageType",
                                  message_zh="报文类型与报文内容不一致")
        if envelope.sender != request.sender:
            raise SchemaViolation(f"Sender {envelope.sender} is not the caller {request.sender}",
                                  code="E-ENVELOPE-SENDER", path=f"{head}/Sender",
                                  message_zh="发送方与认证身份不一致")
        if envelope.receiver != self.hub_code:
            raise SchemaViolation(f"Receiver {envelope.receiver} is not {self.hub_code}",
                                  code="E-ENVELOPE-RECEIVER", path=f"{head}/Receiver",
                                  message_zh="接收方不是本系统")

    async def _apply(self, request: Request, doc_type: DocumentType, envelope: Envelope,
                     document: object) -> Reception:
        accepted = self._ack(AckStatus.ACCEPTED, envelope.message_id, envelope.message_type,
                             envelope.business_serial, receiver=envelope.sender)
        record = self._record(request, accepted, "processed", envelope=envelope)
        return await self._group.submit(Accepted(request, doc_type, envelope, document, accepted, record))

    async def _store(self, conn: AsyncConnection, items: list[Accepted]) -> list[Reception]:
        """Inside a group's transaction: claim the message ids in one statement, apply each
        effect (their timeline entries are written together at the end), refuse what the
        rules refuse. A message id repeated inside the group is claimed after the rest."""
        first: dict[tuple[str, str], Accepted] = {}
        for item in items:
            first.setdefault((item.envelope.sender, item.envelope.message_id), item)
        leaders = list(first.values())
        results: dict[int, Reception] = {}
        async with timeline.gathered(conn):
            deliveries = await inbox.claim_many(conn, [item.record for item in leaders])
            fresh: list[tuple[Accepted, inbox.Delivery]] = []
            for item in leaders:
                delivery = deliveries[(item.envelope.sender, item.envelope.message_id)]
                if delivery.is_duplicate:
                    results[id(item)] = self._duplicate(delivery, item.envelope)
                else:
                    fresh.append((item, delivery))
            refusals = await _effects(conn, [item for item, _ in fresh])
            for (item, delivery), refusal in zip(fresh, refusals, strict=True):
                results[id(item)] = await self._conclude(conn, item, delivery, refusal)
            for item in items:
                if id(item) not in results:
                    results[id(item)] = await self._store_alone(conn, item)
        return [results[id(item)] for item in items]

    async def _store_alone(self, conn: AsyncConnection, item: Accepted) -> Reception:
        delivery = await inbox.claim(conn, item.record)
        if delivery.is_duplicate:
            return self._duplicate(delivery, item.envelope)
        [refusal] = await _effects(conn, [item])
        return await self._conclude(conn, item, delivery, refusal)

    async def _conclude(self, conn: AsyncConnection, item: Accepted, delivery: inbox.Delivery,
                        refusal: DocumentRejected | None) -> Reception:
        envelope = item.envelope
        if refusal is None:
            log.debug("document accepted", extra=_log_fields(envelope))
            return Reception(item.accepted, item.record.ack_xml)
        rejected = self._ack(AckStatus.REJECTED, envelope.message_id, envelope.message_type,
                             envelope.business_serial, receiver=envelope.sender, error=refusal)
        record = self._record(item.request, rejected, "rejected", envelope=envelope, error=refusal)
        await inbox.reject_after_rules(conn, delivery.row_id, record)
        log.info("document rejected by rules", extra=_log_fields(envelope, refusal))
        return Reception(rejected, record.ack_xml, refusal)

    def _duplicate(self, delivery: inbox.Delivery, envelope: Envelope) -> Reception:
        ack = self._ack(AckStatus.DUPLICATE, envelope.message_id, envelope.message_type,
                        envelope.business_serial, receiver=envelope.sender,
                        original=delivery.original_ack_id)
        log.debug("duplicate delivery", extra=_log_fields(envelope))
        return Reception(ack, acknowledgement.to_xml(ack))

    async def _reject(self, request: Request, error: DocumentRejected,
                      peeked: dict[str, str]) -> Reception:
        ack = self._ack(AckStatus.REJECTED, peeked.get("MessageId"), peeked.get("MessageType"),
                        peeked.get("BusinessSerial"), receiver=request.sender, error=error)
        record = self._record(request, ack, "rejected", error=error, peeked=peeked)
        async with self.db.transaction() as conn:
            await inbox.store_rejected(conn, record)
        log.info("document rejected", extra={"error_code": error.code, "error_path": error.path,
                                             "detail": error.detail[:300],
                                             "correlation_id": peeked.get("CorrelationId")})
        return Reception(ack, record.ack_xml, error)

    def _ack(self, status: AckStatus, message_id: str | None, message_type: str | None,
             business_serial: str | None, *, receiver: str, error: DocumentRejected | None = None,
             original: str | None = None) -> Acknowledgement:
        errors = (AckError(error.code, _reason(error), error.path),) if error else ()
        return Acknowledgement(
            ack_id=new_id(), status=status, sender=self.hub_code, received_at=utcnow(),
            ref_message_id=message_id, ref_message_type=message_type,
            ref_business_serial=business_serial, receiver=receiver, original_ack_id=original,
            errors=errors,
        )

    def _record(self, request: Request, ack: Acknowledgement, status: str, *,
                envelope: Envelope | None = None, error: DocumentRejected | None = None,
                peeked: dict[str, str] | None = None) -> inbox.InboundRecord:
        peeked = peeked or {}
        return inbox.InboundRecord(
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


async def _effects(conn: AsyncConnection, items: list[Accepted]) -> list[DocumentRejected | None]:
    """Apply each document's effect; types with a group handler apply theirs all at once."""
    outcomes: dict[int, DocumentRejected | None] = {}
    by_type: dict[str, list[Accepted]] = {}
    for item in items:
        by_type.setdefault(item.doc_type.message_type, []).append(item)
    for message_type, same in by_type.items():
        group_handler = GROUP_HANDLERS.get(message_type)
        if group_handler is not None:
            refusals = await group_handler(conn, [(i.document, i.envelope) for i in same])
            outcomes.update({id(i): refusal for i, refusal in zip(same, refusals, strict=True)})
            continue
        for item in same:
            try:
                await HANDLERS[message_type](conn, item.document, item.envelope)
                outcomes[id(item)] = None
            except DocumentRejected as refusal:
                outcomes[id(item)] = refusal
    return [outcomes[id(item)] for item in items]


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
