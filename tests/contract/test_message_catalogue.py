"""Every catalogued message type has all of its pieces; a type missing one fails here, by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from adapter.config import REPO_ROOT
from adapter.domain.messages import CATALOGUE, Direction, MessageKind
from adapter.inbound.handlers import HANDLERS
from adapter.mappings.registry import BY_TYPE
from mock_insurer.catalogue import PUSHED_TYPES, RECEIVED_TYPES
from mock_insurer.contract_tests import ACCEPTED_PUSHES

WSDL = "{http://schemas.xmlsoap.org/wsdl/}"
PACTS = REPO_ROOT / "contracts" / "pacts"


def _operations(wsdl: str) -> set[str]:
    tree = etree.parse(str(REPO_ROOT / "contracts" / wsdl))
    return {op.get("name") for op in tree.iter(f"{WSDL}operation")}


def _descriptions(pact: str) -> set[str]:
    document = json.loads((PACTS / pact).read_text(encoding="utf-8"))
    return {i["description"] for i in document.get("interactions", document.get("messages", []))}


def _ids(kind: MessageKind) -> str:
    return kind.message_type


@pytest.mark.parametrize("kind", CATALOGUE, ids=_ids)
def test_each_type_has_its_schema_mapping_and_fixtures(kind: MessageKind) -> None:
    assert (REPO_ROOT / "xsd" / kind.xsd).is_file(), kind.xsd
    assert kind.message_type in BY_TYPE, "no line in adapter/mappings/registry.py"
    fixtures = Path(REPO_ROOT, "tests", "fixtures", kind.stem)
    assert (fixtures / "valid.xml").is_file() and (fixtures / "expected.json").is_file()
    assert len([f for f in fixtures.glob("*.xml") if f.name != "valid.xml"]) >= 3, "invalid variants"


@pytest.mark.parametrize("kind", CATALOGUE, ids=_ids)
def test_each_type_has_its_wsdl_operation_pact_and_mock_insurer_row(kind: MessageKind) -> None:
    if kind.direction is Direction.INBOUND:
        assert kind.soap_operation in _operations("hub.wsdl")
        assert kind.message_type in HANDLERS, "no line in adapter/inbound/handlers.py"
        assert f"a {kind.message_type} document" in _descriptions(
            "sw-credit-hub-sinosure-documents.json")
        assert kind.slug in {t.slug for t in PUSHED_TYPES} and kind.slug in ACCEPTED_PUSHES
        assert kind.received_zh, "no process-view sentence for its outcomes"
    else:
        assert kind.soap_operation in _operations("insurer.wsdl")
        assert f"a {kind.message_type} document posted by the hub" in _descriptions(
            "sw-credit-hub-sinosure-rest-api.json")
        assert f"a {kind.message_type} document" in _descriptions(
            "sinosure-sw-credit-hub-documents.json")
        assert kind.slug in {t.slug for t in RECEIVED_TYPES}
        assert kind.sent_zh, "no process-view sentence for its sending"


def test_the_mock_insurer_knows_no_type_the_catalogue_lacks() -> None:
    known = {k.message_type for k in CATALOGUE}
    assert {t.message_type for t in (*PUSHED_TYPES, *RECEIVED_TYPES)} <= known
