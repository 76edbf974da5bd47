"""The content-addressed attachment store: named by digest, whole or not at all."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from adapter.ports.attachments import FolderAttachmentStore, is_sha256


def test_bytes_are_named_by_their_digest_and_stored_once(tmp_path: Path) -> None:
    store = FolderAttachmentStore(tmp_path)
    first = store.put(b"invoice 2026-001")
    again = store.put(b"invoice 2026-001")
    assert first == again
    assert first.sha256 == hashlib.sha256(b"invoice 2026-001").hexdigest()
    assert first.size == 16
    assert store.read(first.sha256) == b"invoice 2026-001"
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_a_streamed_blob_appears_only_when_committed(tmp_path: Path) -> None:
    store = FolderAttachmentStore(tmp_path)
    writer = store.writer()
    for chunk in (b"a" * 1000, b"b" * 24):
        writer.write(chunk)
    assert writer.size == 1024
    digest = hashlib.sha256(b"a" * 1000 + b"b" * 24).hexdigest()
    assert not store.exists(digest)
    blob = writer.commit()
    assert blob.sha256 == digest and store.exists(digest)


def test_an_aborted_upload_leaves_nothing(tmp_path: Path) -> None:
    store = FolderAttachmentStore(tmp_path)
    writer = store.writer()
    writer.write(b"cut at the limit")
    writer.abort()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("name", ["../etc/passwd", "ABC", "0" * 63, "g" * 64, ""])
def test_only_a_digest_names_a_blob(tmp_path: Path, name: str) -> None:
    store = FolderAttachmentStore(tmp_path)
    assert not is_sha256(name)
    assert not store.exists(name)
    with pytest.raises(KeyError):
        store.read(name)
