"""The unit of work and its repositories, as the use cases see them.

A use case opens a unit of work, loads aggregates through its repositories, changes
them, adds the outbound documents and timeline entries the change causes, and commits
once: the state, the outbox rows and the timeline are in the database together or not
at all. Leaving without ``commit`` rolls everything back.

``persistence/`` implements these Protocols on SQLAlchemy; ``tests/unit`` has fakes in
memory, so the use cases run without a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from adapter.domain.agreement import Agreement, AgreementStatus, ReceiptFacts
from adapter.domain.attachments import AttachmentRecord
from adapter.domain.authorization import DataAuthorization
from adapter.domain.buyer import Buyer
from adapter.domain.circuit import CircuitRecord, ProbeTurn
from adapter.domain.claim import Claim
from adapter.domain.exchange import Envelope, OutboundDocument
from adapter.domain.inquiry import Inquiry
from adapter.domain.insurance import InsuranceApplication
from adapter.domain.message_board import BoardMessage
from adapter.domain.overdue import Waiting, WaitingSource
from adapter.domain.records import (
    Delivery,
    InboundRecord,
    InboxItem,
    OutboxItem,
    OutboxLevels,
    OutboxStatus,
)
from adapter.domain.risk_article import (
    ArticleCategory,
    ArticleDetail,
    ArticleHeadline,
    ArticleSearch,
    RiskArticle,
    StoredAttachment,
)
from adapter.domain.sms import VerificationCode
from adapter.domain.timeline import TimelineEntry, TimelineRecord


@dataclass(frozen=True, slots=True)
class ExpectedMove:
    """Move an agreement to ``to`` only if it is still ``expected`` and the enterprise's."""

    agreement_no: str
    uscc: str
    expected: AgreementStatus
    to: AgreementStatus
    at: datetime
    facts: ReceiptFacts


class Agreements(Protocol):
    async def add(self, agreement: Agreement, *, document: bytes | None) -> bool:
        """False when the enterprise already has a live agreement (a unique key decides)."""

    async def get(self, agreement_no: str, *, uscc: str | None = None) -> Agreement | None:
        """With ``uscc``, only that enterprise's agreement: another's is not found."""

    async def for_update(self, agreement_no: str) -> Agreement | None:
        """Locked until commit, so two receipts for one agreement decide one after the other."""

    async def for_update_many(self, agreement_nos: Sequence[str]) -> dict[str, Agreement]:
        """Several at once, locked in number order (two groups never lock crosswise);
        the unknown ones are simply absent."""

    async def live_of(self, uscc: str) -> Agreement | None: ...

    async def save(self, agreement: Agreement) -> None: ...

    async def move_many(self, moves: Sequence[ExpectedMove]) -> set[str]:
        """Apply each move whose agreement is still where it expects; the numbers moved.
        Agreement numbers must be distinct."""

    async def document(self, agreement_no: str) -> tuple[bytes | None, str | None]:
        """The stored PDF and the status it shows."""

    async def store_document(self, agreement_no: str, pdf: bytes, status: str) -> None: ...

    async def page(self, uscc: str, *, status: str | None, limit: int,
                   after: tuple[datetime, str] | None) -> list[Agreement]:
        """Newest first, keyset-paged on (signed_at, agreement_no)."""


class Authorizations(Protocol):
    async def add(self, authorization: DataAuthorization) -> bool:
        """False when the enterprise has authorized already (the first one stands)."""

    async def of(self, uscc: str) -> DataAuthorization | None: ...


