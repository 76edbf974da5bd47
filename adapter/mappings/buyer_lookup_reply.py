"""X-OUT-8 买方查询结果 (xsd/buyer_lookup_reply.xsd) to and from :class:`LookupReply`.

The insurer's answer in the same exchange as the :mod:`buyer_lookup` request; the hub reads
it with the hardened parser and this schema, like any partner's bytes.
"""

from __future__ import annotations

from lxml import etree

from adapter.domain.buyer import DirectoryBuyer, LookupReply
from adapter.domain.exchange import Envelope
from adapter.mappings.elements import Builder, children, local_name, optional_text, text
from adapter.mappings.envelope import document_root, serialize

NS = "urn:swcredit:buyer-lookup-reply:1"
ROOT = f"{{{NS}}}BuyerLookupReply"
MESSAGE_TYPE = "BUYER_LOOKUP_REPLY"
XSD = "buyer_lookup_reply.xsd"
_b = Builder(NS)


def _buyer(element: etree._Element) -> DirectoryBuyer:
    found = children(element)
    return DirectoryBuyer(code=text(found, "BuyerCode"), english_name=text(found, "EnglishName"),
                          country=text(found, "Country"), address=text(found, "Address"),
                          registration_serial=optional_text(found, "RegistrationSerial"))


def from_element(root: etree._Element) -> LookupReply:
    body = root[1]
    found = children(body)
    buyers = tuple(_buyer(child) for child in body
                   if isinstance(child.tag, str) and local_name(child.tag) == "Buyer")
    return LookupReply(text(found, "RefMessageId"), int(text(found, "Total")), buyers)


def to_xml(reply: LookupReply, envelope: Envelope) -> bytes:
    root, body = document_root(NS, "BuyerLookupReply", envelope)
    _b.add(body, "RefMessageId", reply.ref_message_id)
    _b.add(body, "Total", str(reply.total))
    for buyer in reply.buyers:
        entry = _b.group(body, "Buyer")
        _b.add(entry, "BuyerCode", buyer.code)
        _b.add(entry, "EnglishName", buyer.english_name)
        _b.add(entry, "Country", buyer.country)
        _b.add(entry, "Address", buyer.address)
        _b.add(entry, "RegistrationSerial", buyer.registration_serial)
    return serialize(root)
