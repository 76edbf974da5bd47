"""XML ⇄ domain: whatever the hub may hold survives a round trip and stays schema-valid.

Values are generated within the XSD's own facets (identifier patterns, USCC, text
lengths, time-zone range), with Chinese text and the characters XML treats specially.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from adapter.domain.agreement import AgreementStamp, Enterprise, Seal, SignedAgreement, StampResult
from adapter.domain.errors import DocumentRejected
from adapter.domain.exchange import AckError, Acknowledgement, AckStatus, Envelope
from adapter.mappings import acknowledgement, agreement_stamp, schemas, signed_agreement
from adapter.mappings.envelope import peek_envelope, read_envelope
from adapter.mappings.registry import render
from adapter.mappings.xml_safety import parse_untrusted

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MAX_BYTES = 2 * 1024 * 1024
PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# --- values within the XSD facets -------------------------------------------------------------

IDENTIFIER = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}", fullmatch=True)
PARTY = st.from_regex(r"[A-Z][A-Z0-9\-]{1,31}", fullmatch=True)
MESSAGE_TYPE = st.from_regex(r"[A-Z][A-Z_]{2,39}", fullmatch=True)
VERSION = st.from_regex(r"[0-9]{1,3}\.[0-9]{1,3}", fullmatch=True)
USCC = st.from_regex(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}", fullmatch=True)
ORG_CODE = st.from_regex(r"[0-9A-Z]{8}-?[0-9X]", fullmatch=True)

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
XML_SPECIAL = st.sampled_from(["<", "&", ">", '"', "'", "]]>", "&amp;", "<!--", "\r\n", "\t"])
ANY_XML_CHARACTER = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn"),
                                  include_characters="\t\n\r")
TEXT_PIECE = st.one_of(CJK, XML_SPECIAL, ANY_XML_CHARACTER)


def text(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    """Chinese, XML-special and any other XML character, within the length facet."""
    return (st.lists(TEXT_PIECE, min_size=min_size, max_size=max_size).map("".join)
            .filter(lambda s: min_size <= len(s) <= max_size))


SHORT_TEXT = text(1, 200)
LONG_TEXT = text(0, 300)
# xs:dateTime allows offsets from -14:00 to +14:00 in whole minutes.
OFFSET = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
MOMENT = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                      timezones=OFFSET)
BLOB = st.binary(min_size=1, max_size=96)


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


def envelopes(message_type: str | st.SearchStrategy[str]) -> st.SearchStrategy[Envelope]:
    kind = st.just(message_type) if isinstance(message_type, str) else message_type
    return st.builds(Envelope, message_id=IDENTIFIER, message_type=kind,
                     correlation_id=IDENTIFIER, business_serial=IDENTIFIER, sender=PARTY,
                     receiver=PARTY, sent_at=MOMENT, schema_version=VERSION)


SIGNED_AGREEMENTS = st.builds(
    SignedAgreement, agreement_no=IDENTIFIER, agreement_version=VERSION,
    enterprise=st.builds(Enterprise, name=SHORT_TEXT, uscc=USCC, org_code=optional(ORG_CODE)),
    signer_name=SHORT_TEXT, signed_at=MOMENT,
    seal=st.builds(Seal, seal_id=IDENTIFIER, seal_type=SHORT_TEXT, valid_until=st.dates(),
                   certificate=optional(BLOB)),
    document=optional(BLOB),
)
STAMPS = st.builds(
    AgreementStamp, agreement_no=IDENTIFIER, uscc=USCC, result=st.sampled_from(StampResult),
    stamped_at=MOMENT, insurer_seal_serial=optional(IDENTIFIER),
    insurer_seal_certificate=optional(BLOB), refusal_reason=optional(LONG_TEXT),
)
ACK_ERRORS = st.builds(AckError, code=text(1, 40), reason=LONG_TEXT, path=optional(text(0, 80)))
ACKS = st.builds(
    Acknowledgement, ack_id=IDENTIFIER, status=st.sampled_from(AckStatus), sender=PARTY,
    received_at=MOMENT, ref_message_id=optional(text(0, 64)),
    ref_message_type=optional(text(0, 40)), ref_business_serial=optional(text(0, 64)),
    receiver=optional(text(0, 40)), original_ack_id=optional(IDENTIFIER),
    errors=st.lists(ACK_ERRORS, max_size=3).map(tuple),
)


def reparse(payload: bytes) -> etree._Element:
    return parse_untrusted(payload, max_bytes=MAX_BYTES)


def same_offsets(*pairs: tuple[datetime, datetime]) -> bool:
    return all(a.utcoffset() == b.utcoffset() for a, b in pairs)


# --- documents ---------------------------------------------------------------------------------


@PROPERTY
@given(agreement=SIGNED_AGREEMENTS, envelope=envelopes(signed_agreement.MESSAGE_TYPE))
def test_signed_agreement_comes_back_equal_and_schema_valid(agreement: SignedAgreement,
                                                            envelope: Envelope) -> None:
    payload = render(signed_agreement.MESSAGE_TYPE, agreement, envelope)  # validates too
    root = reparse(payload)
    assert signed_agreement.from_element(root) == agreement
    assert read_envelope(root) == envelope
    back = signed_agreement.from_element(root)
    assert same_offsets((back.signed_at, agreement.signed_at),
                        (read_envelope(root).sent_at, envelope.sent_at))


@PROPERTY
@given(stamp=STAMPS, envelope=envelopes(agreement_stamp.MESSAGE_TYPE))
def test_agreement_stamp_comes_back_equal_and_schema_valid(stamp: AgreementStamp,
                                                           envelope: Envelope) -> None:
    root = reparse(agreement_stamp.to_xml(stamp, envelope))
    schemas.validate(root, agreement_stamp.XSD)
    back = agreement_stamp.from_element(root)
    assert back == stamp
    assert read_envelope(root) == envelope
    assert same_offsets((back.stamped_at, stamp.stamped_at))


@PROPERTY
@given(stamp=STAMPS)
def test_absent_optional_fields_leave_no_empty_element_behind(stamp: AgreementStamp) -> None:
    bare = replace(stamp, insurer_seal_serial=None, insurer_seal_certificate=None,
                   refusal_reason=None)
    body = reparse(agreement_stamp.to_xml(bare, _envelope()))[1]
    assert [etree.QName(e).localname for e in body] == ["AgreementNo", "Uscc", "Result", "StampedAt"]


def test_base64_wrapped_over_several_lines_is_read_as_the_same_bytes() -> None:
    certificate = bytes(range(256)) * 2
    encoded = base64.encodebytes(certificate).decode("ascii")  # MIME: 76 characters a line
    valid = (FIXTURES / "agreement_stamp" / "valid.xml").read_text(encoding="utf-8")
    start = valid.index("<InsurerSealCertificate>") + len("<InsurerSealCertificate>")
    end = valid.index("</InsurerSealCertificate>")
    root = reparse((valid[:start] + "\n" + encoded + "    " + valid[end:]).encode("utf-8"))
    schemas.validate(root, agreement_stamp.XSD)
    assert agreement_stamp.from_element(root).insurer_seal_certificate == certificate


def test_text_field_interrupted_by_a_comment_is_read_whole() -> None:
    """Schema validation ignores comments, so the mapping must too, or it reads half a value."""
    valid = (FIXTURES / "agreement_stamp" / "valid.xml").read_bytes()
    commented = (valid.replace(b"<AgreementNo>SA-2024-000187<",
                               "<AgreementNo>SA-2024-<!-- 流水号 -->000187<".encode())
                      .replace("首次提交".encode(), "首次<?note 补正?>提交".encode()))
    root = reparse(commented)
    schemas.validate(root, agreement_stamp.XSD)
    stamp = agreement_stamp.from_element(root)
    assert stamp.agreement_no == "SA-2024-000187"
    assert stamp.refusal_reason is not None and stamp.refusal_reason.startswith("首次提交的协议签章页")


@pytest.mark.parametrize("lexical", ["2024-06-03T24:00:00+08:00", "10000-01-01T00:00:00Z",
                                     "-0044-03-15T12:00:00Z"])
def test_schema_valid_datetime_is_read_or_refused_with_a_code_never_a_crash(lexical: str) -> None:
    """A value the XSD allows must not escape as a bare ValueError (the partner would get a 500)."""
    valid = (FIXTURES / "agreement_stamp" / "valid.xml").read_bytes()
    root = reparse(valid.replace(b"<StampedAt>2024-06-03T10:15:30+08:00<",
                                 f"<StampedAt>{lexical}<".encode()))
    schemas.validate(root, agreement_stamp.XSD)
    try:
        stamped_at = agreement_stamp.from_element(root).stamped_at
    except DocumentRejected as refused:
        assert refused.code.startswith("E-")
    else:
        assert isinstance(stamped_at, datetime)


# --- envelope ----------------------------------------------------------------------------------


def _envelope(**fields: object) -> Envelope:
    base = Envelope(message_id="SINOSURE-20240603-000187", message_type="AGREEMENT_STAMP",
                    correlation_id="SWCREDIT-SA-2024-000187", business_serial="AS-SA-2024-000187",
                    sender="SINOSURE", receiver="SWCREDIT",
                    sent_at=datetime(2024, 6, 3, 10, 16, 2, tzinfo=timezone(timedelta(hours=8))))
    return replace(base, **fields) if fields else base


def _stamp() -> AgreementStamp:
    return AgreementStamp("SA-2024-000187", "91350100M000100Y43", StampResult.STAMPED,
                          datetime(2024, 6, 3, 10, 15, 30, tzinfo=timezone(timedelta(hours=8))))


@PROPERTY
@given(envelope=envelopes(MESSAGE_TYPE))
def test_envelope_is_written_first_in_the_common_namespace_and_read_back(envelope: Envelope) -> None:
    root = reparse(agreement_stamp.to_xml(_stamp(), envelope))
    head = root[0]
    assert etree.QName(head).localname == "Envelope"
    assert {etree.QName(e).namespace for e in head} == {"urn:swcredit:common:1"}
    assert [etree.QName(e).localname for e in head] == [
        "MessageId", "MessageType", "SchemaVersion", "CorrelationId", "BusinessSerial",
        "Sender", "Receiver", "SentAt"]
    assert read_envelope(root) == envelope


def test_envelope_time_in_utc_with_z_is_read_as_the_same_instant() -> None:
    payload = agreement_stamp.to_xml(_stamp(), _envelope()).replace(
        b"2024-06-03T10:16:02+08:00", b"2024-06-03T02:16:02Z")
    sent_at = read_envelope(reparse(payload)).sent_at
    assert sent_at == _envelope().sent_at
    assert sent_at.utcoffset() == timedelta(0)


def test_envelope_of_an_invalid_document_is_peeked_for_the_record() -> None:
    payload = agreement_stamp.to_xml(_stamp(), _envelope(message_id="M" * 64))
    root = reparse(payload.replace(b"<Result>STAMPED</Result>", b""))
    with pytest.raises(DocumentRejected):
        schemas.validate(root, agreement_stamp.XSD)
    peeked = peek_envelope(root)
    assert peeked["MessageId"] == "M" * 64
    assert (peeked["Sender"], peeked["Receiver"], peeked["MessageType"]) == (
        "SINOSURE", "SWCREDIT", "AGREEMENT_STAMP")


def test_peeking_keeps_at_most_64_characters_and_copes_with_an_empty_document() -> None:
    long = reparse(f'<X xmlns="urn:x"><E><MessageId>{"长" * 500}</MessageId></E></X>'.encode())
    assert peek_envelope(long) == {"MessageId": "长" * 64}
    assert peek_envelope(reparse(b'<X xmlns="urn:x"/>')) == {}
    assert peek_envelope(reparse(b'<X xmlns="urn:x">text only</X>')) == {}


# --- acknowledgement ---------------------------------------------------------------------------


@PROPERTY
@given(ack=ACKS)
def test_acknowledgement_comes_back_equal_and_schema_valid(ack: Acknowledgement) -> None:
    root = reparse(acknowledgement.to_xml(ack))
    schemas.validate(root, acknowledgement.XSD)
    back = acknowledgement.from_element(root)
    assert back == ack
    assert same_offsets((back.received_at, ack.received_at))


def test_rejection_acknowledgement_lists_each_error_with_code_path_and_chinese_reason() -> None:
    ack = Acknowledgement(
        ack_id="ACK-1", status=AckStatus.REJECTED, sender="SWCREDIT",
        received_at=datetime(2024, 6, 3, 2, 16, 3, tzinfo=UTC),
        ref_message_id="SINOSURE-20240603-000187", ref_message_type="AGREEMENT_STAMP",
        ref_business_serial="AS-SA-2024-000187", receiver="SINOSURE",
        errors=(AckError("E-XSD-INVALID", "报文不符合XSD规范: <Uscc> & \"O\"", "/AgreementStamp/Body/Uscc"),
                AckError("E-BUSINESS-RULE", "报文内容不符合业务规则")),
    )
    root = reparse(acknowledgement.to_xml(ack))
    schemas.validate(root, acknowledgement.XSD)
    errors = root.findall(f"{{{acknowledgement.ACK_NS}}}Error")
    assert [[etree.QName(c).localname for c in e] for e in errors] == [
        ["Code", "Path", "Reason"], ["Code", "Reason"]]
    assert errors[0].findtext(f"{{{acknowledgement.ACK_NS}}}Reason") == "报文不符合XSD规范: <Uscc> & \"O\""
    assert acknowledgement.from_element(root) == ack


def test_acceptance_acknowledgement_has_no_error_and_no_empty_optional_element() -> None:
    ack = Acknowledgement(ack_id="ACK-2", status=AckStatus.ACCEPTED, sender="SWCREDIT",
                          received_at=datetime(2024, 6, 3, 2, 16, 3, tzinfo=UTC))
    root = reparse(acknowledgement.to_xml(ack))
    schemas.validate(root, acknowledgement.XSD)
    assert [etree.QName(e).localname for e in root] == ["AckId", "Status", "Sender", "ReceivedAt"]
    assert acknowledgement.from_element(root) == ack


def test_golden_acknowledgement_reads_as_the_partner_wrote_it() -> None:
    root = reparse((FIXTURES / "acknowledgement" / "valid.xml").read_bytes())
    ack = acknowledgement.from_element(root)
    assert ack.status is AckStatus.REJECTED
    assert (ack.sender, ack.receiver) == ("SINOSURE", "SWCREDIT")
    assert ack.original_ack_id == "ACK-SINOSURE-20240601-004498"
    assert ack.received_at == datetime(2024, 6, 1, 1, 30, 13, 480000, tzinfo=UTC)
    assert [(e.code, e.path) for e in ack.errors] == [
        ("E-XSD-INVALID", "/SignedAgreement/Body/Enterprise/Uscc"),
        ("E-SEAL-EXPIRED", "/SignedAgreement/Body/Seal/ValidUntil")]
    assert "<91350100M000100O43>" in ack.errors[0].reason and "&" in ack.errors[0].reason
