"""Units of work in memory, behind the same Protocols as the SQL ones: use cases run without a
database. Commit copies the pending changes into the shared store; leaving without commit
drops them, as a rollback would."""

from __future__ import annotations

import copy
import itertools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from adapter.domain.agreement import Agreement
from adapter.domain.authorization import DataAuthorization
from adapter.domain.buyer import Buyer
from adapter.domain.exchange import Envelope, utcnow
from adapter.domain.insurance import InsuranceApplication
from adapter.domain.records import Delivery, InboundRecord, InboxItem, OutboxItem, OutboxStatus
from adapter.domain.sms import VerificationCode
from adapter.domain.timeline import TimelineEntry, TimelineRecord
from adapter.service_layer.unit_of_work import ExpectedMove


@dataclass
class Store:
    """What a database would hold."""

    agreements: dict[str, Agreement] = field(default_factory=dict)
    documents: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    authorizations: dict[str, DataAuthorization] = field(default_factory=dict)
    applications: dict[str, InsuranceApplication] = field(default_factory=dict)
    insurance_documents: dict[tuple[str, str], tuple[bytes, str]] = field(default_factory=dict)
    sms_codes: list[VerificationCode] = field(default_factory=list)
    outbox: list[OutboxItem] = field(default_factory=list)
    inbox: list[InboundRecord] = field(default_factory=list)
    timeline: list[TimelineRecord] = field(default_factory=list)
    buyers: list[Buyer] = field(default_factory=list)
    commits: int = 0


class FakeAgreements:
    def __init__(self, store: Store) -> None:
        self.rows = store.agreements
        self.documents = store.documents

    async def add(self, agreement: Agreement, *, document: bytes | None) -> bool:
        if any(a.uscc == agreement.uscc and a.is_live for a in self.rows.values()):
            return False
        self.rows[agreement.agreement_no] = copy.copy(agreement)
        if document:
            self.documents[agreement.agreement_no] = (document, agreement.status.value)
        return True

    async def get(self, agreement_no: str, *, uscc: str | None = None) -> Agreement | None:
        found = self.rows.get(agreement_no)
        if found is None or (uscc is not None and found.uscc != uscc):
            return None
        return copy.copy(found)

    async def for_update(self, agreement_no: str) -> Agreement | None:
        return await self.get(agreement_no)

    async def for_update_many(self, agreement_nos: Sequence[str]) -> dict[str, Agreement]:
        return {number: copy.copy(self.rows[number]) for number in agreement_nos
                if number in self.rows}

    async def live_of(self, uscc: str) -> Agreement | None:
        return next((copy.copy(a) for a in self.rows.values() if a.uscc == uscc and a.is_live), None)

    async def save(self, agreement: Agreement) -> None:
        self.rows[agreement.agreement_no] = copy.copy(agreement)

    async def move_many(self, moves: Sequence[ExpectedMove]) -> set[str]:
        moved = set()
        for move in moves:
            found = self.rows.get(move.agreement_no)
            if found and found.uscc == move.uscc and found.status is move.expected:
                found.status, found.updated_at = move.to, move.at
                found.stamped_at = move.facts.stamped_at or found.stamped_at
                found.insurer_seal_serial = move.facts.insurer_seal_serial or found.insurer_seal_serial
                found.refusal_reason = move.facts.refusal_reason or found.refusal_reason
                found.terminated_at = move.facts.terminated_at or found.terminated_at
                moved.add(move.agreement_no)
        return moved

    async def document(self, agreement_no: str) -> tuple[bytes | None, str | None]:
        return self.documents.get(agreement_no, (None, None))

    async def store_document(self, agreement_no: str, pdf: bytes, status: str) -> None:
        self.documents[agreement_no] = (pdf, status)

    async def page(self, uscc: str, *, status: str | None, limit: int,
                   after: tuple[datetime, str] | None) -> list[Agreement]:
        found = sorted((a for a in self.rows.values() if a.uscc == uscc
                        and (status is None or a.status.value == status)),
                       key=lambda a: (a.signed_at, a.agreement_no), reverse=True)
        if after:
            found = [a for a in found if (a.signed_at, a.agreement_no) < after]
        return found[:limit]


class FakeAuthorizations:
    def __init__(self, store: Store) -> None:
        self.rows = store.authorizations

    async def add(self, authorization: DataAuthorization) -> bool:
        return self.rows.setdefault(authorization.enterprise.uscc, authorization) is authorization

    async def of(self, uscc: str) -> DataAuthorization | None:
        return self.rows.get(uscc)


