"""X-OUT-1 服务协议签署 (xsd/signed_agreement.xsd) to and from :class:`SignedAgreement`."""

from __future__ import annotations

from lxml import etree

from adapter.domain import messages
from adapter.domain.agreement import Seal, SignedAgreement
from adapter.domain.exchange import Envelope
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

NS = "urn:swcredit:signed-agreement:1"
ROOT = f"{{{NS}}}SignedAgreement"
MESSAGE_TYPE = messages.SIGNED_AGREEMENT.message_type
XSD = messages.SIGNED_AGREEMENT.xsd
_b = Builder(NS)


def from_element(root: etree._Element) -> SignedAgreement:
    found = children(root[1])
    seal = children(found["Seal"])
    return SignedAgreement(
        agreement_no=text(found, "AgreementNo"),
        agreement_version=text(found, "AgreementVersion"),
        enterprise=read_enterprise(found["Enterprise"]),
        signer_name=text(found, "SignerName"),
        signed_at=read_datetime(text(found, "SignedAt")),
        seal=Seal(
            seal_id=text(seal, "SealId"),
            seal_type=text(seal, "SealType"),
            valid_until=read_date(text(seal, "ValidUntil")),
            certificate=read_base64(optional_text(seal, "Certificate")),
        ),
        document=read_base64(optional_text(found, "Document")),
    )


def to_xml(agreement: SignedAgreement, envelope: Envelope) -> bytes:
    root, body = document_root(NS, "SignedAgreement", envelope)
    _b.add(body, "AgreementNo", agreement.agreement_no)
    _b.add(body, "AgreementVersion", agreement.agreement_version)
    write_enterprise(_b.group(body, "Enterprise"), agreement.enterprise)
    _b.add(body, "SignerName", agreement.signer_name)
    _b.add(body, "SignedAt", write_datetime(agreement.signed_at))
    seal = _b.group(body, "Seal")
    _b.add(seal, "SealId", agreement.seal.seal_id)
    _b.add(seal, "SealType", agreement.seal.seal_type)
    _b.add(seal, "ValidUntil", agreement.seal.valid_until.isoformat())
    certificate = agreement.seal.certificate
    _b.add(seal, "Certificate", write_base64(certificate) if certificate else None)
    _b.add(body, "Document", write_base64(agreement.document) if agreement.document else None)
    return serialize(root)
