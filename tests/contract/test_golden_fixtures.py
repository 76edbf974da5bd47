"""Golden documents, one folder per XSD: what the hub accepts, what it refuses, and how it says so.

``tests/fixtures/<xsd stem>/`` holds ``valid.xml`` (a complete document, every optional
element filled) and invalid variants, each with one defect, plus ``expected.json`` naming
the error code and field path the partner must read in the REJECTED acknowledgement.

The same files are checked four ways: against the XSD directly, through the mapping
(round trip), through both inbound channels of the running hub on SQLite and PostgreSQL,
and for completeness, so a new message type cannot arrive without its golden documents.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import xmlschema
import zeep
from lxml import etree

from adapter.config import LimitSettings
from adapter.domain.agreement import AgreementStamp, AgreementStatus, TerminationResult
from adapter.domain.claim import ClaimReview
from adapter.domain.errors import SchemaViolation
from adapter.domain.inquiry import InquiryReply
from adapter.domain.insurance import ApplicationReceipt, PolicyOffer
from adapter.mappings import (
    acknowledgement,
    buyer_lookup,
    buyer_lookup_reply,
    schemas,
)
from adapter.mappings.envelope import peek_envelope, read_envelope
from adapter.mappings.registry import DOCUMENT_TYPES, INBOUND_BY_SLUG, DocumentType
from adapter.mappings.xml_safety import parse_untrusted
from adapter.persistence.database import Database
from tests.claims_harness import claim_submitted
from tests.harness import hub_settings, post_rest, put_in_state, running_hub, sign
from tests.insurance_harness import inquired, pending, signed_agreement_for, submitted
from tests.integration.test_inbound_channels import zeep_client

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
XS = "{http://www.w3.org/2001/XMLSchema}"
MAX_BYTES = LimitSettings().max_document_bytes
HUB, INSURER = "SWCREDIT", "SINOSURE"
REQUIRED_INVALID = ("missing_required.xml", "wrong_pattern.xml", "unknown_element.xml")

# Schemas that only define shared types. Listed by name, never inferred: a schema that
# loses its root element by accident must fail the completeness test, not vanish from it.
TYPES_ONLY_SCHEMAS = {
    "common.xsd": "envelope, identifiers, USCC, money and text types shared by every document",
}


@dataclass(frozen=True)
class Mapping:
    """How one document type's XML maps to its domain object and back."""

    root: str
    from_element: Callable[[etree._Element], Any]
    to_xml: Callable[[Any, etree._Element], bytes]  # (domain object, the parsed original)


def _registry_mapping(doc_type: DocumentType) -> Mapping:
    return Mapping(doc_type.root, doc_type.from_element,
                   lambda obj, original: doc_type.to_xml(obj, read_envelope(original)))


# Every document schema's mapping: the registry's types, plus the acknowledgement, which has
# no envelope and is not routed, so it is named here explicitly.
MAPPINGS: dict[str, Mapping] = {
    **{t.xsd: _registry_mapping(t) for t in DOCUMENT_TYPES},
    acknowledgement.XSD: Mapping(acknowledgement.ROOT, acknowledgement.from_element,
                                 lambda ack, _original: acknowledgement.to_xml(ack)),
    # The synchronous buyer lookup (X-OUT-8) and its reply: never queued nor routed.
    **{m.XSD: Mapping(m.ROOT, m.from_element,
                      lambda obj, original, m=m: m.to_xml(obj, read_envelope(original)))
       for m in (buyer_lookup, buyer_lookup_reply)},
}


# What must exist before a valid inbound document can be ACCEPTED: one entry per inbound type.
async def _agreement_is_signing(db: Database, stamp: AgreementStamp) -> None:
    await sign(db, stamp.agreement_no, uscc=stamp.uscc)


async def _agreement_is_terminating(db: Database, result: TerminationResult) -> None:
    await sign(db, result.agreement_no, uscc=result.uscc)
    await put_in_state(db, result.agreement_no, AgreementStatus.TERMINATING, result.decided_at)


async def _offer_to_supersede_is_pending(db: Database, offer: PolicyOffer) -> None:
    assert offer.supersedes is not None
    await pending(db, offer.supersedes, uscc=offer.uscc)


async def _application_is_submitted(db: Database, receipt: ApplicationReceipt) -> None:
    await submitted(db, receipt.offer_no, receipt.application_no, uscc=receipt.uscc)


