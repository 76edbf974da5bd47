"""X-OUT-8 新建买方信息 (xsd/buyer_registration.xsd) to and from :class:`BuyerRegistration`."""

from __future__ import annotations

from lxml import etree

from adapter.domain import messages
from adapter.domain.buyer import BuyerRegistration
from adapter.domain.exchange import Envelope
from adapter.mappings.elements import Builder, children, read_datetime, text, write_datetime
from adapter.mappings.enterprise import read_enterprise, write_enterprise
from adapter.mappings.envelope import document_root, serialize

NS = "urn:swcredit:buyer-registration:1"
ROOT = f"{{{NS}}}BuyerRegistration"
MESSAGE_TYPE = messages.BUYER_REGISTRATION.message_type
XSD = messages.BUYER_REGISTRATION.xsd
_b = Builder(NS)


def from_element(root: etree._Element) -> BuyerRegistration:
    found = children(root[1])
    buyer = children(found["Buyer"])
    return BuyerRegistration(
        registration_serial=text(found, "RegistrationSerial"),
        enterprise=read_enterprise(found["Enterprise"]), english_name=text(buyer, "EnglishName"),
        country=text(buyer, "Country"), address=text(buyer, "Address"), registered_by=text(found, "RegisteredBy"),
        registered_at=read_datetime(text(found, "RegisteredAt")))


def to_xml(registration: BuyerRegistration, envelope: Envelope) -> bytes:
    root, body = document_root(NS, "BuyerRegistration", envelope)
    _b.add(body, "RegistrationSerial", registration.registration_serial)
    write_enterprise(_b.group(body, "Enterprise"), registration.enterprise)
    buyer = _b.group(body, "Buyer")
    _b.add(buyer, "EnglishName", registration.english_name)
    _b.add(buyer, "Country", registration.country)
    _b.add(buyer, "Address", registration.address)
    _b.add(body, "RegisteredBy", registration.registered_by)
    _b.add(body, "RegisteredAt", write_datetime(registration.registered_at))
    return serialize(root)
