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
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class StoredBlob:
    sha256: str
    size: int


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


def is_sha256(text: str) -> bool:
    return bool(_SHA256.match(text))


class _FolderWriter:
    def __init__(self, root: Path) -> None:
        self._root = root
        root.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=root, prefix=".incoming-")
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
