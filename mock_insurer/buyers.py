"""The insurer's list of foreign buyers (X-OUT-8): a fixed demo list, lookups, registrations.

A ``BuyerLookup`` is answered in the same exchange with a ``BuyerLookupReply`` (SOAP
operation ``LookupBuyers``, or ``POST /api/v1/documents/buyer-lookup``), after the same
injected faults as every business request (slow, refuse, http500 …). Criteria combine:
a code matches exactly, an English name fragment anywhere (case-insensitive), a
registration serial exactly. A ``BuyerRegistration`` taken in through the ordinary intake
is added to the list with a code this insurer assigns and the hub's serial, so the hub
learns the code by looking the serial up.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web
from lxml import etree

from mock_insurer.ack import new_id
from mock_insurer.catalogue import (
    ANSWERED_TYPES,
    COMMON_NS,
    INSURER_PARTY,
    SCHEMA_VERSION,
    SchemaSet,
)
from mock_insurer.faults import Fault, FaultMode
from mock_insurer.soap import FaultKind, SoapVersion, envelope, fault
from mock_insurer.xmlsafe import serialise

LOOKUP = next(t for t in ANSWERED_TYPES if t.slug == "buyer-lookup")
LOOKUP_ROOT = LOOKUP.root
LOOKUP_XSD = LOOKUP.xsd
LOOKUP_SLUG = LOOKUP.slug
LOOKUP_ACTION = LOOKUP.soap_action
REGISTRATION_TYPE = "BUYER_REGISTRATION"
REPLY_NS = "urn:swcredit:buyer-lookup-reply:1"
REPLY_XSD = "buyer_lookup_reply.xsd"


@dataclass(frozen=True)
class ListedBuyer:
    code: str
    english_name: str
    country: str
    address: str
    registration_serial: str | None = None


DEMO_BUYERS: tuple[ListedBuyer, ...] = (
    ListedBuyer("US0012345", "Pacific Home Goods Inc.", "USA",
                "1200 Harbor Blvd, Long Beach, CA 90802, USA"),
    ListedBuyer("US0012399", "Pacific Home Imports LLC", "USA",
                "77 Market Street, San Francisco, CA 94105, USA"),
    ListedBuyer("DE0040117", "Nordhafen Handels GmbH", "DEU", "Grosse Elbstrasse 145, 22767 Hamburg, Germany"),
    ListedBuyer("JP0070321", "Sakura Trading Co., Ltd.", "JPN",
                "2-3-1 Minatomirai, Nishi-ku, Yokohama 220-0012, Japan"),
    ListedBuyer("GB0021876", "Thames Valley Imports Ltd.", "GBR", "45 Station Road, Reading RG1 1LG, United Kingdom"),
    ListedBuyer("AU0033410", "Southern Cross Wholesale Pty Ltd", "AUS",
                "88 George Street, Sydney NSW 2000, Australia"),
    ListedBuyer("SG0050092", "Lion City Supplies Pte. Ltd.", "SGP", "10 Anson Road, #21-02, Singapore 079903"),
    ListedBuyer("AE0060733", "Gulf Star General Trading LLC", "ARE", "Plot S20311, Jebel Ali Free Zone, Dubai, UAE"),
    ListedBuyer("BR0080456", "Rio Verde Comercio Ltda.", "BRA",
                "Avenida Paulista 1578, Sao Paulo SP 01310-200, Brazil"),
    ListedBuyer("US0012777", "Atlantic Furniture Outlet Corp.", "USA",
                "500 Commerce Drive, Savannah, GA 31408, USA"),
    ListedBuyer("DE0040555", "Rheinland Haushaltswaren AG", "DEU", "Hohenzollernring 72, 50672 Koeln, Germany"),
    ListedBuyer("NL0090012", "Rotterdam Global Trade B.V.", "NLD",
                "Wilhelminakade 909, 3072 AP Rotterdam, Netherlands"),
)
"""The demo list: the same every run; the consignees of the hub's demo customs data among them."""


class BuyerDirectory:
    def __init__(self) -> None:
        self.registered: list[ListedBuyer] = []
        self.lookups: list[dict[str, str | None]] = []
        """The criteria of every lookup answered, in order (tests count calls to the insurer)."""

    def find(self, *, code: str | None, name: str | None, serial: str | None) -> list[ListedBuyer]:
        fragment = (name or "").casefold()
        return [b for b in (*DEMO_BUYERS, *self.registered)
                if (code is None or b.code == code.upper())
                and (fragment in b.english_name.casefold())
                and (serial is None or b.registration_serial == serial)]

    def register(self, document: etree._Element) -> ListedBuyer:
        """A registration, once per serial: listed at once with the code assigned here."""
        serial = _text(document, "Body/RegistrationSerial")
        known = next((b for b in self.registered if b.registration_serial == serial), None)
        if known is not None:
            return known
        listed = ListedBuyer(f"NB{len(self.registered) + 1:07d}",
                             _text(document, "Body/Buyer/EnglishName"),
                             _text(document, "Body/Buyer/Country"),
                             _text(document, "Body/Buyer/Address"), serial)
        self.registered.append(listed)
        return listed

    def reset(self) -> None:
        self.registered.clear()
        self.lookups.clear()

    def reply(self, request: etree._Element) -> etree._Element:
        """The BuyerLookupReply to a schema-valid BuyerLookup."""
        criteria = {name: _optional(request, f"Body/Criteria/{name}")
                    for name in ("BuyerCode", "EnglishName", "RegistrationSerial")}
        self.lookups.append(criteria)
        found = self.find(code=criteria["BuyerCode"], name=criteria["EnglishName"],
                          serial=criteria["RegistrationSerial"])
        limit = int(_text(request, "Body/MaxResults"))
        return _reply_document(request, len(found), found[:limit])


