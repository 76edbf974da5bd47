"""X-OUT-8 买方查询 (xsd/buyer_lookup.xsd) to and from :class:`LookupRequest`.

Not in the message catalogue: the lookup is a question asked while a person waits, sent
straight to the insurer (``outbound/buyer_lookup.py``), never queued, and answered with a
:mod:`buyer_lookup_reply` rather than an acknowledgement.
"""

from __future__ import annotations

from lxml import etree

from adapter.domain.buyer import BuyerQuery, LookupRequest
from adapter.domain.exchange import Envelope
from adapter.domain.messages import Direction, MessageKind
from adapter.mappings.elements import (
    Builder,
    children,
    optional_text,
    read_datetime,
    text,
    write_datetime,
)
from adapter.mappings.envelope import document_root, serialize

NS = "urn:swcredit:buyer-lookup:1"
ROOT = f"{{{NS}}}BuyerLookup"
MESSAGE_TYPE = "BUYER_LOOKUP"
XSD = "buyer_lookup.xsd"
SLUG = "buyer-lookup"
SOAP_OPERATION = "LookupBuyers"
_b = Builder(NS)


def from_element(root: etree._Element) -> LookupRequest:
    found = children(root[1])
    criteria = children(found["Criteria"])
    query = BuyerQuery(uscc=text(found, "Uscc"), code=optional_text(criteria, "BuyerCode"),
                       name=optional_text(criteria, "EnglishName"),
                       registration_serial=optional_text(criteria, "RegistrationSerial"),
                       max_results=int(text(found, "MaxResults")))
    return LookupRequest(query, read_datetime(text(found, "RequestedAt")))


def to_xml(request: LookupRequest, envelope: Envelope) -> bytes:
    root, body = document_root(NS, "BuyerLookup", envelope)
    query = request.query
    _b.add(body, "Uscc", query.uscc)
    criteria = _b.group(body, "Criteria")
    _b.add(criteria, "BuyerCode", query.code)
    _b.add(criteria, "EnglishName", query.name)
    _b.add(criteria, "RegistrationSerial", query.registration_serial)
    _b.add(body, "MaxResults", str(query.max_results))
    _b.add(body, "RequestedAt", write_datetime(request.requested_at))
    return serialize(root)


# The lookup's own kind, outside the catalogue (nothing queues it): what the SOAP template
# and the REST URL are built from.
KIND = MessageKind(MESSAGE_TYPE, "X-OUT-8", Direction.OUTBOUND, "buyer_lookup", SLUG, SOAP_OPERATION,
                   "claim_buyer")