class Applications(Protocol):
    """Insurance applications, one per pending policy (offer number)."""

    async def add(self, application: InsuranceApplication) -> bool:
        """False when the enterprise already has an open offer (a unique key decides)."""

    async def get(self, offer_no: str, *, uscc: str | None = None) -> InsuranceApplication | None:
        """With ``uscc``, only that enterprise's application: another's is not found."""

    async def for_update(self, offer_no: str) -> InsuranceApplication | None: ...

    async def open_of(self, uscc: str) -> InsuranceApplication | None: ...

    async def save(self, application: InsuranceApplication) -> None: ...

    async def document(self, offer_no: str, kind: str) -> tuple[bytes | None, str | None]:
        """A stored PDF (``application``, ``policy`` or ``e_policy``) and the state it shows."""

    async def store_document(self, offer_no: str, kind: str, pdf: bytes, shown: str) -> None: ...

    async def page(self, uscc: str, *, statuses: Sequence[str] | None, policies: bool, limit: int,
                   after: tuple[datetime, str] | None) -> list[InsuranceApplication]:
        """Newest first, keyset-paged on (offered_at, offer_no); ``policies``: only those
        that became a policy, on (policy_issued_at, offer_no)."""

    async def count(self, uscc: str, *, statuses: Sequence[str] | None, policies: bool) -> int:
        """How many rows ``page`` lists with the same filter (the home's counts)."""

    async def counts(self, uscc: str) -> dict[str, int]:
        """How many applications per 投保状态, and ``待收悉`` for policies awaiting it."""


class Claims(Protocol):
    """索赔申请, one per claim number; lines and form travel with the claim."""

    async def add(self, claim: Claim) -> None: ...

    async def get(self, claim_no: str, *, uscc: str | None = None) -> Claim | None:
        """With ``uscc``, only that enterprise's claim: another's is not found."""

    async def for_update(self, claim_no: str) -> Claim | None:
        """Locked until commit: an edit and a review decide one after the other."""

    async def save(self, claim: Claim) -> None: ...

    async def of_policy(self, uscc: str, offer_no: str) -> list[Claim]:
        """The enterprise's claims on one policy, newest first."""

    async def store_report(self, claim_no: str, pdf: bytes, sha256: str) -> None: ...

    async def report(self, claim_no: str) -> bytes | None:
        """The latest sealed 出运数据报告."""

    async def page(self, uscc: str, *, statuses: Sequence[str] | None, limit: int,
                   after: tuple[datetime, str] | None) -> list[Claim]:
        """The enterprise's claims in these states, newest change first, keyset-paged on
        (updated_at, claim_no)."""

    async def count(self, uscc: str, *, statuses: Sequence[str] | None) -> int:
        """How many claims ``page`` lists with the same filter."""


class ClaimAttachments(Protocol):
    """A claim's 附件 rows; the bytes are the attachment store's, named by SHA-256."""

    async def add(self, record: AttachmentRecord) -> AttachmentRecord | None:
        """The stored row with its id; None when the claim holds these bytes already."""

    async def of_claim(self, claim_no: str) -> list[AttachmentRecord]:
        """In upload order (序号)."""

    async def get(self, claim_no: str, attachment_id: int) -> AttachmentRecord | None: ...

    async def remove(self, claim_no: str, attachment_id: int) -> bool: ...

    async def used_bytes(self, claim_no: str) -> int:
        """What the claim's attachments weigh together (its 40M budget)."""

    async def sent_attachment(self, sha256: str) -> AttachmentRecord | None:
        """An attachment with these bytes that a submitted claim sent (uploaded before its
        latest submission): what the insurer may fetch."""

    async def sent_report(self, sha256: str) -> bytes | None:
        """The sealed shipment report with this digest, if a submitted claim sent it."""

    async def referenced(self, digests: Sequence[str]) -> set[str]:
        """Which of these blobs a claim's attachment or a risk article's file still names
        (what the attachment sweep must keep)."""


class Buyers(Protocol):
    """The buyers an enterprise chose from the insurer's list or registered (C-3)."""

    async def add(self, buyer: Buyer) -> bool:
        """False when the enterprise has this buyer already (same code or registration serial)."""

    async def get(self, uscc: str, reference: str) -> Buyer | None:
        """The enterprise's buyer by insurer code or registration serial; another's is not found."""

    async def of(self, uscc: str) -> list[Buyer]:
        """Newest first."""

    async def record_code(self, uscc: str, registration_serial: str, code: str) -> bool:
        """登记中 → 已登记 with the insurer's code; False when it had one already."""


