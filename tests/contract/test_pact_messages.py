"""Message pacts: every document type as an asynchronous message whose contents are the XML.

Two pacts, one per direction, both derived from ``DOCUMENT_TYPES``:

- documents the hub produces (``outbound``), consumed by the insurer: the example is the
  type's golden document (every element filled), the matchers come from its XSD. The
  insurer's side checks it can read each one (its own schema set and catalogue); the hub's
  side is verified by producing each document through its mapping (``registry.render``,
  which validates against the XSD before anything is queued).
- documents the insurer produces (``inbound``), consumed by the hub: the hub relies on the
  required elements only, so the example is the golden document without its optional
  elements. The hub's side reads each one through its own pipeline pieces (safe parse, XSD,
  mapping); the insurer's side is verified twice: the mock insurer's document builders
  produce them, and so does the hub's own mapping (``to_xml``).

Then drift: a golden document with a required element removed fails the XSD at that
element, and fails the message verification naming it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from adapter.contracts.xml_rules import document_body, local_path, required_only
from adapter.domain.errors import SchemaViolation
from adapter.mappings import schemas
from adapter.mappings.envelope import read_envelope
from adapter.mappings.registry import DOCUMENT_TYPES, DocumentType, inbound_by_root
from adapter.mappings.xml_safety import parse_trusted, parse_untrusted
from mock_insurer import contract_tests as insurer_contract
from mock_insurer.catalogue import RECEIVED_TYPES, SchemaSet, by_root
from mock_insurer.documents import validate as insurer_validate
from tests.contract.pact_support import (
    HUB,
    HUB_DOCUMENTS,
    INBOUND,
    INSURER,
    INSURER_DOCUMENTS,
    LOOPBACK,
    OUTBOUND,
    PACTS_DIR,
    assert_matches_committed,
    golden,
    pact_file_name,
    produce,
    run_verifier,
    schema_facts,
)

from pact import Pact, Verifier  # isort: skip  (pact_support switches tracking off first)
from pact.types import Message  # isort: skip

XML = "application/xml"
OUTBOUND_PACT = pact_file_name(INSURER, HUB_DOCUMENTS)
INBOUND_PACT = pact_file_name(HUB, INSURER_DOCUMENTS)
MAX_BYTES = 2 * 1024 * 1024


def description(doc_type: DocumentType) -> str:
    return f"a {doc_type.message_type} document"


def example(doc_type: DocumentType) -> etree._Element | bytes:
    """What the consumer's pact shows: everything for outbound, the required part for inbound."""
    document = golden(doc_type)
    return document if doc_type.direction == "outbound" else required_only(
        document, schema_facts(doc_type.xsd))


def message_pact(consumer: str, provider: str, types: tuple[DocumentType, ...]) -> Pact:
    pact = Pact(consumer, provider).with_specification("V4")
    for doc_type in types:
        body, rules = document_body(example(doc_type), schema_facts(doc_type.xsd))
        (pact.upon_receiving(description(doc_type), "Async")
         .with_body(body, content_type=XML)
         .with_matching_rules(rules)
         .with_metadata({"messageType": doc_type.message_type}))
    return pact


# ---------------------------------------------------------------------------------------------
# The consumers: can each side read what the pact promises?


def insurer_reads(body: Any, metadata: dict[str, Any]) -> None:
    """The insurer's intake: its own schema set, its catalogue of received types."""
    root = etree.fromstring(str(body).encode("utf-8"))
    received = by_root(RECEIVED_TYPES, root.tag)
    assert received is not None, f"the insurer takes no {root.tag}"
    assert metadata.get("messageType") == received.message_type
    errors = SchemaSet(schemas.XSD_DIR).validate(root, received.xsd)
    assert errors == [], errors


def hub_reads(body: Any, metadata: dict[str, Any]) -> None:
    """The hub's inbound pipeline: safe parse, root → type, XSD, mapping, envelope."""
    root = parse_untrusted(str(body).encode("utf-8"), max_bytes=MAX_BYTES)
    doc_type = inbound_by_root(root.tag)
    assert metadata.get("messageType") == doc_type.message_type
    schemas.validate(root, doc_type.xsd)
    doc_type.from_element(root)
    assert read_envelope(root).message_type == doc_type.message_type


@pytest.mark.parametrize(("consumer", "provider", "types", "reader"), [
    pytest.param(INSURER, HUB_DOCUMENTS, OUTBOUND, insurer_reads, id="outbound"),
    pytest.param(HUB, INSURER_DOCUMENTS, INBOUND, hub_reads, id="inbound"),
])
def test_the_consumer_reads_every_message_and_the_pact_is_the_committed_one(
        tmp_path: Path, consumer: str, provider: str, types: tuple[DocumentType, ...],
        reader: Callable[[Any, dict[str, Any]], None]) -> None:
    pact = message_pact(consumer, provider, types)
    errors = pact.verify(reader, "Async", raises=False)
    assert errors == [], "\n".join(f"{e.description}: {e.error}" for e in errors)
    pact.write_file(tmp_path, overwrite=True)
    assert_matches_committed(tmp_path / pact_file_name(consumer, provider))


