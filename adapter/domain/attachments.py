"""A claim's attachments (§四 4.1 附件, C-10): what may be uploaded, how big, under which name.

The manual's limits: 上传单个附件的容量上限为4M，上传全部附件的容量上限为40M. "M" is read as
MiB (4 × 1024 × 1024 bytes), as the upload screens of the Single Window count it; one
byte more is refused. Both limits are checked while the bytes arrive (the portal's reader
asks :func:`allowance` before it starts), so a request is cut at the limit, never read
whole first.

The types: the manual asks for scans of trade documents and proofs of loss (扫描并上传 …
推荐分辨率：300×300dpi) and names no office format, so the hub takes what a scanner or a
phone makes and every reader opens: PDF, JPEG and PNG. Office files are not taken: a .docx
is a zip that magic bytes cannot tell from any other zip without unpacking it, and they
carry macros and external links the insurer's reviewers should not have to open. The type
is decided by the content's magic bytes (``filetype``), never by the name or the declared
Content-Type; the stored media type is the detected one.

Names are shown to people and sent to the insurer, so they are cleaned, not trusted:
Unicode NFC, the last path part only (``..\\..\\boot.ini`` is ``boot.ini``), no control,
format (bidi overrides: ``invoice\u202efdp.exe``) or Windows-reserved characters, at most
:data:`MAX_NAME_CHARS` characters, and ending in the extension of the detected type.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from urllib.parse import quote

import filetype

from adapter.domain.errors import Conflict, ContentTooLarge, InvalidValue, NotFound

MIB = 1024 * 1024
MAX_ATTACHMENT_BYTES = 4 * MIB
MAX_CLAIM_ATTACHMENT_BYTES = 40 * MIB
MAX_NAME_CHARS = 100
# How much of the start of a file the type is read from (filetype looks at most this far).
MAGIC_BYTES = 8192
# 备注 and 摘要 of the upload form.
MAX_NOTE_CHARS = 200


class AttachmentType(Enum):
    """Allowed content: (media type, extension, the 类型 column's word)."""

    PDF = ("application/pdf", "pdf", "PDF")
    JPEG = ("image/jpeg", "jpg", "JPEG")
    PNG = ("image/png", "png", "PNG")

    @property
    def media_type(self) -> str:
        return self.value[0]

    @property
    def extension(self) -> str:
        return self.value[1]

    @property
    def label(self) -> str:
        return self.value[2]

    @classmethod
    def of_media_type(cls, media_type: str) -> AttachmentType:
        return next(kind for kind in cls if kind.media_type == media_type)


_EXTENSIONS = {AttachmentType.PDF: ("pdf",), AttachmentType.JPEG: ("jpg", "jpeg", "jpe"),
               AttachmentType.PNG: ("png",)}


class AttachmentTooLarge(ContentTooLarge):
    code = "E-ATTACHMENT-TOO-LARGE"
    message_zh = "上传单个附件的容量上限为4M"


class ClaimAttachmentsTooLarge(ContentTooLarge):
    code = "E-ATTACHMENT-TOTAL-TOO-LARGE"
    message_zh = "上传全部附件的容量上限为40M，本索赔已上传{used}，剩余{left}"


class AttachmentTypeRefused(InvalidValue):
    code = "E-ATTACHMENT-TYPE"
    message_zh = "仅支持PDF、JPEG、PNG格式的文件（按文件内容识别，与文件名无关）"


class AttachmentEmpty(InvalidValue):
    code = "E-ATTACHMENT-EMPTY"
    message_zh = "附件内容为空"


class AttachmentFileRequired(InvalidValue):
    code = "E-ATTACHMENT-FILE-REQUIRED"
    message_zh = "请选择要上传的文件"


class AttachmentFormMalformed(InvalidValue):
    """Not a multipart/form-data body, a broken one, or parts the upload form has not."""

    code = "E-ATTACHMENT-FORM"
    message_zh = "上传内容须为multipart/form-data表单，包含文件及可选的备注、摘要"


class AttachmentUnknown(NotFound):
    code = "E-ATTACHMENT-UNKNOWN"
    message_zh = "附件不存在"


class AttachmentDuplicate(Conflict):
    code = "E-ATTACHMENT-DUPLICATE"
    message_zh = "该文件已作为本索赔的附件上传，请勿重复上传"


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    """One row of the claim's 附件 table: 序号 (``attachment_id``), 类型, 文件名, 备注, 摘要,
    上传时间, 文件大小; the bytes are the store's, named by ``sha256``."""

    attachment_id: int
    claim_no: str
    uscc: str
    name: str
    media_type: str
    size: int
    sha256: str
    remark: str
    summary: str
    uploaded_at: datetime
    uploaded_by: str

    @property
    def kind(self) -> AttachmentType:
        return AttachmentType.of_media_type(self.media_type)


def allowance(used: int) -> int:
    """How many bytes the next file may have, given what the claim already holds."""
    return max(0, min(MAX_ATTACHMENT_BYTES, MAX_CLAIM_ATTACHMENT_BYTES - used))


def over_limit(used: int, *, path: str = "$.file") -> ContentTooLarge:
    """The refusal for a file that ran past :func:`allowance`: the single-file limit when
    the claim still had room for a whole 4M, the claim's budget otherwise."""
    if MAX_CLAIM_ATTACHMENT_BYTES - used >= MAX_ATTACHMENT_BYTES:
        return AttachmentTooLarge(f"more than {MAX_ATTACHMENT_BYTES} bytes", path=path)
    return _budget_spent(used, path)


def check_budget(used: int, size: int, *, path: str = "$.file") -> None:
    """Checked again when the row is written: two uploads side by side share one budget."""
    if used + size > MAX_CLAIM_ATTACHMENT_BYTES:
        raise _budget_spent(used, path)


def _budget_spent(used: int, path: str) -> ClaimAttachmentsTooLarge:
    return ClaimAttachmentsTooLarge(
        f"{used} bytes held, at most {MAX_CLAIM_ATTACHMENT_BYTES}", path=path,
        used=human_size(used), left=human_size(max(0, MAX_CLAIM_ATTACHMENT_BYTES - used)))


def detect_type(head: bytes, *, path: str = "$.file") -> AttachmentType:
    """The type the first bytes say, if it is an allowed one."""
    if not head:
        raise AttachmentEmpty("empty file", path=path)
    guess = filetype.guess_mime(head[:MAGIC_BYTES])
    for kind in AttachmentType:
        if guess == kind.media_type:
            return kind
    raise AttachmentTypeRefused(f"content is {guess or 'unknown'}", path=path)


def human_size(size: int) -> str:
    """文件大小 as the table shows it."""
    if size < 1024:
        return f"{size}B"
    if size < MIB:
        return f"{size / 1024:.1f}K"
    return f"{size / MIB:.1f}M"


# Path separators of every system, Windows-reserved characters; control (Cc), format (Cf:
# bidi overrides, zero-width joiners), surrogates, private use and unassigned characters go
# by category.
_RESERVED = re.compile(r'[<>:"|?*]')
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}


def clean_file_name(raw: str | None, kind: AttachmentType) -> str:
    """The name as shown and sent: see the module's docstring; never empty."""
    text = unicodedata.normalize("NFC", raw or "")
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(" " if ch.isspace() else ch for ch in text
                   if unicodedata.category(ch) not in _DROPPED_CATEGORIES or ch.isspace())
    text = _RESERVED.sub("_", text)
    text = re.sub(r" {2,}", " ", text).strip(" .")
    stem, dot, extension = text.rpartition(".")
    if not dot or extension.lower() not in _EXTENSIONS[kind]:
        stem, extension = text, kind.extension
    stem = stem.strip(" .") or "附件"
    room = MAX_NAME_CHARS - len(extension) - 1
    return f"{stem[:room].rstrip(' .') or '附件'}.{extension}"


def content_disposition(name: str, *, inline: bool = False) -> str:
    """The download header (RFC 6266): an ASCII ``filename`` for old clients and the real
    name as ``filename*`` (RFC 5987, UTF-8, percent-encoded), so no quote, backslash, CR or
    LF of a name can end the header or add another."""
    fallback = "".join(ch if " " <= ch <= "~" and ch not in '"\\%;' else "_" for ch in name)
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