async def _inquiry_is_submitted(db: Database, reply: InquiryReply) -> None:
    await inquired(db, reply.serial_no, uscc=reply.uscc)


async def _claim_is_submitted(db: Database, review: ClaimReview) -> None:
    await signed_agreement_for(db, review.uscc)
    await claim_submitted(db, review.claim_no, review.business_serial, uscc=review.uscc)


async def _nothing_needed(db: Database, article: object) -> None:
    """Risk articles are for every exporter: the first version needs nothing before it."""


PREREQUISITES: dict[str, Callable[[Database, Any], Awaitable[None]]] = {
    "AGREEMENT_STAMP": _agreement_is_signing,
    "TERMINATION_RESULT": _agreement_is_terminating,
    "PENDING_POLICY": _offer_to_supersede_is_pending,
    "APPLICATION_RECEIPT": _application_is_submitted,
    "INQUIRY_REPLY": _inquiry_is_submitted,
    "CLAIM_REVIEW": _claim_is_submitted,
    "RISK_ARTICLE": _nothing_needed,
}


# ---------------------------------------------------------------------------------------------
# Reading the fixture folders


def declared_roots(xsd: Path) -> list[str]:
    """Top-level element declarations: the documents a schema defines."""
    tree = etree.parse(str(xsd))
    return [e.get("name") for e in tree.getroot().iterchildren(f"{XS}element")]


def schemas_with_roots() -> list[Path]:
    return [xsd for xsd in schemas.schema_files() if declared_roots(xsd)]


def folder(xsd_name: str) -> Path:
    return FIXTURES / Path(xsd_name).stem


def expected(xsd_name: str) -> dict[str, dict[str, Any]]:
    path = folder(xsd_name) / "expected.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def invalid_files(xsd_name: str) -> list[str]:
    return sorted(p.name for p in folder(xsd_name).glob("*.xml") if p.name != "valid.xml")


def read(xsd_name: str, name: str) -> bytes:
    return (folder(xsd_name) / name).read_bytes()


def parse(xsd_name: str, name: str) -> etree._Element:
    return parse_untrusted(read(xsd_name, name), max_bytes=MAX_BYTES)


def _valid_params() -> list[Any]:
    return [pytest.param(x.name, id=Path(x.name).stem) for x in schemas_with_roots()
            if (folder(x.name) / "valid.xml").is_file()]


def _invalid_params(direction: str | None = None) -> list[Any]:
    params = []
    for xsd in schemas_with_roots():
        doc_type = _doc_type(xsd.name)
        if direction and (doc_type is None or doc_type.direction != direction):
            continue
        params += [pytest.param(xsd.name, name, id=f"{xsd.stem}/{name}")
                   for name in invalid_files(xsd.name)]
    return params


def _doc_type(xsd_name: str) -> DocumentType | None:
    return next((t for t in DOCUMENT_TYPES if t.xsd == xsd_name), None)


def _registered_valid_params(direction: str | None = None) -> list[Any]:
    """valid.xml of each registered type that has one (a missing one fails the completeness test)."""
    return [pytest.param(t.xsd, "valid.xml", id=f"{Path(t.xsd).stem}/valid.xml")
            for t in DOCUMENT_TYPES
            if (direction is None or t.direction == direction)
            and (folder(t.xsd) / "valid.xml").is_file()]


def _inbound_fixture_params() -> list[Any]:
    return _registered_valid_params("inbound") + _invalid_params("inbound")


# ---------------------------------------------------------------------------------------------
# Completeness: a schema with a root element cannot exist without its golden documents


def test_every_schema_with_a_root_element_has_golden_fixtures() -> None:
    problems: dict[str, list[str]] = {}
    for xsd in schemas_with_roots():
        place, found = folder(xsd.name), []
        if not (place / "valid.xml").is_file():
            found.append(f"no {place.relative_to(FIXTURES.parent)}/valid.xml")
        if not (place / "expected.json").is_file():
            found.append("no expected.json")
        invalid = invalid_files(xsd.name)
        if len(invalid) < 3:
            found.append(f"{len(invalid)} invalid documents, at least 3 needed")
        found += [f"no {name}" for name in REQUIRED_INVALID if name not in invalid]
        answers = expected(xsd.name)
        found += [f"{name} has no entry in expected.json" for name in invalid if name not in answers]
        found += [f"expected.json names {name}, which does not exist"
                  for name in answers if name not in invalid]
        found += [f"{name} in expected.json needs a code and a path"
                  for name, answer in answers.items() if not {"code", "path"} <= answer.keys()]
        if found:
            problems[xsd.name] = found
    assert problems == {}


