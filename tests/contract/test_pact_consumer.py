"""The hub as CONSUMER of the insurer's REST API: one Pact interaction per outbound document.

The interactions are derived from ``DOCUMENT_TYPES`` (every ``outbound`` type), so a new
outbound document is in the contract as soon as it is registered. Each request body is
the type's golden document with matchers from its XSD (namespace-aware XML matching:
identifiers and timestamps by pattern, the envelope's message type, sender and receiver
exact, the schema version pinned to the namespace's major version); the response is the
insurer's ACCEPTED acknowledgement.

The hub's real :class:`RestGateway` sends what the hub's mapping renders to the Pact
mock server; the pact file it writes must equal the committed one. The committed pact is
then verified against the mock insurer, the stand-in for the provider.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from adapter.config import PartnerSettings
from adapter.contracts.xml_rules import document_body, xml_body
from adapter.domain.errors import DeliveryFailed
from adapter.domain.exchange import Acknowledgement, AckStatus, OutboundDocument
from adapter.mappings import acknowledgement
from adapter.mappings.envelope import read_envelope
from adapter.mappings.xml_safety import parse_trusted
from adapter.outbound.rest_gateway import RestGateway
from mock_insurer import running_mock_insurer
from tests.contract.pact_support import (
    HUB,
    INSURER_REST_API,
    LOOPBACK,
    OUTBOUND,
    PACTS_DIR,
    assert_matches_committed,
    golden,
    pact_file_name,
    produce,
    rename_element,
    run_verifier,
    schema_facts,
)

from pact import Pact, Verifier, match  # isort: skip  (pact_support switches tracking off first)

PACT_FILE = pact_file_name(HUB, INSURER_REST_API)
BASIC_AUTH = r"^Basic [A-Za-z0-9+/]+=*$"
IDENTIFIER = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$"
ACK_EXACT = ("Status", "RefMessageId", "RefMessageType", "RefBusinessSerial", "Sender", "Receiver")
"""What the insurer's acknowledgement must echo exactly; the ack id and time match by type."""


def description(message_type: str) -> str:
    return f"a {message_type} document posted by the hub"


def insurer_ack(document: bytes) -> bytes:
    """The acknowledgement the hub expects for a document: ACCEPTED, echoing its envelope."""
    envelope = read_envelope(parse_trusted(document))
    return acknowledgement.to_xml(Acknowledgement(
        ack_id=f"ACK-SINOSURE-{envelope.business_serial}"[:64], status=AckStatus.ACCEPTED,
        sender="SINOSURE", received_at=datetime(2024, 6, 1, 1, 30, 13, tzinfo=UTC),
        ref_message_id=envelope.message_id, ref_message_type=envelope.message_type,
        ref_business_serial=envelope.business_serial, receiver="SWCREDIT"))


def hub_consumer_pact() -> Pact:
    pact = Pact(HUB, INSURER_REST_API).with_specification("V4")
    for doc_type in OUTBOUND:
        document = golden(doc_type)
        request_body, request_rules = document_body(document, schema_facts(doc_type.xsd))
        ack_body, ack_rules = xml_body(insurer_ack(document), schema_facts(acknowledgement.XSD),
                                       exact=ACK_EXACT)
        correlation_id = read_envelope(parse_trusted(document)).correlation_id
        (pact.upon_receiving(description(doc_type.message_type))
         .with_request("POST", f"/api/v1/documents/{doc_type.slug}")
         .with_header("Authorization", match.regex("Basic aHViOmh1Yi1zZWNyZXQ=", regex=BASIC_AUTH))
         .with_header("X-Correlation-Id", match.regex(correlation_id, regex=IDENTIFIER))
         .with_body(request_body, content_type="application/xml")
         .with_matching_rules(request_rules, "Request")
         .will_respond_with(200)
         .with_body(ack_body, content_type="application/xml")
         .with_matching_rules(ack_rules, "Response"))
    return pact


