"""X-OUT-6 询保申请 (xsd/insurance_inquiry.xsd) to and from :class:`InquiryForm`."""

from __future__ import annotations

from lxml import etree

from adapter.domain import messages
from adapter.domain.exchange import Envelope
from adapter.domain.inquiry import Division, InquiryContent, InquiryForm, RegisteredAddress
from adapter.domain.insurance import Contact
from adapter.mappings.elements import (
    Builder,
    children,
    optional_text,
    read_datetime,
    text,
    write_datetime,
)
from adapter.mappings.envelope import document_root, serialize

NS = "urn:swcredit:insurance-inquiry:1"
ROOT = f"{{{NS}}}InsuranceInquiry"
MESSAGE_TYPE = messages.INSURANCE_INQUIRY.message_type
XSD = messages.INSURANCE_INQUIRY.xsd
_b = Builder(NS)


def _division(element: etree._Element | None) -> Division | None:
    if element is None:
        return None
    found = children(element)
    return Division(text(found, "Code"), text(found, "Name"))


def _address(element: etree._Element) -> RegisteredAddress:
    found = children(element)
    province = _division(found["Province"])
    assert province is not None  # required by the schema
    return RegisteredAddress(province, _division(found.get("City")),
                             _division(found.get("District")), text(found, "Detail"))


def from_element(root: etree._Element) -> InquiryForm:
    found = children(root[1])
    contact = children(found["Contact"])
    return InquiryForm(
        serial_no=text(found, "SerialNo"),
        insurer_name=text(found, "InsurerName"),
        company_name=text(found, "CompanyName"),
        uscc=text(found, "Uscc"),
        address=_address(found["RegisteredAddress"]),
        contact=Contact(text(contact, "Name"), text(contact, "Mobile"), text(contact, "Email")),
        content=InquiryContent(text(found, "Content")),
        other_needs=optional_text(found, "OtherNeeds"),
        submitted_by=text(found, "SubmittedBy"),
        card_type=text(found, "CardType"),
        submitted_at=read_datetime(text(found, "SubmittedAt")),
    )


def _write_division(parent: etree._Element, name: str, division: Division | None) -> None:
    if division is None:
        return
    group = _b.group(parent, name)
    _b.add(group, "Code", division.code)
    _b.add(group, "Name", division.name)


def to_xml(form: InquiryForm, envelope: Envelope) -> bytes:
    root, body = document_root(NS, "InsuranceInquiry", envelope)
    _b.add(body, "SerialNo", form.serial_no)
    _b.add(body, "InsurerName", form.insurer_name)
    _b.add(body, "CompanyName", form.company_name)
    _b.add(body, "Uscc", form.uscc)
    address = _b.group(body, "RegisteredAddress")
    _write_division(address, "Province", form.address.province)
    _write_division(address, "City", form.address.city)
    _write_division(address, "District", form.address.district)
    _b.add(address, "Detail", form.address.detail)
    contact = _b.group(body, "Contact")
    _b.add(contact, "Name", form.contact.name)
    _b.add(contact, "Mobile", form.contact.mobile)
    _b.add(contact, "Email", form.contact.email)
    _b.add(body, "Content", form.content.value)
    _b.add(body, "OtherNeeds", form.other_needs)
    _b.add(body, "SubmittedBy", form.submitted_by)
    _b.add(body, "CardType", form.card_type)
    _b.add(body, "SubmittedAt", write_datetime(form.submitted_at))
    return serialize(root)
