"""A claim's attachments (C-10): list, add, download, delete; and the insurer's copy.

Whose claim it is and whether it may still change is the claim's own answer
(:func:`~adapter.service_layer.claim.readable_claim`, ``editable_claim``): another
enterprise's claim is 404, a submitted one 409. An upload arrives in two steps around the
streaming that only the channel can do: :func:`used_bytes` says how much of the claim's
40M budget is spent (the reader cuts the file at :func:`~adapter.domain.attachments.allowance`),
then :func:`add` writes the row, checking the budget again under the claim's row lock, so
two uploads side by side never pass 40M together.

Usage by the claim's submit (C-11) and its document (X-OUT-7)::

    from adapter.service_layer.claim_attachments import attachments_of
    refs = await attachments_of(uow, claim_no)   # [AttachmentRef(attachment_id, name, media_type, size, sha256)]

The bytes reach the insurer by an authenticated fetch, not inside the document (which
stays under ``limits.max_document_bytes``): the claim document names each file's URL,
:func:`fetch_path` under the hub's public base, and the insurer GETs it with its partner
credential (``inbound/attachment_fetch.py``). The sealed shipment report is fetched the same
way, by its SHA-256.

The bytes stay in the attachment store when a row goes (another claim may hold the same
file); a blob a refused or deleted row leaves behind is harmless (content-addressed, never
listed), and the operator's sweep (``attachment_sweep``) removes it once nothing names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from adapter.domain.attachments import (
    AttachmentDuplicate,
    AttachmentRecord,
    AttachmentType,
    AttachmentUnknown,
    check_budget,
    clean_file_name,
)
from adapter.domain.claim import AttachmentRef
from adapter.domain.exchange import utcnow
from adapter.domain.identity import Identity
from adapter.domain.timeline import TimelineEntry
from adapter.ports.attachments import AttachmentStore, StoredBlob
from adapter.service_layer.claim import OBJECT, Clock, editable_claim, readable_claim
from adapter.service_layer.unit_of_work import UnitOfWork, UnitsOfWork

# Where the insurer fetches a file the claim document lists (attachments and the report).
FETCH_PATH = "/insurer/v1/attachments/{sha256}"


def fetch_path(sha256: str) -> str:
    return FETCH_PATH.format(sha256=sha256)


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    """A file the channel streamed into the store: its blob, detected type, raw name, notes."""

    blob: StoredBlob
    kind: AttachmentType
    file_name: str | None
    remark: str
    summary: str


def ref(record: AttachmentRecord) -> AttachmentRef:
    return AttachmentRef(str(record.attachment_id), record.name, record.media_type, record.size,
                         record.sha256)


async def attachments_of(uow: UnitOfWork, claim_no: str) -> list[AttachmentRef]:
    """What the claim document lists, in upload order; the caller checked whose claim it is."""
    return [ref(record) for record in await uow.claim_attachments.of_claim(claim_no)]


async def listing(uows: UnitsOfWork, identity: Identity, claim_no: str) -> list[AttachmentRecord]:
    async with uows.reading() as uow:
        await readable_claim(uow, identity, claim_no)
        return await uow.claim_attachments.of_claim(claim_no)


async def used_bytes(uows: UnitsOfWork, identity: Identity, claim_no: str) -> int:
    """Before streaming: the claim may take attachments (404 / 409 otherwise), and holds this much."""
    async with uows.reading() as uow:
        claim = await readable_claim(uow, identity, claim_no)
        claim.require_editable()
        return await uow.claim_attachments.used_bytes(claim_no)


async def add(uows: UnitsOfWork, identity: Identity, claim_no: str, received: ReceivedFile, *,
              clock: Clock = utcnow) -> AttachmentRecord:
    """上传附件: the row, once the bytes are in the store; the budget checked under the lock."""
    async with uows.begin() as uow:
        await editable_claim(uow, identity, claim_no)
        check_budget(await uow.claim_attachments.used_bytes(claim_no), received.blob.size)
        record = AttachmentRecord(
            0, claim_no, identity.uscc, clean_file_name(received.file_name, received.kind),
            received.kind.media_type, received.blob.size, received.blob.sha256, received.remark,
            received.summary, clock(), identity.user_name)
        stored = await uow.claim_attachments.add(record)
        if stored is None:
            raise AttachmentDuplicate(f"{received.blob.sha256} is on {claim_no} already",
                                      path="$.file")
        uow.timeline.record(_entry(claim_no, "attachment_added", stored, identity))
        await uow.commit()
    return stored


async def remove(uows: UnitsOfWork, identity: Identity, claim_no: str, attachment_id: int) -> None:
    """删除: only while the claim may change; the blob stays (another claim may hold it)."""
    async with uows.begin() as uow:
        await editable_claim(uow, identity, claim_no)
        record = await uow.claim_attachments.get(claim_no, attachment_id)
        if record is None or not await uow.claim_attachments.remove(claim_no, attachment_id):
            raise AttachmentUnknown(f"attachment {attachment_id} of {claim_no}")
        uow.timeline.record(_entry(claim_no, "attachment_removed", record, identity))
        await uow.commit()


async def opened(uows: UnitsOfWork, store: AttachmentStore, identity: Identity, claim_no: str,
                 attachment_id: int) -> tuple[AttachmentRecord, BinaryIO]:
    """The enterprise's own download: its claim, its row, the store's bytes."""
    async with uows.reading() as uow:
        await readable_claim(uow, identity, claim_no)
        record = await uow.claim_attachments.get(claim_no, attachment_id)
    if record is None:
        raise AttachmentUnknown(f"attachment {attachment_id} of {claim_no}")
    return record, _open(store, record.sha256)


@dataclass(frozen=True, slots=True)
class InsurerCopy:
    """What the insurer fetches by digest: an attachment's bytes, or the sealed report."""

    media_type: str
    name: str
    size: int
    content: BinaryIO | bytes


async def insurer_copy(uows: UnitsOfWork, store: AttachmentStore, sha256: str) -> InsurerCopy:
    """Only bytes a submitted claim sent; anything else (unknown, never sent) is 404."""
    async with uows.reading() as uow:
        record = await uow.claim_attachments.sent_attachment(sha256)
        report = None if record else await uow.claim_attachments.sent_report(sha256)
    if record is not None:
        return InsurerCopy(record.media_type, record.name, record.size, _open(store, sha256))
    if report is not None:
        return InsurerCopy(AttachmentType.PDF.media_type, f"出运数据报告-{sha256[:12]}.pdf",
                           len(report), report)
    raise AttachmentUnknown(f"no submitted claim sent {sha256}")


def _open(store: AttachmentStore, sha256: str) -> BinaryIO:
    try:
        return store.open(sha256)
    except KeyError:
        raise AttachmentUnknown(f"blob {sha256} is not in the store") from None


def _entry(claim_no: str, event: str, record: AttachmentRecord, identity: Identity) -> TimelineEntry:
    return TimelineEntry(OBJECT, claim_no, event, detail={
        "attachment_id": record.attachment_id, "name": record.name,
        "media_type": record.media_type, "size": record.size, "sha256": record.sha256,
        "by": identity.user_name})
