"""X-OUT-7 索赔申请 (xsd/claim_application.xsd) to and from :class:`ClaimDocument`.

The document describes the shipment report and each attachment (name, media type, size,
SHA-256, where to fetch it) instead of carrying their bytes: forty megabytes of
attachments would not fit ``limits.max_document_bytes``, and the insurer checks each
file it fetches against the digest signed into this document.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from adapter.domain import messages
from adapter.domain.agreement import Enterprise
from adapter.domain.claim import (
    AttachmentRef,
    Bank,
    Buyer,
    CaseQuestions,
    Claim,
    ClaimDocument,
    ClaimStatus,
    Explanation,
    PolicyRef,
    ReportStamp,
    ShipmentLine,
)
from adapter.domain.exchange import Envelope
from adapter.mappings.elements import (
    Builder,
    children,
    local_name,
    optional_text,
    read_date,
    read_datetime,
    text,
    write_datetime,
    write_decimal,
)
from adapter.mappings.enterprise import read_enterprise, write_enterprise
from adapter.mappings.envelope import document_root, serialize

NS = "urn:swcredit:claim-application:1"
ROOT = f"{{{NS}}}ClaimApplication"
MESSAGE_TYPE = messages.CLAIM_APPLICATION.message_type
XSD = messages.CLAIM_APPLICATION.xsd
USD = "USD"
_b = Builder(NS)


def _items(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str) and local_name(child.tag) == name]


def _bool(value: str) -> bool:
    return value in ("true", "1")


def _read_bank(element: etree._Element | None) -> Bank | None:
    if element is None:
        return None
    found = children(element)
    return Bank(text(found, "Swift"), text(found, "NameEn"), text(found, "Country"),
                text(found, "AddressEn"))


def _read_case(element: etree._Element) -> CaseQuestions:
    found = children(element)
    financing = children(found["Financing"]) if "Financing" in found else None
    return CaseQuestions(
        _bool(text(found, "TradeFinancing")), _bool(text(found, "TradeDispute")),
        _bool(text(found, "BuyerAcknowledgedDebt")), _bool(text(found, "LegalActionTaken")),
        text(financing, "BankSwift") if financing else None,
        text(financing, "BankName") if financing else None,
        Decimal(text(financing, "Amount")) if financing else None)


def _read_line(element: etree._Element) -> ShipmentLine:
    found = children(element)
    return ShipmentLine(
        text(found, "ShipmentSerial"), text(found, "InvoiceNo"), text(found, "HsCode"),
        read_date(text(found, "ShipmentDate")), text(found, "PaymentMethod"),
        int(text(found, "PaymentTermDays")), Decimal(text(found, "InvoiceAmount")),
        Decimal(text(found, "ClaimAmount")), text(found, "CollectionStatus"),
        text(found, "TransportMode"), text(found, "DeclarationNo"),
        optional_text(found, "OriginCertificateNo"))


def _read_file(element: etree._Element) -> tuple[AttachmentRef, str]:
    found = children(element)
    return (AttachmentRef(element.get("id", ""), text(found, "Name"), text(found, "MediaType"),
                          int(text(found, "Size")), text(found, "Sha256")), text(found, "Url"))


def from_element(root: etree._Element) -> ClaimDocument:
    found = children(root[1])
    enterprise = read_enterprise(found["Enterprise"])
    policy, buyer = children(found["Policy"]), children(found["Buyer"])
    explanation, report = children(found["Explanation"]), children(found["ShipmentReport"])
    submission = int(text(found, "Submission"))
    claim_no = text(found, "ClaimNo")
    files = [_read_file(item) for item in _items(found["Attachments"], "Attachment")]
    claim = Claim(
        claim_no, enterprise.uscc, enterprise.name,
        PolicyRef(text(policy, "OfferNo"), text(policy, "PolicyNo"),
                  read_date(text(policy, "PeriodStart")), read_date(text(policy, "PeriodEnd")),
                  text(policy, "InsurerName"), text(policy, "InsurerCode")),
        ClaimStatus.SUBMITTED, read_datetime(text(found, "CreatedAt")),
        read_datetime(text(found, "SubmittedAt")), text(found, "CreatedBy"),
        buyer=Buyer(text(buyer, "Code"), text(buyer, "NameEn"), text(buyer, "Country")),
        issuing_bank=_read_bank(found.get("IssuingBank")),
        confirming_bank=_read_bank(found.get("ConfirmingBank")),
        case=_read_case(found["Case"]),
        explanation=Explanation(text(explanation, "LossCause"), text(explanation, "Reason"),
                                text(explanation, "CaseDescription"),
                                text(explanation, "Mitigation")),
        lines=[_read_line(item) for item in _items(found["Shipments"], "Shipment")],
        report=ReportStamp(text(report, "LinesDigest"), read_datetime(text(report, "GeneratedAt")),
                           text(report, "Sha256")),
        submissions=submission, business_serial=text(children(root[0]), "BusinessSerial"),
        submitted_at=read_datetime(text(found, "SubmittedAt")),
        submitted_by=text(found, "SubmittedBy"))
    return ClaimDocument(claim, enterprise.org_code, text(report, "Sha256"), text(report, "Url"),
                         tuple(ref for ref, _ in files), tuple(url for _, url in files),
                         _bool(text(found, "DeclarationAccepted")))


def _write_bank(body: etree._Element, name: str, bank: Bank | None) -> None:
    if bank is None:
        return
    group = _b.group(body, name)
    for element, value in (("Swift", bank.swift), ("NameEn", bank.name_en),
                           ("Country", bank.country), ("AddressEn", bank.address_en)):
        _b.add(group, element, value)


def _amount(parent: etree._Element, name: str, value: Decimal) -> None:
    element = _b.add(parent, name, write_decimal(value))
    assert element is not None
    element.set("currency", USD)


def _write_case(body: etree._Element, case: CaseQuestions) -> None:
    group = _b.group(body, "Case")
    for element, value in (("TradeFinancing", case.trade_financing),
                           ("TradeDispute", case.trade_dispute),
                           ("BuyerAcknowledgedDebt", case.buyer_acknowledged_debt),
                           ("LegalActionTaken", case.legal_action_taken)):
        _b.add(group, element, "true" if value else "false")
    if case.trade_financing and case.financing_amount is not None:
        financing = _b.group(group, "Financing")
        _b.add(financing, "BankSwift", case.financing_bank_swift)
        _b.add(financing, "BankName", case.financing_bank_name)
        _amount(financing, "Amount", case.financing_amount)


def _write_line(parent: etree._Element, line: ShipmentLine) -> None:
    group = _b.group(parent, "Shipment")
    _b.add(group, "ShipmentSerial", line.line_id)
    _b.add(group, "InvoiceNo", line.invoice_no)
    _b.add(group, "HsCode", line.hs_code)
    _b.add(group, "ShipmentDate", line.shipment_date.isoformat())
    _b.add(group, "PaymentMethod", line.payment_method)
    _b.add(group, "PaymentTermDays", str(line.payment_term_days))
    _amount(group, "InvoiceAmount", line.invoice_amount)
    _amount(group, "ClaimAmount", line.claim_amount)
    _b.add(group, "CollectionStatus", line.collection_status)
    _b.add(group, "TransportMode", line.transport_mode)
    _b.add(group, "DeclarationNo", line.declaration_no)
    _b.add(group, "OriginCertificateNo", line.origin_certificate_no)


def _write_file(parent: etree._Element, ref: AttachmentRef, url: str) -> None:
    group = _b.group(parent, "Attachment")
    group.set("id", ref.attachment_id)
    _b.add(group, "Name", ref.name)
    _b.add(group, "MediaType", ref.media_type)
    _b.add(group, "Size", str(ref.size))
    _b.add(group, "Sha256", ref.sha256)
    _b.add(group, "Url", url)


def to_xml(document: ClaimDocument, envelope: Envelope) -> bytes:
    claim = document.claim
    assert claim.buyer and claim.case and claim.explanation and claim.report
    assert claim.submitted_at and claim.submitted_by
    root, body = document_root(NS, "ClaimApplication", envelope)
    _b.add(body, "ClaimNo", claim.claim_no)
    _b.add(body, "Submission", str(claim.submissions))
    write_enterprise(_b.group(body, "Enterprise"),
                     Enterprise(claim.enterprise_name, claim.uscc, document.enterprise_org_code))
    policy = _b.group(body, "Policy")
    for element, value in (("OfferNo", claim.policy.offer_no), ("PolicyNo", claim.policy.policy_no),
                           ("PeriodStart", claim.policy.period_start.isoformat()),
                           ("PeriodEnd", claim.policy.period_end.isoformat()),
                           ("InsurerName", claim.policy.insurer_name),
                           ("InsurerCode", claim.policy.insurer_code)):
        _b.add(policy, element, value)
    buyer = _b.group(body, "Buyer")
    for element, value in (("Code", claim.buyer.code), ("NameEn", claim.buyer.name_en),
                           ("Country", claim.buyer.country)):
        _b.add(buyer, element, value)
    _write_bank(body, "IssuingBank", claim.issuing_bank)
    _write_bank(body, "ConfirmingBank", claim.confirming_bank)
    _write_case(body, claim.case)
    shipments = _b.group(body, "Shipments")
    for line in claim.lines:
        _write_line(shipments, line)
    explanation = _b.group(body, "Explanation")
    for element, value in (("LossCause", claim.explanation.loss_cause),
                           ("Reason", claim.explanation.reason),
                           ("CaseDescription", claim.explanation.case_description),
                           ("Mitigation", claim.explanation.mitigation)):
        _b.add(explanation, element, value)
    report = _b.group(body, "ShipmentReport")
    _b.add(report, "Sha256", document.report_sha256)
    _b.add(report, "LinesDigest", claim.report.digest)
    _b.add(report, "GeneratedAt", write_datetime(claim.report.generated_at))
    _b.add(report, "Url", document.report_url)
    attachments = _b.group(body, "Attachments")
    for ref, url in zip(document.attachments, document.attachment_urls, strict=True):
        _write_file(attachments, ref, url)
    _b.add(body, "DeclarationAccepted", "true" if document.declaration_accepted else "false")
    _b.add(body, "CreatedAt", write_datetime(claim.created_at))
    _b.add(body, "CreatedBy", claim.created_by)
    _b.add(body, "SubmittedBy", claim.submitted_by)
    _b.add(body, "SubmittedAt", write_datetime(claim.submitted_at))
    return serialize(root)
