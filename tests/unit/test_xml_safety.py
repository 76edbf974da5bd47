"""Partner bytes are parsed with every trap closed, and each refusal carries a stable code.

"Never reads a local file" is checked with the kernel's own file watch (inotify): the
parser must not even open the file an entity or an external DTD points at, whatever the
document's encoding.
"""

from __future__ import annotations

import ctypes
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from lxml import etree

from adapter.domain.errors import (
    DocumentRejected,
    DocumentTooDeep,
    DocumentTooLarge,
    ForbiddenXmlConstruct,
    MalformedDocument,
)
from adapter.inbound.receiver import http_status
from adapter.mappings.xml_safety import (
    MAX_ANSWER_BYTES,
    hardened_parser,
    parse_answer,
    parse_untrusted,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LIMIT = 64 * 1024
SECRET = "TOP-SECRET-CONTENT-9f2c"
STAMP = '<AgreementStamp xmlns="urn:swcredit:agreement-stamp:1">{}</AgreementStamp>'

_libc = ctypes.CDLL(None, use_errno=True)
_IN_ACCESS, _IN_OPEN = 0x1, 0x20


@contextmanager
def watching(path: Path) -> Iterator[list[bool]]:
    """Yield a one-item list that tells, on exit, whether anything opened or read ``path``."""
    fd = _libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    assert fd >= 0, os.strerror(ctypes.get_errno())
    assert _libc.inotify_add_watch(fd, os.fsencode(path), _IN_ACCESS | _IN_OPEN) >= 0
    touched = [False]
    try:
        yield touched
    finally:
        try:
            touched[0] = len(os.read(fd, 4096)) > 0
        except BlockingIOError:
            touched[0] = False
        os.close(fd)


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    with watching(secret) as touched:
        secret.read_text(encoding="utf-8")
    assert touched == [True], "the file watch must see an ordinary read"
    return secret


def parse(data: bytes, *, limit: int = LIMIT) -> etree._Element:
    return parse_untrusted(data, max_bytes=limit)


def encoded(document: str, encoding: str) -> bytes:
    declaration = f'<?xml version="1.0" encoding="{encoding.upper()}"?>'
    return (declaration + document).encode(encoding)


# --- DTDs and entities -------------------------------------------------------------------------

LAUGHS = '<!ENTITY l0 "哈">' + "".join(
    f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
DTD_DOCUMENTS = {
    "internal_dtd": '<!DOCTYPE AgreementStamp [<!ELEMENT AgreementStamp ANY>]>' + STAMP.format(""),
    "external_dtd": '<!DOCTYPE AgreementStamp SYSTEM "file://{secret}">' + STAMP.format(""),
    "external_entity": '<!DOCTYPE AgreementStamp [<!ENTITY x SYSTEM "file://{secret}">]>'
                       + STAMP.format("&x;"),
    "external_entity_in_attribute": '<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><r a="&x;"/>',
    "external_parameter_entity": '<!DOCTYPE r [<!ENTITY % p SYSTEM "file://{secret}"> %p;]><r/>',
    "billion_laughs": f"<!DOCTYPE r [{LAUGHS}]><r>&l9;</r>",
    "entity_loop": '<!DOCTYPE r [<!ENTITY a "&b;"><!ENTITY b "&a;">]><r>&a;</r>',
}
# UTF-16 hides "<!DOCTYPE" from a byte search: the refusal must not depend on the encoding.
ENCODINGS = ["utf-8", "utf-16", "utf-16-be"]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("case", sorted(DTD_DOCUMENTS))
def test_dtd_or_entity_is_refused_without_opening_the_file_it_names(
        case: str, encoding: str, secret_file: Path) -> None:
    document = encoded(DTD_DOCUMENTS[case].replace("{secret}", str(secret_file)), encoding)
    started = time.perf_counter()
    with watching(secret_file) as touched, pytest.raises(ForbiddenXmlConstruct) as refused:
        parse(document)
    assert touched == [False], "the parser opened a local file named by the document"
    assert refused.value.code == "E-XML-DTD-FORBIDDEN"
    assert refused.value.message_zh == "报文不得包含DTD或实体声明"
    assert SECRET not in str(refused.value) and SECRET not in refused.value.detail
    assert time.perf_counter() - started < 1.0


def test_declaring_an_entity_without_using_it_is_refused() -> None:
    with pytest.raises(ForbiddenXmlConstruct):
        parse(b'<!DOCTYPE r [<!ENTITY unused "x">]><r/>')


def test_xinclude_is_not_processed(secret_file: Path) -> None:
    document = (f'<r xmlns:xi="http://www.w3.org/2001/XInclude">'
                f'<xi:include href="{secret_file}" parse="text"/></r>').encode()
    with watching(secret_file) as touched:
        root = parse(document)
    assert touched == [False]
    assert SECRET not in etree.tostring(root, encoding="unicode")


# --- size and depth ----------------------------------------------------------------------------


def test_document_over_the_limit_is_refused_before_it_is_parsed() -> None:
    too_big = ("<!DOCTYPE r []><r>" + "x" * LIMIT + "</r").encode()  # would also be refused as DTD
    with pytest.raises(DocumentTooLarge) as refused:
        parse(too_big)
    assert refused.value.code == "E-XML-TOO-LARGE"
    assert http_status(refused.value) == 413
    assert refused.value.message_zh == "报文超过大小限制"
    assert str(len(too_big)) in refused.value.detail and str(LIMIT) in refused.value.detail


def test_document_of_exactly_the_limit_is_parsed() -> None:
    frame = STAMP.format("")
    filler = LIMIT - len(frame.encode()) - len("<!---->")
    document = (frame.replace("</", f"<!--{'x' * filler}--></", 1)).encode()
    assert len(document) == LIMIT
    assert parse(document).tag == "{urn:swcredit:agreement-stamp:1}AgreementStamp"
    with pytest.raises(DocumentTooLarge):
        parse(document + b" ")


@pytest.mark.parametrize("levels", [1_000, 100_000])
def test_deeply_nested_document_is_refused_quickly(levels: int) -> None:
    started = time.perf_counter()
    with pytest.raises(DocumentTooDeep) as refused:
        parse(b"<a>" * levels + b"</a>" * levels, limit=8 * levels)
    assert refused.value.code == "E-XML-TOO-DEEP"
    assert refused.value.message_zh == "报文嵌套层级过深"
    assert time.perf_counter() - started < 1.0


def test_ordinary_nesting_is_parsed() -> None:
    root = parse(b"<a>" * 100 + b"</a>" * 100)
    assert sum(1 for _ in root.iter()) == 100


# --- malformed ---------------------------------------------------------------------------------

MALFORMED = {
    "empty": b"",
    "whitespace_only": b"  \n ",
    "text_only": "签章回执".encode(),
    "unclosed_tag": b"<AgreementStamp><Body></AgreementStamp>",
    "mismatched_tag": b"<a><b></a></b>",
    "two_roots": b"<a/><b/>",
    "truncated": (FIXTURES / "agreement_stamp" / "valid.xml").read_bytes()[:700],
    "binary": bytes(range(256)),
    "gbk_bytes_declared_utf8": '<?xml version="1.0" encoding="UTF-8"?><a>厦门</a>'.encode("gbk"),
    "unescaped_less_than": "<a>金额 < 100</a>".encode(),
    "unescaped_ampersand": "<a>进出口 & 贸易</a>".encode(),
    "undeclared_html_entity": "<a>厦门&nbsp;贸易</a>".encode(),
    "entity_reference_without_semicolon": b"<a>A &amp B</a>",
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_broken_xml_is_refused_as_malformed(case: str) -> None:
    """A partner who forgot to escape '&' is told the XML is broken, not that it declared a DTD."""
    with pytest.raises(MalformedDocument) as refused:
        parse(MALFORMED[case])
    assert type(refused.value) is MalformedDocument
    assert refused.value.code == "E-XML-MALFORMED"
    assert refused.value.message_zh == "报文不是格式正确的XML"
    assert http_status(refused.value) == 400


# --- what is accepted --------------------------------------------------------------------------


@pytest.mark.parametrize("stem", ["agreement_stamp", "signed_agreement", "acknowledgement"])
def test_golden_documents_are_parsed_to_their_root(stem: str) -> None:
    root = parse((FIXTURES / stem / "valid.xml").read_bytes())
    assert isinstance(root, etree._Element)
    assert etree.QName(root).namespace == f"urn:swcredit:{stem.replace('_', '-')}:1"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gbk", "gb18030"])
def test_chinese_text_is_read_in_any_declared_encoding(encoding: str) -> None:
    declared = {"utf-8-sig": "UTF-8"}.get(encoding, encoding.upper())
    document = f'<?xml version="1.0" encoding="{declared}"?><Name>厦门示范贸易有限公司</Name>'
    assert parse(document.encode(encoding)).text == "厦门示范贸易有限公司"


def test_comments_processing_instructions_and_cdata_are_harmless() -> None:
    document = ('<?xml version="1.0" encoding="UTF-8"?><!-- 来自中国信保 --><?route fj?>'
                '<r><![CDATA[<Uscc> & "引号"]]></r>').encode()
    assert parse(document).text == '<Uscc> & "引号"'


def test_every_refusal_is_a_document_rejection_with_its_own_code() -> None:
    kinds = [DocumentTooLarge, MalformedDocument, ForbiddenXmlConstruct, DocumentTooDeep]
    assert all(issubclass(kind, DocumentRejected) for kind in kinds)
    assert len({kind.code for kind in kinds}) == len(kinds)


# --- partners' replies and the one parser factory ------------------------------------------

ACK = (FIXTURES / "acknowledgement" / "valid.xml").read_bytes()


def test_a_reply_is_parsed_like_an_inbound_document() -> None:
    assert etree.QName(parse_answer(ACK)).localname == "Acknowledgement"


@pytest.mark.parametrize("case", ["internal_dtd", "external_entity", "billion_laughs"])
def test_a_reply_declaring_a_dtd_is_refused_without_opening_the_file_it_names(
        case: str, secret_file: Path) -> None:
    reply = DTD_DOCUMENTS[case].replace("{secret}", str(secret_file)).encode()
    with watching(secret_file) as touched, pytest.raises(ForbiddenXmlConstruct):
        parse_answer(reply)
    assert touched == [False]


def test_a_reply_in_utf16_cannot_hide_its_dtd(secret_file: Path) -> None:
    reply = encoded(DTD_DOCUMENTS["external_entity"].replace("{secret}", str(secret_file)), "utf-16")
    with watching(secret_file) as touched, pytest.raises(ForbiddenXmlConstruct):
        parse_answer(reply)
    assert touched == [False]


def test_a_reply_too_deep_or_too_large_is_refused() -> None:
    with pytest.raises(DocumentTooDeep):
        parse_answer(b"<a>" * 1_000 + b"</a>" * 1_000)
    with pytest.raises(DocumentTooLarge):
        parse_answer(b"<a>" + b"x" * MAX_ANSWER_BYTES + b"</a>")


VARIANTS = [{}, {"remove_comments": True, "remove_pis": True, "remove_blank_text": True},
            {"remove_blank_text": True}]


@pytest.mark.parametrize("options", VARIANTS, ids=["plain", "canonical", "pretty"])
def test_every_parser_the_factory_builds_keeps_entities_and_files_closed(
        options: dict[str, bool], secret_file: Path) -> None:
    document = DTD_DOCUMENTS["external_entity"].replace("{secret}", str(secret_file)).encode()
    with watching(secret_file) as touched:
        root = etree.fromstring(document, hardened_parser(**options))
    assert touched == [False]
    assert SECRET not in etree.tostring(root, encoding="unicode")
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(b"<a>" * 1_000 + b"</a>" * 1_000, hardened_parser(**options))


def test_factory_options_shape_the_tree() -> None:
    document = b"<r><!-- c --><?pi x?>\n  <a>1</a>\n</r>"
    kept = etree.fromstring(document, hardened_parser())
    stripped = etree.fromstring(document, hardened_parser(remove_comments=True, remove_pis=True,
                                                          remove_blank_text=True))
    assert len(kept) == 3
    assert etree.tostring(stripped) == b"<r><a>1</a></r>"


XS = "http://www.w3.org/2001/XMLSchema"


def _schema_importing(directory: Path, location: str) -> Path:
    schema = directory / "main.xsd"
    schema.write_text(f'<xs:schema xmlns:xs="{XS}" targetNamespace="urn:t:main">'
                      f'<xs:import namespace="urn:t:part" schemaLocation="{location}"/></xs:schema>')
    return schema


def _part(path: Path) -> Path:
    path.write_text(f'<xs:schema xmlns:xs="{XS}" targetNamespace="urn:t:part">'
                    f'<xs:element name="P" type="xs:string"/></xs:schema>')
    return path


def test_a_schema_imports_only_files_beside_it(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    beside = _part(tmp_path / "schemas" / "part.xsd")
    schema = _schema_importing(tmp_path / "schemas", beside.name)
    parser = hardened_parser(files_under=schema.parent)
    etree.XMLSchema(etree.parse(str(schema), parser))

    outside = _part(tmp_path / "outside.xsd")
    schema = _schema_importing(tmp_path / "schemas", "../outside.xsd")
    with watching(outside) as touched, pytest.raises(etree.XMLSchemaParseError):
        etree.XMLSchema(etree.parse(str(schema), hardened_parser(files_under=schema.parent)))
    assert touched == [False]


def test_without_a_directory_the_parser_reads_no_file(secret_file: Path) -> None:
    with watching(secret_file) as touched, pytest.raises(etree.XMLSyntaxError):
        etree.parse(str(secret_file), hardened_parser())
    assert touched == [False]