class Inquiries(Protocol):
    """询保申请, one per serial number."""

    async def add(self, inquiry: Inquiry) -> None: ...

    async def get(self, serial_no: str, *, uscc: str | None = None) -> Inquiry | None:
        """With ``uscc``, only that enterprise's inquiry: another's is not found."""

    async def for_update(self, serial_no: str) -> Inquiry | None:
        """Locked until commit, so two replies to one inquiry decide one after the other."""

    async def save(self, inquiry: Inquiry) -> None: ...

    async def page(self, uscc: str, *, statuses: Sequence[str] | None, limit: int,
                   after: tuple[datetime, str] | None) -> list[Inquiry]:
        """Newest first, keyset-paged on (submitted_at, serial_no)."""


class MessageBoard(Protocol):
    """调查问卷 / 留言板 messages, written once."""

    async def add(self, message: BoardMessage) -> None: ...

    async def get(self, message_no: str, *, uscc: str) -> BoardMessage | None:
        """Only that enterprise's message: another's is not found."""

    async def page(self, uscc: str, *, limit: int,
                   after: tuple[datetime, str] | None) -> list[BoardMessage]:
        """The enterprise's own, newest first, keyset-paged on (submitted_at, message_no)."""

    async def recent(self, *, limit: int, before_id: int | None) -> list[tuple[int, BoardMessage]]:
        """Every enterprise's, for operators: (row id, message), newest first below ``before_id``."""


class RiskArticles(Protocol):
    """风险资讯: the held version of each article, and the searches of §五."""

    async def held_version(self, article_id: str) -> int | None:
        """Locked until commit, so two versions of one article decide one after the other."""

    async def hold(self, article: RiskArticle, *, body_html: str | None,
                   attachments: Sequence[StoredAttachment], received_at: datetime,
                   message_id: str) -> bool:
        """Hold this version (withdrawn when ``body_html`` is None); False if one at least
        as new is held."""

    async def record_version(self, article: RiskArticle, *, message_id: str,
                             received_at: datetime, outcome: str) -> None: ...

    async def overview(self, search: ArticleSearch, *, per_category: int
                       ) -> dict[ArticleCategory, list[ArticleHeadline]]: ...

    async def page(self, category: ArticleCategory, search: ArticleSearch, *, limit: int,
                   after: tuple[datetime, str] | None) -> list[ArticleHeadline]:
        """Newest first, keyset-paged on (published_at, article_id)."""

    async def latest(self, limit: int) -> list[ArticleHeadline]: ...

    async def detail(self, article_id: str) -> ArticleDetail | None: ...

    async def attachment(self, article_id: str, position: int) -> StoredAttachment | None: ...


class SmsCodes(Protocol):
    async def add(self, code: VerificationCode) -> None: ...

    async def latest(self, subject: str) -> VerificationCode | None:
        """The newest code of one application, locked until commit."""

    async def save(self, code: VerificationCode) -> None:
        """Tries and use: the only things that change on a code."""

    async def sent_since(self, uscc: str, since: datetime) -> int: ...


class Outbox(Protocol):
    async def add(self, envelope: Envelope, payload: bytes, *, partner: str, object_type: str,
                  object_id: str) -> None: ...

    async def claim(self, *, worker: str, limit: int, lease: timedelta) -> list[OutboxItem]: ...

    async def mark_delivered(self, *, worker: str,
                             delivered: Sequence[tuple[int, int, bytes]]) -> None:
        """(row id, attempts, the partner's acknowledgement) per delivered message."""

    async def release(self, *, worker: str, row_ids: Sequence[int]) -> None: ...

    async def mark_dead(self, *, worker: str, row_id: int, attempts: int, error_code: str,
                        error: str) -> None: ...

    async def note_attempt(self, *, row_id: int, attempts: int, error_code: str,
                           error: str) -> None: ...

    async def replay(self, row_id: int) -> OutboxItem | None: ...

    async def listing(self, *, status: OutboxStatus, limit: int,
                      before_id: int | None) -> list[OutboxItem]: ...

    async def get(self, row_id: int) -> OutboxItem | None: ...

    async def counts(self) -> dict[str, int]:
        """Rows per status, counted: walks the whole outbox (tests; never a probe)."""

    async def renew(self, *, worker: str, row_ids: Sequence[int], lease: timedelta) -> int:
        """Extend the leases this worker still holds (the heartbeat); how many it held."""

    async def expire(self, *, due_before: datetime, limit: int) -> list[OutboxItem]:
        """Pending messages due since before ``due_before``, made dead letters."""

    async def levels(self, *, cap: int) -> OutboxLevels:
        """Backlog, dead letters and the oldest waiting message, bounded by indexes."""