class FakeApplications:
    def __init__(self, store: Store) -> None:
        self.rows = store.applications
        self.documents = store.insurance_documents

    async def add(self, application: InsuranceApplication) -> bool:
        if application.offer_no in self.rows or any(
                a.uscc == application.uscc and a.is_open for a in self.rows.values()):
            return False
        self.rows[application.offer_no] = copy.deepcopy(application)
        return True

    async def get(self, offer_no: str, *, uscc: str | None = None) -> InsuranceApplication | None:
        found = self.rows.get(offer_no)
        if found is None or (uscc is not None and found.uscc != uscc):
            return None
        return copy.deepcopy(found)

    async def for_update(self, offer_no: str) -> InsuranceApplication | None:
        return await self.get(offer_no)

    async def open_of(self, uscc: str) -> InsuranceApplication | None:
        return next((copy.deepcopy(a) for a in self.rows.values() if a.uscc == uscc and a.is_open),
                    None)

    async def save(self, application: InsuranceApplication) -> None:
        self.rows[application.offer_no] = copy.deepcopy(application)

    async def document(self, offer_no: str, kind: str) -> tuple[bytes | None, str | None]:
        return self.documents.get((offer_no, kind), (None, None))

    async def store_document(self, offer_no: str, kind: str, pdf: bytes, shown: str) -> None:
        self.documents[(offer_no, kind)] = (pdf, shown)

    async def page(self, uscc: str, *, statuses: Sequence[str] | None, policies: bool, limit: int,
                   after: tuple[datetime, str] | None) -> list[InsuranceApplication]:
        def key(a: InsuranceApplication) -> tuple[datetime, str]:
            return (a.policy_issued_at if policies else a.offer.offered_at) or a.updated_at, a.offer_no
        found = sorted((a for a in self.rows.values() if a.uscc == uscc
                        and (not policies or a.policy_issued_at is not None)), key=key, reverse=True)
        if statuses:
            found = [a for a in found if (a.receipt_status.value if policies and a.receipt_status
                                          else a.status.value) in statuses]
        if after:
            found = [a for a in found if key(a) < after]
        return found[:limit]

    async def count(self, uscc: str, *, statuses: Sequence[str] | None, policies: bool) -> int:
        return len(await self.page(uscc, statuses=statuses, policies=policies,
                                   limit=len(self.rows) + 1, after=None))

    async def counts(self, uscc: str) -> dict[str, int]:
        counted: dict[str, int] = {}
        for a in self.rows.values():
            if a.uscc == uscc:
                counted[a.status.value] = counted.get(a.status.value, 0) + 1
        counted["待收悉"] = sum(1 for a in self.rows.values() if a.uscc == uscc
                               and a.receipt_status is not None and a.receipt_status.value == "待收悉")
        return counted


class FakeSmsCodes:
    def __init__(self, store: Store) -> None:
        self.rows = store.sms_codes

    async def add(self, code: VerificationCode) -> None:
        code.id = len(self.rows) + 1
        self.rows.append(copy.copy(code))

    async def latest(self, subject: str) -> VerificationCode | None:
        return next((copy.copy(c) for c in reversed(self.rows) if c.subject == subject), None)

    async def save(self, code: VerificationCode) -> None:
        self.rows[self.rows.index(next(c for c in self.rows if c.id == code.id))] = copy.copy(code)

    async def sent_since(self, uscc: str, since: datetime) -> int:
        return sum(1 for c in self.rows if c.uscc == uscc and c.issued_at >= since)


_ids = itertools.count(1)


class FakeOutbox:
    def __init__(self, store: Store) -> None:
        self.rows = store.outbox

    async def add(self, envelope: Envelope, payload: bytes, *, partner: str, object_type: str,
                  object_id: str) -> None:
        self.rows.append(OutboxItem(next(_ids), envelope.message_id, envelope.message_type,
                                    envelope.business_serial, envelope.correlation_id,
                                    object_type, object_id, OutboxStatus.PENDING.value, 0,
                                    created_at=utcnow(), payload=payload))

    async def claim(self, *, worker: str, limit: int, lease: timedelta) -> list[OutboxItem]:
        due = [m for m in self.rows if m.status == OutboxStatus.PENDING.value][:limit]
        for m in due:
            self.rows[self.rows.index(m)] = replace(m, status=OutboxStatus.SENDING.value)
        return due

    async def mark_delivered(self, *, worker: str,
                             delivered: Sequence[tuple[int, int, bytes]]) -> None:
        for row_id, attempts, ack in delivered:
            self._update(row_id, status=OutboxStatus.SENT.value, attempts=attempts, remote_ack=ack)

    async def release(self, *, worker: str, row_ids: Sequence[int]) -> None:
        for row_id in row_ids:
            self._update(row_id, status=OutboxStatus.PENDING.value)

    async def mark_dead(self, *, worker: str, row_id: int, attempts: int, error_code: str,
                        error: str) -> None:
        self._update(row_id, status=OutboxStatus.DEAD.value, attempts=attempts,
                     last_error_code=error_code, last_error=error)

    async def note_attempt(self, *, row_id: int, attempts: int, error_code: str,
                           error: str) -> None:
        self._update(row_id, attempts=attempts, last_error_code=error_code, last_error=error)

    async def replay(self, row_id: int) -> OutboxItem | None:
        found = await self.get(row_id)
        if found is None or found.status != OutboxStatus.DEAD.value:
            return None
        return self._update(row_id, status=OutboxStatus.PENDING.value)

    async def listing(self, *, status: OutboxStatus, limit: int,
                      before_id: int | None) -> list[OutboxItem]:
        return [m for m in reversed(self.rows) if m.status == status.value
                and (before_id is None or m.id < before_id)][:limit]

    async def get(self, row_id: int) -> OutboxItem | None:
        return next((m for m in self.rows if m.id == row_id), None)

    async def counts(self) -> dict[str, int]:
        counted: dict[str, int] = {}
        for m in self.rows:
            counted[m.status] = counted.get(m.status, 0) + 1
        return counted

    def _update(self, row_id: int, **changes: object) -> OutboxItem:
        index = next(i for i, m in enumerate(self.rows) if m.id == row_id)
        self.rows[index] = replace(self.rows[index], **changes)  # type: ignore[arg-type]
        return self.rows[index]