def test_schemas_without_a_root_element_are_exactly_the_listed_types_only_schemas() -> None:
    without_root = {xsd.name for xsd in schemas.schema_files() if not declared_roots(xsd)}
    assert without_root == set(TYPES_ONLY_SCHEMAS)
    assert not any(folder(name).exists() for name in TYPES_ONLY_SCHEMAS)


def test_every_document_schema_has_a_mapping_and_every_registered_type_a_schema() -> None:
    assert {xsd.name for xsd in schemas_with_roots()} == set(MAPPINGS)
    for xsd_name, mapping in MAPPINGS.items():
        assert [etree.QName(mapping.root).localname] == declared_roots(schemas.XSD_DIR / xsd_name)


def test_every_inbound_document_type_says_what_must_exist_before_it_is_accepted() -> None:
    inbound = {t.message_type for t in DOCUMENT_TYPES if t.direction == "inbound"}
    assert inbound == set(PREREQUISITES)


# ---------------------------------------------------------------------------------------------
# Directly against the XSD


@pytest.mark.parametrize("xsd_name", _valid_params())
def test_valid_fixture_is_accepted_by_its_schema(xsd_name: str) -> None:
    schemas.validate(parse(xsd_name, "valid.xml"), xsd_name)


@cache
def _declared_element_paths(xsd_name: str) -> tuple[str, ...]:
    schema = xmlschema.XMLSchema(str(schemas.XSD_DIR / xsd_name))
    paths: list[str] = []

    def walk(element: Any, parent: str) -> None:
        path = f"{parent}/{element.local_name}"
        paths.append(path)
        content = None if element.type.is_simple() else element.type.content
        if content is not None and hasattr(content, "iter_elements"):
            for child in content.iter_elements():
                walk(child, path)

    for root in schema.elements.values():
        walk(root, "")
    return tuple(paths)


def element_paths(root: etree._Element) -> set[str]:
    def path(element: etree._Element) -> str:
        names = [etree.QName(e).localname for e in (element, *element.iterancestors())]
        return "/" + "/".join(reversed(names))
    return {path(e) for e in root.iter() if isinstance(e.tag, str)}


@pytest.mark.parametrize("xsd_name", _valid_params())
def test_valid_fixture_fills_every_element_its_schema_declares(xsd_name: str) -> None:
    present = element_paths(parse(xsd_name, "valid.xml"))
    assert [p for p in _declared_element_paths(xsd_name) if p not in present] == []


def _assert_reason(reason: str, answer: dict[str, Any]) -> None:
    missing = [part for part in answer.get("reason_contains", []) if part not in reason]
    assert missing == [], f"the reason {reason!r} does not tell the partner {missing}"


@pytest.mark.parametrize(("xsd_name", "name"), _invalid_params())
def test_invalid_fixture_is_refused_at_the_expected_field(xsd_name: str, name: str) -> None:
    answer = expected(xsd_name)[name]
    root = parse(xsd_name, name)
    if answer["code"] != SchemaViolation.code:
        # Schema-valid on purpose: the hub's envelope rules refuse it (checked on the channels).
        schemas.validate(root, xsd_name)
        assert answer["code"].startswith("E-ENVELOPE-")
        return
    with pytest.raises(SchemaViolation) as refused:
        schemas.validate(root, xsd_name)
    assert (refused.value.code, refused.value.path) == (answer["code"], answer["path"])
    _assert_reason(str(refused.value), answer)


@pytest.mark.parametrize(("xsd_name", "name"),
                         [p for p in _invalid_params() if _doc_type(p.values[0])]
                         + _registered_valid_params())
def test_fixture_envelope_names_the_parties_of_its_direction(xsd_name: str, name: str) -> None:
    """Inbound: SINOSURE → SWCREDIT; outbound: SWCREDIT → SINOSURE; the type matches the root.

    Only a fixture whose expected error names an envelope field may differ, in that field.
    """
    doc_type = _doc_type(xsd_name)
    assert doc_type is not None
    sender, receiver = (INSURER, HUB) if doc_type.direction == "inbound" else (HUB, INSURER)
    contract = {"Sender": sender, "Receiver": receiver, "MessageType": doc_type.message_type,
                "SchemaVersion": "1.0"}
    envelope = peek_envelope(parse(xsd_name, name))
    answer = expected(xsd_name).get(name, {})
    head, _, field_name = answer.get("path", "").rpartition("/")
    faulty = field_name if head.endswith("/Envelope") else None
    for field, value in contract.items():
        assert (envelope.get(field) == value) is (field != faulty), field


