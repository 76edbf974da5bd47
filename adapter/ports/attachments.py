"""Where attachment bytes live: claims' uploads (C-10) and risk articles' files (X-IN-6).

Content-addressed: a blob is named by the SHA-256 of its bytes, so the same file uploaded
twice is stored once, a name can never point at other bytes, and the digest the insurer
receives is the key it fetches with. The rows that say *whose* a blob is (a claim's
attachment, an article's file) live in the database; the store knows only bytes.

The default keeps files under a folder (``HUB_PORTS__ATTACHMENTS_DIR``, ``var/attachments``),
fanned out by the first two hex digits; a deployment's object store replaces it by config
(``HUB_PORTS__ATTACHMENTS=package.module:factory``). Bytes are written to a temporary file
in the same folder as they arrive and renamed into place once complete, so a reader never
sees half a blob and an upload cut at its limit leaves nothing behind.

What no row names any more (a deleted attachment, a corrected article's old file, an
upload whose row was refused), and the temporary file of a process that died mid-upload,
is removed by the operator's sweep (``service_layer/attachment_sweep.py``), only once it
is older than a grace period: a blob younger than that may be the one whose row is being
written right now.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_INCOMING = ".incoming-"


@dataclass(frozen=True, slots=True)
class StoredBlob:
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class BlobEntry:
    """One blob as the sweep sees it: when it was last written (a re-upload of the same
    bytes writes it again)."""

    sha256: str
    size: int
    written_at: datetime


class BlobWriter(Protocol):
    """One blob being written chunk by chunk; ``commit`` names it, ``abort`` forgets it."""

    @property
    def size(self) -> int: ...

    def write(self, chunk: bytes) -> None: ...

    def commit(self) -> StoredBlob: ...

    def abort(self) -> None: ...


class AttachmentStore(Protocol):
    def writer(self) -> BlobWriter: ...

    def put(self, data: bytes) -> StoredBlob: ...

    def exists(self, sha256: str) -> bool: ...

    def read(self, sha256: str) -> bytes: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def entries(self) -> Iterator[BlobEntry]:
        """Every complete blob, in no particular order."""

    def delete(self, sha256: str, *, written_before: datetime) -> bool:
        """Remove the blob if it was last written before that moment; whether it was."""

    def sweep_incoming(self, *, written_before: datetime) -> int:
        """Remove unfinished uploads last written before that moment; how many."""


def is_sha256(text: str) -> bool:
    return bool(_SHA256.match(text))


class _FolderWriter:
    def __init__(self, root: Path) -> None:
        self._root = root
        root.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=root, prefix=_INCOMING)
        self._file: BinaryIO | None = os.fdopen(handle, "wb")
        self._temp = Path(name)
        self._digest = hashlib.sha256()
        self._size = 0

    @property
    def size(self) -> int:
        return self._size

    def write(self, chunk: bytes) -> None:
        if self._file is None:
            raise RuntimeError("the blob is already committed or aborted")
        self._file.write(chunk)
        self._digest.update(chunk)
        self._size += len(chunk)

    def commit(self) -> StoredBlob:
        if self._file is None:
            raise RuntimeError("the blob is already committed or aborted")
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        sha256 = self._digest.hexdigest()
        target = _path_of(self._root, sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._temp, target)
        return StoredBlob(sha256, self._size)

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._temp.unlink(missing_ok=True)


def _path_of(root: Path, sha256: str) -> Path:
    if not is_sha256(sha256):
        raise KeyError(sha256)
    return root / sha256[:2] / sha256


class FolderAttachmentStore:
    """Blobs as files under one folder; what the demo and a single machine use."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def writer(self) -> BlobWriter:
        return _FolderWriter(self.root)

    def put(self, data: bytes) -> StoredBlob:
        writer = self.writer()
        try:
            writer.write(data)
            return writer.commit()
        except BaseException:
            writer.abort()
            raise

    def exists(self, sha256: str) -> bool:
        return is_sha256(sha256) and _path_of(self.root, sha256).is_file()

    def read(self, sha256: str) -> bytes:
        with self.open(sha256) as handle:
            return handle.read()

    def open(self, sha256: str) -> BinaryIO:
        try:
            return _path_of(self.root, sha256).open("rb")
        except FileNotFoundError:
            raise KeyError(sha256) from None

    def entries(self) -> Iterator[BlobEntry]:
        if not self.root.is_dir():
            return
        for fan in sorted(self.root.iterdir()):
            if not fan.is_dir() or len(fan.name) != 2:
                continue
            for path in fan.iterdir():
                if is_sha256(path.name) and path.name[:2] == fan.name:
                    stat = _stat(path)
                    if stat is not None:
                        yield BlobEntry(path.name, stat.st_size, _written(stat))

    def delete(self, sha256: str, *, written_before: datetime) -> bool:
        path = _path_of(self.root, sha256)
        stat = _stat(path)
        if stat is None or _written(stat) >= written_before:
            return False
        path.unlink(missing_ok=True)
        return True

    def sweep_incoming(self, *, written_before: datetime) -> int:
        removed = 0
        for path in self.root.glob(_INCOMING + "*") if self.root.is_dir() else ():
            stat = _stat(path)
            if stat is not None and _written(stat) < written_before:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:  # removed by another process meanwhile
        return None


def _written(stat: os.stat_result) -> datetime:
    return datetime.fromtimestamp(stat.st_mtime, UTC)