def outbound_message(payload: bytes) -> OutboundDocument:
    envelope = read_envelope(parse_trusted(payload))
    return OutboundDocument(envelope.message_type, envelope.message_id, envelope.business_serial,
                            envelope.correlation_id, payload)


async def test_the_hub_sends_every_outbound_document_as_the_insurer_expects(tmp_path: Path) -> None:
    pact = hub_consumer_pact()
    answers: dict[str, Acknowledgement | str] = {}
    with pact.serve(addr=LOOPBACK, raises=False, verbose=False) as server:
        partner = PartnerSettings(channel="rest", rest_base_url=f"{server.url}/api/v1/documents")
        gateway = RestGateway(partner, timeout_seconds=5)
        try:
            for doc_type in OUTBOUND:
                payload = produce(doc_type)  # what the hub's mapping renders, XSD-checked
                try:
                    ack = await gateway.send(outbound_message(payload))
                except DeliveryFailed as failure:
                    answers[doc_type.message_type] = f"{failure.code}: {failure.detail}"
                else:
                    answers[doc_type.message_type] = acknowledgement.from_element(etree.fromstring(ack))
        finally:
            await gateway.close()
    mismatches = "\n".join(str(m) for m in server.mismatches)
    assert mismatches == "", f"the hub's requests do not match its own pact:\n{mismatches}"
    for doc_type in OUTBOUND:
        answer = answers[doc_type.message_type]
        assert isinstance(answer, Acknowledgement), f"{doc_type.message_type}: {answer}"
        assert answer.status is AckStatus.ACCEPTED
        assert answer.ref_message_type == doc_type.message_type

    pact.write_file(tmp_path, overwrite=True)
    assert_matches_committed(tmp_path / PACT_FILE)


def test_the_pact_has_one_interaction_per_outbound_document_type() -> None:
    """Derived from the registry: a new outbound type missing here means a stale committed pact."""
    interactions = json.loads((PACTS_DIR / PACT_FILE).read_text(encoding="utf-8"))["interactions"]
    assert sorted(i["description"] for i in interactions) == sorted(
        description(t.message_type) for t in OUTBOUND)
    assert sorted(i["request"]["path"] for i in interactions) == sorted(
        f"/api/v1/documents/{t.slug}" for t in OUTBOUND)


async def _verify_against_mock_insurer(pact_file: Path) -> tuple[bool, str, list[str]]:
    async with running_mock_insurer() as insurer:
        verifier = (Verifier(INSURER_REST_API, host=LOOPBACK)
                    .add_transport(url=insurer.base_url)
                    .add_source(pact_file))
        ok, output = await run_verifier(verifier)
        received = sorted(m["message_type"] for m in insurer.store.summary()["messages"])
    return ok, output, received


async def test_the_mock_insurer_honours_the_committed_pact() -> None:
    """The provider side, as the insurer's CI would run it: replay the pact against the insurer."""
    ok, output, received = await _verify_against_mock_insurer(PACTS_DIR / PACT_FILE)
    assert ok, output
    assert received == sorted(t.message_type for t in OUTBOUND)  # each stored, none rejected


@pytest.mark.parametrize(("old", "new"), [("RefBusinessSerial", "RefBusinessSerialNo")])
async def test_a_field_renamed_in_a_copy_of_the_pact_fails_verification_naming_it(
        tmp_path: Path, old: str, new: str) -> None:
    """Drift: the hub starts expecting an element the insurer does not send."""
    drifted = tmp_path / PACT_FILE
    assert rename_element(PACTS_DIR / PACT_FILE, drifted, old, new) == len(OUTBOUND)

    ok, output, _received = await _verify_against_mock_insurer(drifted)

    assert not ok, output
    assert f"{new}/> but was missing" in output, output
    for doc_type in OUTBOUND:
        assert description(doc_type.message_type) in output