# ---------------------------------------------------------------------------------------------
# Round trip through the domain


@pytest.mark.parametrize("xsd_name", _valid_params())
def test_valid_fixture_survives_a_round_trip_through_the_domain(xsd_name: str) -> None:
    mapping = MAPPINGS[xsd_name]
    original = parse(xsd_name, "valid.xml")
    assert original.tag == mapping.root
    document = mapping.from_element(original)

    rewritten = parse_untrusted(mapping.to_xml(document, original), max_bytes=MAX_BYTES)

    schemas.validate(rewritten, xsd_name)
    assert mapping.from_element(rewritten) == document
    assert element_paths(rewritten) == element_paths(original)  # no element dropped or added
    if _doc_type(xsd_name):
        assert read_envelope(rewritten) == read_envelope(original)


# ---------------------------------------------------------------------------------------------
# Through the running hub: REST and SOAP (zeep, from the served WSDL), SQLite and PostgreSQL


class DocumentAsIs(zeep.Plugin):
    """Put a fixture into the SOAP body exactly as written, in place of zeep's rendering.

    zeep refuses to build a document its schema forbids (a missing element, an unknown
    one), so the operation is called with the valid document and this swaps in the fixture.
    """

    def __init__(self) -> None:
        self.document: etree._Element | None = None

    def egress(self, envelope: etree._Element, http_headers: dict[str, str], operation: Any,
               binding_options: Any) -> tuple[etree._Element, dict[str, str]]:
        if self.document is not None:
            body = envelope.find("{*}Body")
            body.remove(body[0])
            body.append(self.document)
        return envelope, http_headers


def with_prefixes(document: bytes) -> etree._Element:
    """The same document written the way zeep, JAXB or WCF write it: every namespace prefixed."""
    source = etree.fromstring(document)
    namespaces: list[str] = []
    for element in source.iter():
        namespace = etree.QName(element).namespace if isinstance(element.tag, str) else None
        if namespace and namespace not in namespaces:
            namespaces.append(namespace)
    nsmap = {f"ns{i}": namespace for i, namespace in enumerate(namespaces)}

    def copy(element: etree._Element, parent: etree._Element | None) -> etree._Element:
        made = (etree.Element(element.tag, nsmap=nsmap) if parent is None
                else etree.SubElement(parent, element.tag))
        made.attrib.update(element.attrib)
        made.text, made.tail = element.text, element.tail
        for child in element:
            if isinstance(child.tag, str):
                copy(child, made)
        return made

    return copy(source, None)


@dataclass
class Answer:
    """What a partner sees: the HTTP status, the SOAP fault code if any, the acknowledgement."""

    channel: str
    http_status: int
    fault_code: str | None
    ack: Any

    @property
    def visible(self) -> dict[str, Any]:
        """The acknowledgement without what differs by nature per delivery (id, time)."""
        ack = self.ack
        return {"status": ack.status.value, "sender": ack.sender, "receiver": ack.receiver,
                "ref_message_id": ack.ref_message_id, "ref_message_type": ack.ref_message_type,
                "ref_business_serial": ack.ref_business_serial,
                "errors": [(e.code, e.path, e.reason) for e in ack.errors]}


async def _soap(client: zeep.AsyncClient, service: Any, operation: str, valid: etree._Element,
                swap: DocumentAsIs, document: etree._Element | None, channel: str) -> Answer:
    """Call the WSDL operation; ``document`` None means zeep renders ``valid`` itself."""
    value = client.get_element(valid.tag).parse(valid, client.wsdl.types)
    swap.document = document
    try:
        with client.settings(raw_response=True):
            response = await getattr(service, operation)(**dict(value.__values__))
    finally:
        swap.document = None
    envelope = etree.fromstring(response.content)
    body = envelope.find("{*}Body")
    fault = body.find("{*}Fault")
    if fault is None:
        return Answer(channel, response.status_code, None, acknowledgement.from_element(body[0]))
    code = fault.findtext("faultcode") or fault.findtext("{*}Code/{*}Value")
    ack = fault.find(f".//{{{acknowledgement.ACK_NS}}}Acknowledgement")
    return Answer(channel, response.status_code, code, acknowledgement.from_element(ack))


