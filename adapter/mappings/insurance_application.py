"""X-OUT-4 投保申请 (xsd/insurance_application.xsd) to and from :class:`ApplicationForm`."""

from __future__ import annotations

from lxml import etree

from adapter.domain import messages
from adapter.domain.exchange import Envelope
from adapter.domain.insurance import ApplicationForm, Contact
from adapter.mappings.elements import (
    Builder,
    children,
    optional_text,
    read_base64,
    read_date,
    read_datetime,
    text,
    write_base64,
    write_datetime,
)
from adapter.mappings.enterprise import read_enterprise, write_enterprise
from adapter.mappings.envelope import document_root, serialize
from adapter.mappings.pending_policy import read_insurer, write_insurer

NS = "urn:swcredit:insurance-application:1"
ROOT = f"{{{NS}}}InsuranceApplication"
MESSAGE_TYPE = messages.INSURANCE_APPLICATION.message_type
XSD = messages.INSURANCE_APPLICATION.xsd
_b = Builder(NS)


def from_element(root: etree._Element) -> ApplicationForm:
    found = children(root[1])
    contact = children(found["Contact"])
    return ApplicationForm(
        application_no=text(found, "ApplicationNo"),
        offer_no=text(found, "OfferNo"),
        enterprise=read_enterprise(found["Enterprise"]),
        insurer=read_insurer(found["Insurer"]),
        product_code=text(found, "ProductCode"),
        product_name=text(found, "ProductName"),
        coverage_start=read_date(text(found, "CoverageStart")),
        coverage_end=read_date(text(found, "CoverageEnd")),
        contact=Contact(text(contact, "Name"), text(contact, "Mobile"), text(contact, "Email")),
        declaration_accepted=text(found, "DeclarationAccepted") == "true",
        submitted_by=text(found, "SubmittedBy"),
        card_type=text(found, "CardType"),
        submitted_at=read_datetime(text(found, "SubmittedAt")),
        sms_verified_at=read_datetime(text(found, "SmsVerifiedAt")),
        document=read_base64(optional_text(found, "Document")),
    )


def to_xml(form: ApplicationForm, envelope: Envelope) -> bytes:
    root, body = document_root(NS, "InsuranceApplication", envelope)
    _b.add(body, "ApplicationNo", form.application_no)
    _b.add(body, "OfferNo", form.offer_no)
    write_enterprise(_b.group(body, "Enterprise"), form.enterprise)
    write_insurer(_b, body, form.insurer)
    _b.add(body, "ProductCode", form.product_code)
    _b.add(body, "ProductName", form.product_name)
    _b.add(body, "CoverageStart", form.coverage_start.isoformat())
    _b.add(body, "CoverageEnd", form.coverage_end.isoformat())
    contact = _b.group(body, "Contact")
    _b.add(contact, "Name", form.contact.name)
    _b.add(contact, "Mobile", form.contact.mobile)
    _b.add(contact, "Email", form.contact.email)
    _b.add(body, "DeclarationAccepted", "true" if form.declaration_accepted else "false")
    _b.add(body, "SubmittedBy", form.submitted_by)
    _b.add(body, "CardType", form.card_type)
    _b.add(body, "SubmittedAt", write_datetime(form.submitted_at))
    _b.add(body, "SmsVerifiedAt", write_datetime(form.sms_verified_at))
    _b.add(body, "Document", write_base64(form.document) if form.document else None)
    return serialize(root)
