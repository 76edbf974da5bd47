"""C-10's rules, pure: the budget, the type by magic bytes, file names, the download header."""

from __future__ import annotations

import pytest

from adapter.domain.attachments import (
    MAX_ATTACHMENT_BYTES,
    MAX_CLAIM_ATTACHMENT_BYTES,
    MAX_NAME_CHARS,
    MIB,
    AttachmentEmpty,
    AttachmentTooLarge,
    AttachmentType,
    AttachmentTypeRefused,
    ClaimAttachmentsTooLarge,
    allowance,
    check_budget,
    clean_file_name,
    content_disposition,
    detect_type,
    human_size,
    over_limit,
)

PDF, JPEG, PNG = AttachmentType.PDF, AttachmentType.JPEG, AttachmentType.PNG


def test_the_manuals_limits_are_mebibytes() -> None:
    assert MAX_ATTACHMENT_BYTES == 4 * 1024 * 1024
    assert MAX_CLAIM_ATTACHMENT_BYTES == 40 * 1024 * 1024


@pytest.mark.parametrize(("used", "next_file"), [
    (0, 4 * MIB), (36 * MIB, 4 * MIB), (37 * MIB, 3 * MIB), (40 * MIB - 1, 1), (40 * MIB, 0),
    (41 * MIB, 0)])
def test_the_next_file_may_have_what_both_limits_leave(used: int, next_file: int) -> None:
    assert allowance(used) == next_file


def test_a_file_over_the_limit_is_refused_by_the_limit_that_bit() -> None:
    assert isinstance(over_limit(0), AttachmentTooLarge)
    assert isinstance(over_limit(36 * MIB), AttachmentTooLarge)
    spent = over_limit(38 * MIB)
    assert isinstance(spent, ClaimAttachmentsTooLarge)
    assert spent.path == "$.file" and "已上传38.0M" in spent.message_zh and "剩余2.0M" in spent.message_zh


def test_the_budget_is_checked_again_on_the_whole() -> None:
    check_budget(36 * MIB, 4 * MIB)
    with pytest.raises(ClaimAttachmentsTooLarge):
        check_budget(36 * MIB, 4 * MIB + 1)


@pytest.mark.parametrize(("head", "kind"), [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", PDF),
    (b"\xff\xd8\xff\xe1\x00\x18Exif\x00\x00", JPEG),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", PNG),
])
def test_allowed_types_are_known_by_their_first_bytes(head: bytes, kind: AttachmentType) -> None:
    assert detect_type(head + b"\x00" * 64) is kind


@pytest.mark.parametrize("head", [
    b"MZ\x90\x00", b"PK\x03\x04\x14\x00", b"GIF89a", b"\x7fELF\x02\x01", b"<html><script>",
    b"II*\x00\x08\x00", b"{\\rtf1\\ansi", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"])
def test_anything_else_is_refused_on_the_file_field(head: bytes) -> None:
    with pytest.raises(AttachmentTypeRefused) as refused:
        detect_type(head + b"\x00" * 300)
    assert refused.value.path == "$.file"


def test_an_empty_file_is_refused_as_empty() -> None:
    with pytest.raises(AttachmentEmpty):
        detect_type(b"")


@pytest.mark.parametrize(("raw", "kind", "clean"), [
    ("发票1.pdf", PDF, "发票1.pdf"),
    ("/etc/passwd", PDF, "passwd.pdf"),
    ("..\\..\\windows\\win.ini", PDF, "win.ini.pdf"),
    ("scan.JPEG", JPEG, "scan.JPEG"),
    ("scan.jpeg", PNG, "scan.jpeg.png"),
    ("invoice\u202egnp.exe", PNG, "invoicegnp.exe.png"),
    ("zero\u200bwidth\ufeff.pdf", PDF, "zerowidth.pdf"),
    ("tab\there\nnewline.pdf", PDF, "tab here newline.pdf"),
    ("  . hidden .pdf. ", PDF, "hidden.pdf"),
    ("con<>:\"|?*.pdf", PDF, "con_______.pdf"),
    ("e\u0301.pdf", PDF, "é.pdf"),
    (None, JPEG, "附件.jpg"),
    ("", PDF, "附件.pdf"),
    ("/", PDF, "附件.pdf"),
    ("\ud800.pdf", PDF, "pdf.pdf"),       # a leading dot hides nothing
])
def test_names_are_cleaned(raw: str | None, kind: AttachmentType, clean: str) -> None:
    assert clean_file_name(raw, kind) == clean


def test_a_long_name_keeps_its_extension_within_the_cap() -> None:
    name = clean_file_name("报" * 500 + ".pdf", PDF)
    assert len(name) == MAX_NAME_CHARS and name.endswith("报.pdf")


def test_the_download_header_cannot_be_broken_by_a_name() -> None:
    header = content_disposition('发票"; filename=evil.exe\r\nSet-Cookie: a=b.pdf')
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="')
    fallback = header.split('filename="')[1].split('"')[0]
    assert ";" not in fallback and '"' not in fallback
    assert header.endswith("filename*=UTF-8''%E5%8F%91%E7%A5%A8%22%3B%20filename%3Devil.exe%0D%0A"
                           "Set-Cookie%3A%20a%3Db.pdf")
    assert content_disposition("a.pdf", inline=True).startswith("inline;")


@pytest.mark.parametrize(("size", "shown"), [(0, "0B"), (1023, "1023B"), (2048, "2.0K"),
                                             (4 * MIB + 1, "4.0M"), (40 * MIB, "40.0M")])
def test_sizes_read_as_the_table_shows_them(size: int, shown: str) -> None:
    assert human_size(size) == shown
