"""PAdES signatures with pyHanko, from a seal's key and certificate held in memory."""

from __future__ import annotations

import io

from asn1crypto import keys, x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from adapter.ports.seals import SigningMaterial


def sign_pdf(pdf: bytes, material: SigningMaterial, *, reason: str, signer_name: str) -> bytes:
    signer = signers.SimpleSigner(
        signing_cert=x509.Certificate.load(material.certificate_der),
        signing_key=keys.PrivateKeyInfo.load(material.private_key_der),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [x509.Certificate.load(der) for der in material.chain_der]),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name="EnterpriseSeal", reason=reason, name=signer_name,
        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    output = signers.PdfSigner(metadata, signer=signer).sign_pdf(writer)
    return bytes(output.getvalue())
