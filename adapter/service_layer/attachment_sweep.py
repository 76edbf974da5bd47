"""The attachment sweep: blobs no row names any more, and uploads a dead process left half
written, removed once they are older than a grace period.

The store is content-addressed and shared (the same bytes on two claims are one blob), so
deleting an attachment's row never deletes its bytes: another claim, or a risk article,
may name the same digest. What nothing names is found here instead, in batches: the store
lists its blobs, the database says which of each batch are still named
(``ClaimAttachments.referenced``), and the rest go, but only when last written before the
grace period began. An upload writes its blob first and its row a moment later, and a
re-upload of the same bytes writes the blob again, so a young blob is never judged
unnamed on a row that is about to exist. Run by the operator (``python -m adapter
attachments-sweep``), or from cron; ``--dry-run`` says what would go.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from adapter.domain.exchange import utcnow
from adapter.ports.attachments import AttachmentStore, BlobEntry
from adapter.service_layer.unit_of_work import UnitsOfWork

DEFAULT_GRACE = timedelta(hours=24)
BATCH = 500


@dataclass(frozen=True, slots=True)
class SweepReport:
    """What one sweep saw and did (``removed`` lists what a dry run would remove)."""

    blobs: int
    named: int
    removed: tuple[str, ...]
    freed_bytes: int
    incoming_removed: int
    dry_run: bool


def _batches(entries: Iterator[BlobEntry]) -> Iterator[list[BlobEntry]]:
    while batch := list(islice(entries, BATCH)):
        yield batch


async def sweep(uows: UnitsOfWork, store: AttachmentStore, *, grace: timedelta = DEFAULT_GRACE,
                dry_run: bool = False, now: datetime | None = None) -> SweepReport:
    """Remove what no row names and nobody wrote within ``grace``; report what was seen."""
    cutoff = (now or utcnow()) - grace
    blobs = named = freed = 0
    removed: list[str] = []
    for batch in _batches(store.entries()):
        blobs += len(batch)
        async with uows.reading() as uow:
            kept = await uow.claim_attachments.referenced([entry.sha256 for entry in batch])
        named += len(kept)
        for entry in batch:
            if entry.sha256 in kept or entry.written_at >= cutoff:
                continue
            if dry_run or store.delete(entry.sha256, written_before=cutoff):
                removed.append(entry.sha256)
                freed += entry.size
    incoming = 0 if dry_run else store.sweep_incoming(written_before=cutoff)
    return SweepReport(blobs, named, tuple(removed), freed, incoming, dry_run)
