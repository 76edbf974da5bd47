"""A multipart/form-data upload read as it arrives: one file straight into the attachment
store, a few short text fields, nothing held whole in memory.

aiohttp's ``client_max_size`` bounds only ``request.read()`` / ``post()`` / ``json()``, which
buffer the body; ``request.multipart()`` streams, so the app-wide figure neither applies
here nor makes the hub buffer an upload, and the portal's 64 KiB JSON limit
(``requests.parse_body``) is never asked: an upload route calls :func:`stream_upload`
instead, with its own limit. The reader:

- refuses at once a body whose declared length is beyond the file's limit plus a form's
  overhead, before reading any of it;
- copies the file part chunk by chunk (:data:`CHUNK` bytes) into a store writer and stops
  at the first chunk that would pass the limit: the request is cut there, the half blob
  forgotten (``abort``) and the caller answers 413 and closes the connection;
- lets ``sniff`` judge the first :data:`~adapter.domain.attachments.MAGIC_BYTES` as soon as
  they are in, so a wrong type is refused without reading the rest either;
- takes each text field up to its own length, UTF-8, without control characters;
- refuses anything else the form has not: unknown or repeated parts, nested multiparts,
  transfer encodings, more than :data:`MAX_PARTS` parts.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import unquote

from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from adapter.domain.attachments import MAGIC_BYTES, AttachmentFileRequired, AttachmentFormMalformed
from adapter.domain.errors import HubError, InvalidValue
from adapter.domain.text import clean_text
from adapter.portal.errors import FieldTooLong, FieldUnknown
from adapter.ports.attachments import AttachmentStore, BlobWriter, StoredBlob

Kind = TypeVar("Kind")
CHUNK = 64 * 1024
# Boundaries, part headers and the short text fields of one upload form.
FORM_OVERHEAD = 64 * 1024
MAX_PARTS = 8
# What aiohttp's multipart parser raises on a broken form (never a body's timeout, which
# the deadline middleware answers).
_ESCAPE = re.compile("%[0-9A-Fa-f]{2}")
_BROKEN = (ValueError, RuntimeError, AssertionError, LookupError, HttpProcessingError)


@dataclass(frozen=True, slots=True)
class StreamedUpload(Generic[Kind]):
    blob: StoredBlob
    kind: Kind
    filename: str | None
    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class UploadForm(Generic[Kind]):
    """What one upload route accepts: the file's part name, limit, refusal and type check,
    and each text field with its length in characters."""

    limit: int
    too_large: Callable[[], HubError]
    sniff: Callable[[bytes], Kind]
    text_fields: Mapping[str, int]
    file_field: str = "file"


async def stream_upload(request: web.Request, store: AttachmentStore,
                        form: UploadForm[Kind]) -> StreamedUpload[Kind]:
    """The file in the store (committed) and the text fields; raises a coded refusal."""
    if request.content_type != "multipart/form-data":
        raise AttachmentFormMalformed(f"content type {request.content_type[:60]}", path="$")
    if request.content_length is not None and request.content_length > form.limit + FORM_OVERHEAD:
        raise form.too_large()
    try:
        reader = await request.multipart()
    except _BROKEN as exc:
        raise AttachmentFormMalformed(str(exc)[:200], path="$") from None
    return await _read_parts(reader, store, form)


async def _read_parts(reader: MultipartReader, store: AttachmentStore,
                      form: UploadForm[Kind]) -> StreamedUpload[Kind]:
    writer: BlobWriter | None = None
    fields: dict[str, str] = {}
    kind: Kind | None = None
    filename: str | None = None
    try:
        for _ in range(MAX_PARTS + 1):
            part = await _next(reader)
            if part is None:
                break
            name = part.name or ""
            if name == form.file_field and writer is None:
                writer, filename = store.writer(), _filename(part.filename)
                kind = await _stream_file(part, writer, form)
            elif name in form.text_fields and name not in fields:
                fields[name] = await _text(part, name, form.text_fields[name])
            else:
                raise FieldUnknown(f"part {name[:40]!r} unknown or repeated",
                                   path=f"$.{name[:40]}" if name else "$")
        else:
            raise AttachmentFormMalformed(f"more than {MAX_PARTS} parts", path="$")
        if writer is None or kind is None:
            raise AttachmentFileRequired("no file part", path=f"$.{form.file_field}")
        blob = await asyncio.to_thread(writer.commit)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    return StreamedUpload(blob, kind, filename, fields)


async def _next(reader: MultipartReader) -> BodyPartReader | None:
    try:
        part = await reader.next()
    except _BROKEN as exc:
        raise AttachmentFormMalformed(str(exc)[:200], path="$") from None
    if part is not None and not isinstance(part, BodyPartReader):
        raise AttachmentFormMalformed("nested multipart", path="$")
    if part is not None and _encoded(part):
        raise AttachmentFormMalformed("transfer or content encoding", path="$")
    return part


def _filename(raw: str | None) -> str | None:
    """Browsers send a name as UTF-8 and escape only ``"`` CR LF (%22 %0D %0A); other
    clients (aiohttp's, curl's ``--form-escape``) percent-encode all of it. An ASCII name
    with escapes that decode to UTF-8 is read decoded, so ``..%2F..%2Fx`` is cleaned as the
    path it is; anything else is taken as sent. The domain cleans the result either way."""
    if not raw or not raw.isascii() or not _ESCAPE.search(raw):
        return raw
    try:
        decoded = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return raw
    return decoded


def _encoded(part: BodyPartReader) -> bool:
    encodings = (part.headers.get("Content-Transfer-Encoding", "binary").lower(),
                 part.headers.get("Content-Encoding", "identity").lower())
    return encodings[0] not in ("binary", "8bit", "7bit") or encodings[1] != "identity"


async def _chunk(part: BodyPartReader) -> bytes:
    try:
        return await part.read_chunk(CHUNK)
    except _BROKEN as exc:
        raise AttachmentFormMalformed(str(exc)[:200], path="$") from None


async def _stream_file(part: BodyPartReader, writer: BlobWriter, form: UploadForm[Kind]) -> Kind:
    head = bytearray()
    kind: Kind | None = None
    while chunk := await _chunk(part):
        if writer.size + len(chunk) > form.limit:
            raise form.too_large()
        if kind is None:
            head += chunk[: MAGIC_BYTES - len(head)]
            if len(head) >= MAGIC_BYTES:
                kind = form.sniff(bytes(head))
        writer.write(chunk)
    return form.sniff(bytes(head)) if kind is None else kind


async def _text(part: BodyPartReader, name: str, max_chars: int) -> str:
    """A short field: at most four bytes a character, then checked as typed text."""
    raw = bytearray()
    while chunk := await _chunk(part):
        raw += chunk
        if len(raw) > max_chars * 4:
            raise FieldTooLong(f"{name} over {max_chars} characters", path=f"$.{name}")
    try:
        text = clean_text(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise AttachmentFormMalformed(f"{name} is not UTF-8", path=f"$.{name}") from None
    except InvalidValue as exc:
        exc.path = f"$.{name}"
        raise
    if len(text) > max_chars:
        raise FieldTooLong(f"{name} over {max_chars} characters", path=f"$.{name}")
    return text