class FakeInbox:
    def __init__(self, store: Store) -> None:
        self.rows = store.inbox

    async def claim_many(self, records: Sequence[InboundRecord]
                         ) -> dict[tuple[str | None, str | None], Delivery]:
        answers = {}
        for record in records:
            key = (record.sender, record.message_id)
            original = next((i for i, r in enumerate(self.rows) if r.status == "processed"
                             and (r.sender, r.message_id) == key), None)
            if original is None:
                self.rows.append(record)
                answers[key] = Delivery(len(self.rows) - 1, False, record.ack_id, record.ack_xml)
            else:
                kept = self.rows[original]
                answers[key] = Delivery(original, True, kept.ack_id, kept.ack_xml)
        return answers

    async def reject_after_rules(self, rejections: Sequence[tuple[int, InboundRecord]]) -> None:
        for row_id, record in rejections:
            self.rows[row_id] = record

    async def store_rejected(self, records: Sequence[InboundRecord]) -> None:
        self.rows.extend(records)

    async def prune(self, *, older_than: datetime) -> int:
        return 0

    async def recent(self, *, limit: int, status: str | None,
                     before_id: int | None) -> list[InboxItem]:
        return []


class FakeBuyers:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, buyer: Buyer) -> bool:
        taken = any(b.uscc == buyer.uscc and (
            (buyer.code and b.code == buyer.code)
            or (buyer.registration_serial and b.registration_serial == buyer.registration_serial))
            for b in self.store.buyers)
        if not taken:
            self.store.buyers.append(buyer)
        return not taken

    async def get(self, uscc: str, reference: str) -> Buyer | None:
        return next((b for b in self.store.buyers if b.uscc == uscc
                     and reference in (b.code, b.registration_serial)), None)

    async def of(self, uscc: str) -> list[Buyer]:
        return sorted((b for b in self.store.buyers if b.uscc == uscc), key=lambda b: b.at, reverse=True)

    async def record_code(self, uscc: str, registration_serial: str, code: str) -> bool:
        for index, buyer in enumerate(self.store.buyers):
            if (buyer.uscc, buyer.registration_serial) == (uscc, registration_serial) and not buyer.code:
                self.store.buyers[index] = buyer.coded(code)
                return True
        return False


class FakeTimeline:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.pending: list[TimelineEntry] = []

    def record(self, *entries: TimelineEntry) -> None:
        self.pending.extend(entries)

    async def for_object(self, object_type: str, object_id: str) -> list[TimelineRecord]:
        return [r for r in self.store.timeline
                if (r.object_type, r.object_id) == (object_type, object_id)]


class FakeUnitOfWork:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._bind()

    def _bind(self) -> None:
        """Work on a copy of the store, as a transaction works on its own snapshot."""
        self.working = copy.deepcopy(self.store)
        self.agreements = FakeAgreements(self.working)
        self.authorizations = FakeAuthorizations(self.working)
        self.applications = FakeApplications(self.working)
        self.sms_codes = FakeSmsCodes(self.working)
        self.outbox = FakeOutbox(self.working)
        self.inbox = FakeInbox(self.working)
        self.timeline = FakeTimeline(self.working)
        self.buyers = FakeBuyers(self.working)

    async def commit(self) -> None:
        for entry in self.timeline.pending:
            self.working.timeline.append(TimelineRecord(
                len(self.working.timeline) + 1, entry.object_type, entry.object_id,
                entry.at or utcnow(), entry.event, entry.outcome, entry.message_type,
                entry.message_id, entry.correlation_id, dict(entry.detail)))
        for name in ("agreements", "documents", "authorizations", "applications",
                     "insurance_documents", "sms_codes", "outbox", "inbox", "timeline",
                     "buyers"):
            setattr(self.store, name, getattr(self.working, name))
        self.store.commits += 1
        self._bind()


class FakeUnitsOfWork:
    single_writer = True

    def __init__(self) -> None:
        self.store = Store()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[FakeUnitOfWork]:
        yield FakeUnitOfWork(self.store)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[FakeUnitOfWork]:
        yield FakeUnitOfWork(self.store)

    @asynccontextmanager
    async def held(self) -> AsyncIterator[FakeUnitsOfWork]:
        yield self
