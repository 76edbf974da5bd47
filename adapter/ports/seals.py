"""The enterprise's electronic seals (A-1), read from the Single Window's user management.

A real deployment reads them from the seal service; the built-in fake makes, per
enterprise, a real key and an X.509 seal certificate (digital signature and
non-repudiation) under a demo CA, plus an expired seal and a non-company seal so the
rules on choosing a seal can be seen working.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from adapter.domain.agreement import Seal, SealUnknown


@dataclass(frozen=True, slots=True)
class SigningMaterial:
    private_key_der: bytes
    certificate_der: bytes
    chain_der: tuple[bytes, ...]


class SealRegistry(Protocol):
    def seals_of(self, uscc: str) -> list[Seal]: ...

    def material(self, uscc: str, seal_id: str) -> SigningMaterial: ...

    def trust_roots_der(self) -> list[bytes]: ...


def _name(common_name: str, org: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


class DemoSealRegistry:
    """Seals made on first use, kept for the life of the process."""

    def __init__(self, enterprise_names: dict[str, str] | None = None) -> None:
        self._names = enterprise_names or {}
        self._ca_key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        ca_name = _name("Single Window Demo Seal CA", "中国电子口岸数据中心（演示）")
        self._ca = (
            x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
            .public_key(self._ca_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(self._ca_key, hashes.SHA256())
        )
        self._seals: dict[str, list[tuple[Seal, SigningMaterial]]] = {}

    def seals_of(self, uscc: str) -> list[Seal]:
        return [info for info, _ in self._ensure(uscc)]

    def material(self, uscc: str, seal_id: str) -> SigningMaterial:
        for info, material in self._ensure(uscc):
            if info.seal_id == seal_id:
                return material
        raise SealUnknown(f"seal {seal_id} is not one of {uscc}'s", path="$.seal_id")

    def trust_roots_der(self) -> list[bytes]:
        return [_der(self._ca)]

    def _ensure(self, uscc: str) -> list[tuple[Seal, SigningMaterial]]:
        if uscc not in self._seals:
            today = date.today()
            name = self._names.get(uscc, f"企业 {uscc}")
            self._seals[uscc] = [
                self._make(uscc, name, f"{uscc}-01", "公司", today - timedelta(days=30),
                           today + timedelta(days=730)),
                self._make(uscc, name, f"{uscc}-02", "公司", today - timedelta(days=800),
                           today - timedelta(days=70)),
                self._make(uscc, name, f"{uscc}-03", "财务", today - timedelta(days=30),
                           today + timedelta(days=730)),
            ]
        return self._seals[uscc]

    def _make(self, uscc: str, name: str, seal_id: str, seal_type: str, valid_from: date,
              valid_until: date) -> tuple[Seal, SigningMaterial]:
        key = ec.generate_private_key(ec.SECP256R1())
        start = datetime.combine(valid_from, datetime.min.time(), UTC)
        end = datetime.combine(valid_until, datetime.max.time(), UTC).replace(microsecond=0)
        certificate = (
            x509.CertificateBuilder().subject_name(_name(f"{name}（{seal_type}章）", name))
            .issuer_name(self._ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(
                f"urn:uscc:{uscc}")]), critical=False)
            .sign(self._ca_key, hashes.SHA256())
        )
        info = Seal(seal_id, seal_type, valid_until, name=f"{name}{seal_type}章",
                    valid_from=valid_from, certificate=_der(certificate))
        material = SigningMaterial(
            key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()),
            _der(certificate), (_der(self._ca),))
        return info, material
