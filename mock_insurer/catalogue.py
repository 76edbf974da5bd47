"""The document types the insurer exchanges with the hub, and their schemas.

Everything that varies per message type lives in the two tables below, so supporting
a new document is one row here (plus, for documents the insurer pushes, a body
builder in ``documents.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

COMMON_NS = "urn:swcredit:common:1"
ACK_NS = "urn:swcredit:acknowledgement:1"
INSURER_PARTY = "SINOSURE"
HUB_PARTY = "SWCREDIT"
SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class DocumentType:
    """One message type: where it is posted, its root element and its schema."""

    slug: str
    """Last segment of the REST URL."""
    root: str
    """Clark-notation QName of the root element, e.g. ``{urn:...}SignedAgreement``."""
    message_type: str
    """Value of Envelope/MessageType."""
    xsd: str
    """File name in ``xsd/``."""
    soap_operation: str
    soap_action: str

    @property
    def namespace(self) -> str:
        return etree.QName(self.root).namespace or ""

    @property
    def local_name(self) -> str:
        name: str = etree.QName(self.root).localname
        return name


RECEIVED_TYPES: tuple[DocumentType, ...] = (
    DocumentType(
        slug="signed-agreement",
        root="{urn:swcredit:signed-agreement:1}SignedAgreement",
        message_type="SIGNED_AGREEMENT",
        xsd="signed_agreement.xsd",
        soap_operation="SubmitSignedAgreement",
        soap_action="urn:swcredit:insurer:SubmitSignedAgreement",
    ),
    DocumentType(
        slug="termination-request",
        root="{urn:swcredit:termination-request:1}TerminationRequest",
        message_type="TERMINATION_REQUEST",
        xsd="termination_request.xsd",
        soap_operation="SubmitTerminationRequest",
        soap_action="urn:swcredit:insurer:SubmitTerminationRequest",
    ),
    DocumentType(
        slug="data-authorization",
        root="{urn:swcredit:data-authorization:1}DataAuthorization",
        message_type="DATA_AUTHORIZATION",
        xsd="data_authorization.xsd",
        soap_operation="SubmitDataAuthorization",
        soap_action="urn:swcredit:insurer:SubmitDataAuthorization",
    ),
    DocumentType(
        slug="insurance-application",
        root="{urn:swcredit:insurance-application:1}InsuranceApplication",
        message_type="INSURANCE_APPLICATION",
        xsd="insurance_application.xsd",
        soap_operation="SubmitInsuranceApplication",
        soap_action="urn:swcredit:insurer:SubmitInsuranceApplication",
    ),
    DocumentType(
        slug="receipt-acknowledgement",
        root="{urn:swcredit:receipt-acknowledgement:1}ReceiptAcknowledgement",
        message_type="RECEIPT_ACKNOWLEDGEMENT",
        xsd="receipt_acknowledgement.xsd",
        soap_operation="SubmitReceiptAcknowledgement",
        soap_action="urn:swcredit:insurer:SubmitReceiptAcknowledgement",
    ),
    DocumentType(
        slug="insurance-inquiry",
        root="{urn:swcredit:insurance-inquiry:1}InsuranceInquiry",
        message_type="INSURANCE_INQUIRY",
        xsd="insurance_inquiry.xsd",
        soap_operation="SubmitInsuranceInquiry",
        soap_action="urn:swcredit:insurer:SubmitInsuranceInquiry",
    ),
    DocumentType(
        slug="claim-application",
        root="{urn:swcredit:claim-application:1}ClaimApplication",
        message_type="CLAIM_APPLICATION",
        xsd="claim_application.xsd",
        soap_operation="SubmitClaimApplication",
        soap_action="urn:swcredit:insurer:SubmitClaimApplication",
    ),
    DocumentType(
        slug="buyer-registration",
        root="{urn:swcredit:buyer-registration:1}BuyerRegistration",
        message_type="BUYER_REGISTRATION",
        xsd="buyer_registration.xsd",
        soap_operation="SubmitBuyerRegistration",
        soap_action="urn:swcredit:insurer:SubmitBuyerRegistration",
    ),
)
"""Documents the hub sends to the insurer (served by this mock)."""

ANSWERED_TYPES: tuple[DocumentType, ...] = (
    DocumentType(
        slug="buyer-lookup",
        root="{urn:swcredit:buyer-lookup:1}BuyerLookup",
        message_type="BUYER_LOOKUP",
        xsd="buyer_lookup.xsd",
        soap_operation="LookupBuyers",
        soap_action="urn:swcredit:insurer:LookupBuyers",
    ),
)
"""Questions the hub asks, answered in the same exchange with a reply document instead of
an acknowledgement (nothing is stored): see ``buyers.py``."""

PUSHED_TYPES: tuple[DocumentType, ...] = (
    DocumentType(
        slug="agreement-stamp",
        root="{urn:swcredit:agreement-stamp:1}AgreementStamp",
        message_type="AGREEMENT_STAMP",
        xsd="agreement_stamp.xsd",
        soap_operation="ReceiveAgreementStamp",
        soap_action="urn:swcredit:hub:ReceiveAgreementStamp",
    ),
    DocumentType(
        slug="termination-result",
        root="{urn:swcredit:termination-result:1}TerminationResult",
        message_type="TERMINATION_RESULT",
        xsd="termination_result.xsd",
        soap_operation="ReceiveTerminationResult",
        soap_action="urn:swcredit:hub:ReceiveTerminationResult",
    ),
    DocumentType(
        slug="pending-policy",
        root="{urn:swcredit:pending-policy:1}PendingPolicy",
        message_type="PENDING_POLICY",
        xsd="pending_policy.xsd",
        soap_operation="ReceivePendingPolicy",
        soap_action="urn:swcredit:hub:ReceivePendingPolicy",
    ),
    DocumentType(
        slug="application-receipt",
        root="{urn:swcredit:application-receipt:1}ApplicationReceipt",
        message_type="APPLICATION_RECEIPT",
        xsd="application_receipt.xsd",
        soap_operation="ReceiveApplicationReceipt",
        soap_action="urn:swcredit:hub:ReceiveApplicationReceipt",
    ),
    DocumentType(
        slug="inquiry-reply",
        root="{urn:swcredit:inquiry-reply:1}InquiryReply",
        message_type="INQUIRY_REPLY",
        xsd="inquiry_reply.xsd",
        soap_operation="ReceiveInquiryReply",
        soap_action="urn:swcredit:hub:ReceiveInquiryReply",
    ),
    DocumentType(
        slug="claim-review",
        root="{urn:swcredit:claim-review:1}ClaimReview",
        message_type="CLAIM_REVIEW",
        xsd="claim_review.xsd",
        soap_operation="ReceiveClaimReview",
        soap_action="urn:swcredit:hub:ReceiveClaimReview",
    ),
    DocumentType(
        slug="risk-article",
        root="{urn:swcredit:risk-article:1}RiskArticle",
        message_type="RISK_ARTICLE",
        xsd="risk_article.xsd",
        soap_operation="ReceiveRiskArticle",
        soap_action="urn:swcredit:hub:ReceiveRiskArticle",
    ),
)
"""Documents the insurer pushes to the hub (built and sent by this mock)."""


def by_slug(types: tuple[DocumentType, ...], slug: str) -> DocumentType | None:
    return next((t for t in types if t.slug == slug), None)


def by_root(types: tuple[DocumentType, ...], root: str) -> DocumentType | None:
    return next((t for t in types if t.root == root), None)


@dataclass(frozen=True)
class SchemaError:
    """One schema violation, with a path a person can read (local names from the root)."""

    path: str
    reason: str


class SchemaSet:
    """Compiled schemas from our own ``xsd/`` directory, loaded once per file.

    Only local files are read: the parser has network access off, so an import that
    pointed elsewhere would fail loudly rather than fetch anything.
    """

    def __init__(self, xsd_dir: Path) -> None:
        self._dir = xsd_dir
        self._compiled: dict[str, etree.XMLSchema] = {}

    def schema(self, xsd_name: str) -> etree.XMLSchema:
        compiled = self._compiled.get(xsd_name)
        if compiled is None:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            compiled = etree.XMLSchema(etree.parse(str(self._dir / xsd_name), parser))
            self._compiled[xsd_name] = compiled
        return compiled

    def validate(self, root: etree._Element, xsd_name: str) -> list[SchemaError]:
        """Validate ``root`` as a whole document; an empty list means valid."""
        schema = self.schema(xsd_name)
        if schema.validate(root):
            return []
        return [
            SchemaError(path=_readable_path(root, entry.path), reason=entry.message)
            for entry in schema.error_log
        ]


def _readable_path(root: etree._Element, xpath: str | None) -> str:
    """Turn libxml2's node path (``/*/*[2]/*`` for default namespaces) into local names.

    libxml2 writes ``*`` for elements without a prefix, which says nothing to the hub's
    operator; resolving the path on the document gives the element, and its ancestors'
    local names give ``/SignedAgreement/Body/Enterprise/Uscc``.
    """
    if not xpath:
        return ""
    namespaces: dict[str, str] = {}
    for node in root.iter():
        for prefix, uri in node.nsmap.items():
            if prefix:
                namespaces.setdefault(prefix, uri)
    try:
        found = root.getroottree().xpath(xpath, namespaces=namespaces)
    except etree.XPathError:
        return xpath
    if not isinstance(found, list) or len(found) != 1 or not isinstance(found[0], etree._Element):
        return xpath
    element: etree._Element | None = found[0]
    names: list[str] = []
    while element is not None:
        names.append(etree.QName(element).localname)
        element = element.getparent()
    return "/" + "/".join(reversed(names))