def test_every_document_type_is_a_message_in_exactly_one_pact() -> None:
    found: dict[str, list[str]] = {}
    for name in (OUTBOUND_PACT, INBOUND_PACT):
        for interaction in json.loads((PACTS_DIR / name).read_text(encoding="utf-8"))["interactions"]:
            assert interaction["type"] == "Asynchronous/Messages"
            found.setdefault(interaction["metadata"]["messageType"], []).append(name)
    assert found == {t.message_type: [OUTBOUND_PACT if t.direction == "outbound" else INBOUND_PACT]
                     for t in DOCUMENT_TYPES}


# ---------------------------------------------------------------------------------------------
# The providers: does what each side produces match the committed pact?


Producer = Callable[[DocumentType], bytes]


def hub_mapping(doc_type: DocumentType) -> bytes:
    """The hub's mapping writes it: outbound through ``render`` (XSD-checked), inbound ``to_xml``."""
    if doc_type.direction == "outbound":
        return produce(doc_type)
    root = parse_trusted(golden(doc_type))
    written = doc_type.to_xml(doc_type.from_element(root), read_envelope(root))
    schemas.validate(parse_trusted(written), doc_type.xsd)
    return written


def mock_insurer_builders(doc_type: DocumentType) -> bytes:
    """The mock insurer builds it as it pushes it (``mock_insurer.documents``), schema-checked."""
    document = insurer_contract.ACCEPTED_PUSHES[doc_type.slug]().document
    assert insurer_validate(document) == []
    return document


async def verify_messages(provider: str, pact_file: Path, producer: Producer,
                          types: tuple[DocumentType, ...]) -> tuple[bool, str]:
    def message(doc_type: DocumentType) -> Callable[[], Message]:
        return lambda: Message(contents=producer(doc_type), content_type=XML,
                               metadata={"messageType": doc_type.message_type})

    only = "^(?:" + "|".join(re.escape(description(t)) for t in types) + ")$"
    verifier = (Verifier(provider, host=LOOPBACK)
                .message_handler({description(t): message(t) for t in types})
                .filter(only)
                .add_source(pact_file))
    return await run_verifier(verifier)


@pytest.mark.parametrize(("provider", "pact_file", "producer", "types"), [
    pytest.param(HUB_DOCUMENTS, OUTBOUND_PACT, hub_mapping, OUTBOUND, id="outbound-by-hub-mapping"),
    pytest.param(INSURER_DOCUMENTS, INBOUND_PACT, mock_insurer_builders, INBOUND,
                 id="inbound-by-mock-insurer"),
    pytest.param(INSURER_DOCUMENTS, INBOUND_PACT, hub_mapping, INBOUND, id="inbound-by-hub-mapping"),
])
async def test_the_producer_honours_the_committed_message_pact(
        provider: str, pact_file: str, producer: Producer, types: tuple[DocumentType, ...]) -> None:
    ok, output = await verify_messages(provider, PACTS_DIR / pact_file, producer, types)
    assert ok, output
    for doc_type in types:
        assert f"{description(doc_type)} (" in output


# ---------------------------------------------------------------------------------------------
# Drift: a golden document without one of its required elements


def first_required_leaf(doc_type: DocumentType) -> str:
    facts = schema_facts(doc_type.xsd)
    body = f"/{facts.roots[0]}/Body/"
    return next(path for path, e in facts.elements.items()
                if path.startswith(body) and e.min_occurs >= 1 and e.simple is not None)


def without(document: bytes, path: str) -> bytes:
    root = parse_trusted(document)
    victim = next(e for e in root.iter() if isinstance(e.tag, str) and local_path(e) == path)
    parent = victim.getparent()
    assert parent is not None
    parent.remove(victim)
    written: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return written


@pytest.mark.parametrize("doc_type", DOCUMENT_TYPES, ids=lambda t: t.message_type)
async def test_a_golden_document_missing_a_required_element_fails_naming_it(
        tmp_path: Path, doc_type: DocumentType) -> None:
    path = first_required_leaf(doc_type)
    name = path.rpartition("/")[2]
    copy = tmp_path / "valid.xml"
    copy.write_bytes(without(golden(doc_type), path))

    with pytest.raises(SchemaViolation) as refused:
        schemas.validate(parse_trusted(copy.read_bytes()), doc_type.xsd)
    assert refused.value.path == path
    assert name in str(refused.value)

    provider, pact_file = ((HUB_DOCUMENTS, OUTBOUND_PACT) if doc_type.direction == "outbound"
                           else (INSURER_DOCUMENTS, INBOUND_PACT))
    ok, output = await verify_messages(provider, PACTS_DIR / pact_file,
                                       lambda _t: copy.read_bytes(), (doc_type,))
    namespace = etree.QName(doc_type.root).namespace
    assert not ok, output
    assert f"Expected child <{namespace}:{name}/> but was missing" in output, output