def _text(document: etree._Element, path: str) -> str:
    return _optional(document, path) or ""


def _optional(document: etree._Element, path: str) -> str | None:
    found = document.find("/".join(f"{{*}}{step}" for step in path.split("/")))
    return None if found is None else (found.text or "")


def _reply_document(request: etree._Element, total: int, buyers: list[ListedBuyer]) -> etree._Element:
    root = etree.Element(f"{{{REPLY_NS}}}BuyerLookupReply", nsmap={None: REPLY_NS, "c": COMMON_NS})
    head = etree.SubElement(root, f"{{{REPLY_NS}}}Envelope")
    for name, value in (
        ("MessageId", new_id("BLR")), ("MessageType", "BUYER_LOOKUP_REPLY"),
        ("SchemaVersion", SCHEMA_VERSION),
        ("CorrelationId", _text(request, "Envelope/CorrelationId")),
        ("BusinessSerial", _text(request, "Envelope/BusinessSerial")),
        ("Sender", INSURER_PARTY), ("Receiver", _text(request, "Envelope/Sender")),
        ("SentAt", datetime.now(UTC).isoformat()),
    ):
        etree.SubElement(head, f"{{{COMMON_NS}}}{name}").text = value
    body = etree.SubElement(root, f"{{{REPLY_NS}}}Body")
    etree.SubElement(body, f"{{{REPLY_NS}}}RefMessageId").text = _text(request, "Envelope/MessageId")
    etree.SubElement(body, f"{{{REPLY_NS}}}Total").text = str(total)
    for buyer in buyers:
        entry = etree.SubElement(body, f"{{{REPLY_NS}}}Buyer")
        for name, value in (("BuyerCode", buyer.code), ("EnglishName", buyer.english_name),
                            ("Country", buyer.country), ("Address", buyer.address),
                            ("RegistrationSerial", buyer.registration_serial)):
            if value is not None:
                etree.SubElement(entry, f"{{{REPLY_NS}}}{name}").text = value
    return root


# --- the HTTP side: called by server.py once the request's early faults have passed --------


_INJECTED = {FaultMode.SOAP_SERVER: FaultKind.SERVER, FaultMode.SOAP_CLIENT: FaultKind.CLIENT}


def _refusal(state_schemas: SchemaSet, document: etree._Element, current: Fault) -> tuple[FaultKind, str] | None:
    """Why the lookup is not answered: an invalid request, or an injected SOAP fault."""
    errors = state_schemas.validate(document, LOOKUP_XSD)
    if errors:
        return FaultKind.CLIENT, "; ".join(f"{e.path}: {e.reason}" for e in errors)
    if _text(document, "Envelope/Receiver") != INSURER_PARTY:
        return FaultKind.CLIENT, f"Receiver must be {INSURER_PARTY}"
    kind = _INJECTED.get(current.mode)
    return None if kind is None else (kind, f"injected {current.mode.value}")


def soap_answer(directory: BuyerDirectory, schemas: SchemaSet, version: SoapVersion,
                payload: etree._Element, action: str | None, current: Fault) -> web.Response:
    document = copy.deepcopy(payload)
    refused = _refusal(schemas, document, current)
    if refused is None and action is None:
        refused = FaultKind.CLIENT, "the SOAPAction header is missing"
    elif refused is None and action not in ("", LOOKUP_ACTION):
        refused = FaultKind.CLIENT, f"action {action!r} does not match LookupBuyers"
    if refused is not None:
        kind, reason = refused
        return web.Response(status=version.fault_status(kind), body=fault(version, kind, reason),
                            content_type=version.media_type, charset="utf-8")
    return web.Response(body=envelope(version, directory.reply(document)),
                        content_type=version.media_type, charset="utf-8")


def rest_answer(directory: BuyerDirectory, schemas: SchemaSet, document: etree._Element,
                current: Fault) -> web.Response:
    if document.tag != LOOKUP_ROOT:
        return web.Response(status=400, text=f"expected {LOOKUP_ROOT}, got {document.tag}")
    refused = _refusal(schemas, document, current)
    if refused is not None:
        kind, reason = refused
        return web.Response(status=500 if kind is FaultKind.SERVER else 400, text=reason)
    return web.Response(body=serialise(directory.reply(document)), content_type="application/xml",
                        charset="utf-8")