async def deliver_everywhere(hub: Any, doc_type: DocumentType, document: bytes,
                             valid: bytes) -> list[Answer]:
    """REST as written; SOAP 1.1 as written; SOAP 1.2 with every namespace prefixed."""
    async with aiohttp.ClientSession() as session:
        status, body = await post_rest(session, hub, document, doc_type.slug)
    answers = [Answer("rest", status, None, acknowledgement.from_element(etree.fromstring(body)))]
    client, soap11 = await zeep_client(hub.base_url, "1.1")
    soap12 = client.bind("CreditHub", "HubSoap12")
    swap = DocumentAsIs()
    client.plugins.append(swap)
    valid_root = etree.fromstring(valid)
    as_is = etree.fromstring(document)
    prefixed = None if document == valid else with_prefixes(document)  # valid: zeep's own rendering
    answers.append(await _soap(client, soap11, doc_type.soap_operation, valid_root, swap, as_is,
                               "soap11"))
    answers.append(await _soap(client, soap12, doc_type.soap_operation, valid_root, swap, prefixed,
                               "soap12"))
    return answers


@pytest.mark.parametrize(("xsd_name", "name"), _inbound_fixture_params())
async def test_inbound_fixture_gets_the_same_answer_on_every_channel(db_url: str, db: Database,
                                                                     xsd_name: str, name: str) -> None:
    doc_type = _doc_type(xsd_name)
    assert doc_type is not None
    valid = read(xsd_name, "valid.xml")
    await PREREQUISITES[doc_type.message_type](db, doc_type.from_element(parse(xsd_name, "valid.xml")))

    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        rest, soap11, soap12 = await deliver_everywhere(hub, doc_type, read(xsd_name, name), valid)

    envelope = read_envelope(parse(xsd_name, "valid.xml"))
    if name == "valid.xml":
        # One message id, three deliveries: the first is applied, the others are repeats of it.
        assert (rest.http_status, rest.ack.status.value, rest.ack.errors) == (200, "ACCEPTED", ())
        for repeat in (soap11, soap12):
            assert (repeat.http_status, repeat.fault_code) == (200, None), repeat.channel
            assert repeat.ack.status.value == "DUPLICATE", repeat.channel
            assert repeat.ack.original_ack_id == rest.ack.ack_id, repeat.channel
            assert repeat.ack.errors == ()
        assert rest.ack.ref_message_id == envelope.message_id
        assert {a.ack.ref_business_serial for a in (rest, soap11, soap12)} == {envelope.business_serial}
        return

    answer = expected(xsd_name)[name]
    assert [(e.code, e.path) for e in rest.ack.errors] == [(answer["code"], answer["path"])]
    assert rest.ack.status.value == "REJECTED"
    assert (rest.ack.sender, rest.ack.receiver) == (HUB, INSURER)
    _assert_reason(rest.ack.errors[0].reason, answer)
    assert rest.http_status == 400
    assert (soap11.http_status, soap11.fault_code) == (500, "soap:Client")
    assert (soap12.http_status, soap12.fault_code) == (400, "soap:Sender")
    assert soap11.visible == rest.visible
    assert soap12.visible == rest.visible


@pytest.mark.parametrize("xsd_name", [pytest.param(p.values[0], id=p.id.partition("/")[0])
                                      for p in _registered_valid_params("outbound")])
async def test_outbound_document_sent_to_the_hub_is_refused_as_unknown(db_url: str, db: Database,
                                                                       xsd_name: str) -> None:
    """The hub's inbound channels take only inbound types: its own outbound type is unknown."""
    document = read(xsd_name, "valid.xml")
    inbound = next(iter(INBOUND_BY_SLUG.values()))
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        async with aiohttp.ClientSession() as session:
            status, body = await post_rest(session, hub, document, inbound.slug)
        client, service = await zeep_client(hub.base_url)
        swap = DocumentAsIs()
        client.plugins.append(swap)
        valid_inbound = etree.fromstring(read(inbound.xsd, "valid.xml"))
        soap = await _soap(client, service, inbound.soap_operation, valid_inbound, swap,
                           etree.fromstring(document), "soap11")
    rest = Answer("rest", status, None, acknowledgement.from_element(etree.fromstring(body)))
    assert rest.http_status == 400
    assert [(e.code, e.path) for e in rest.ack.errors] == [("E-DOC-UNKNOWN-TYPE", "/")]
    assert rest.ack.status.value == "REJECTED"
    assert soap.fault_code == "soap:Client"
    assert soap.visible == rest.visible