class Inbox(Protocol):
    async def claim_many(self, records: Sequence[InboundRecord]
                         ) -> dict[tuple[str | None, str | None], Delivery]:
        """Store accepted documents or count repeats, keyed by (sender, message id); the
        pairs must be distinct."""

    async def reject_after_rules(self, rejections: Sequence[tuple[int, InboundRecord]]) -> None:
        """Rules refused stored documents (row id, new record): keep their bytes, free
        their message ids; one statement for a group."""

    async def store_rejected(self, records: Sequence[InboundRecord]) -> None:
        """Documents refused before their effect, stored as received; one statement."""

    async def prune(self, *, older_than: datetime) -> int: ...

    async def recent(self, *, limit: int, status: str | None, before_id: int | None,
                     message_type: str | None = None) -> list[InboxItem]: ...

    async def estimated_rows(self) -> int:
        """How many documents the inbox holds, estimated (never counted)."""


class Circuits(Protocol):
    """The partners' circuit breakers, as all dispatchers sharing the database see them."""

    async def all(self) -> list[CircuitRecord]: ...

    async def get(self, partner: str) -> CircuitRecord | None: ...

    async def open(self, partner: str, *, now: datetime, probe_after: datetime, failures: int,
                   error_code: str, worker: str) -> bool:
        """True when this call opened it (it was closed or unknown)."""

    async def take_probe(self, partner: str, *, now: datetime, interval: timedelta,
                         worker: str) -> ProbeTurn: ...

    async def probe_failed(self, partner: str, *, now: datetime, error_code: str) -> None: ...

    async def close(self, partner: str, *, now: datetime, worker: str) -> datetime | None:
        """When the closed circuit had opened; None if it was closed already."""


class WaitingObjects(Protocol):
    """Objects waiting in a state, for the overdue report."""

    async def since(self, source: WaitingSource, *, until: datetime,
                    limit: int) -> list[Waiting]:
        """Waiting since ``until`` or earlier, oldest first, ``limit`` per state."""

    async def count(self, searches: Sequence[tuple[WaitingSource, datetime]], *,
                    cap: int) -> list[int]:
        """Per (source, until), how many wait since then or earlier: one statement."""


class Timeline(Protocol):
    def record(self, *entries: TimelineEntry) -> None:
        """Entries are written with the commit, all in one statement."""

    async def for_object(self, object_type: str, object_id: str) -> list[TimelineRecord]:
        """Oldest first, the order a person reads it."""


class UnitOfWork(Protocol):
    @property
    def agreements(self) -> Agreements: ...

    @property
    def authorizations(self) -> Authorizations: ...

    @property
    def applications(self) -> Applications: ...

    @property
    def inquiries(self) -> Inquiries: ...

    @property
    def buyers(self) -> Buyers: ...

    @property
    def messages(self) -> MessageBoard: ...

    @property
    def claims(self) -> Claims: ...

    @property
    def claim_attachments(self) -> ClaimAttachments: ...

    @property
    def risk_articles(self) -> RiskArticles: ...

    @property
    def sms_codes(self) -> SmsCodes: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def inbox(self) -> Inbox: ...

    @property
    def timeline(self) -> Timeline: ...

    @property
    def circuits(self) -> Circuits: ...

    @property
    def waiting(self) -> WaitingObjects: ...

    async def commit(self) -> None: ...


class UnitsOfWork(Protocol):
    """Where units of work come from. ``single_writer``: the database takes one writing
    transaction at a time (SQLite), so no two run side by side."""

    @property
    def single_writer(self) -> bool: ...

    def begin(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A writing unit of work; commit it, or everything in it is rolled back."""

    def reading(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit of work for reading only; it takes no writer's turn."""

    def held(self) -> AbstractAsyncContextManager[UnitsOfWork]:
        """Units of work that share one connection, for a run of transactions that should
        not pay the pool's checkout each time (group commit)."""


def outbound_document(item: OutboxItem) -> OutboundDocument:
    return OutboundDocument(item.message_type, item.message_id, item.business_serial,
                            item.correlation_id, item.payload or b"")
