"""The attachment sweep over a real database and a real folder: what a claim's attachment
or a risk article's file names stays, whatever its age; an unnamed blob goes once it is
older than the grace period and stays while younger; a dead upload's temporary file goes
the same way; a dry run removes nothing; the command line prints the same report."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from adapter.domain.exchange import utcnow
from adapter.persistence.tables import claim_attachments, risk_article_attachments
from adapter.persistence.unit_of_work import SqlUnitsOfWork
from adapter.ports.attachments import FolderAttachmentStore
from adapter.service_layer.attachment_sweep import sweep
from tests.conftest import run_repo_command

DAY = 24 * 3600


def aged(store: FolderAttachmentStore, data: bytes, *, seconds: float) -> str:
    """A blob last written ``seconds`` ago."""
    blob = store.put(data)
    path = store.root / blob.sha256[:2] / blob.sha256
    then = time.time() - seconds
    os.utime(path, (then, then))
    return blob.sha256


async def name_on_claim(db: Any, sha256: str) -> None:
    async with db.transaction() as conn:
        await conn.execute(insert(claim_attachments).values(
            claim_no="CL-SWEEP-1", uscc="91350200MA2Y0Q1X9G", name="发票.pdf",
            media_type="application/pdf", size=10, sha256=sha256, remark="", summary="",
            uploaded_at=utcnow(), uploaded_by="林晓梅"))


async def name_on_article(db: Any, sha256: str) -> None:
    async with db.transaction() as conn:
        await conn.execute(insert(risk_article_attachments).values(
            article_id="RA-SWEEP-1", position=1, file_name="清单.pdf",
            content_type="application/pdf", size=10, sha256=sha256))


async def test_only_unnamed_blobs_older_than_the_grace_period_are_removed(
        db_url: str, db: Any, tmp_path: Path) -> None:
    store = FolderAttachmentStore(tmp_path / "attachments")
    on_claim = aged(store, b"claim attachment", seconds=30 * DAY)
    on_article = aged(store, b"article file", seconds=30 * DAY)
    orphan = aged(store, b"deleted attachment", seconds=2 * DAY)
    young = aged(store, b"row being written", seconds=60)
    await name_on_claim(db, on_claim)
    await name_on_article(db, on_article)
    dead = store.writer()
    dead.write(b"half an upload")
    dead_path = next((store.root).glob(".incoming-*"))
    os.utime(dead_path, (time.time() - 2 * DAY, time.time() - 2 * DAY))
    live = store.writer()
    live.write(b"an upload in flight")
    uows = SqlUnitsOfWork(db)

    looked = await sweep(uows, store, grace=timedelta(hours=24), dry_run=True)
    assert (looked.blobs, looked.named, looked.removed, looked.incoming_removed) == (
        4, 2, (orphan,), 0)
    assert store.exists(orphan) and dead_path.exists()

    done = await sweep(uows, store, grace=timedelta(hours=24))
    assert done.removed == (orphan,) and done.freed_bytes == len(b"deleted attachment")
    assert done.incoming_removed == 1 and not dead_path.exists()
    assert not store.exists(orphan)
    assert all(store.exists(kept) for kept in (on_claim, on_article, young))
    live.write(b" still going")
    assert live.commit().size == len(b"an upload in flight still going")

    again = await sweep(uows, store, grace=timedelta(hours=24))
    assert (again.blobs, again.removed, again.incoming_removed) == (4, (), 0)


async def test_the_command_line_prints_the_report(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "attachments"
    store = FolderAttachmentStore(folder)
    orphan = aged(store, b"nobody's file", seconds=3 * DAY)
    env = {"HUB_DATABASE_URL": db_url, "HUB_PORTS__ATTACHMENTS_DIR": str(folder)}
    result = run_repo_command("env", *(f"{k}={v}" for k, v in env.items()), sys.executable, "-m", "adapter", "attachments-sweep", "--dry-run")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert (printed["removed"], printed["dry_run"], printed["blobs"]) == ([orphan], True, 1)
    assert store.exists(orphan)
