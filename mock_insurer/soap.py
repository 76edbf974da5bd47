"""SOAP 1.1 / 1.2 envelopes, just enough for document/literal with one body element.

Hand-rolled on lxml instead of a SOAP server framework: the mock must control every
byte of its answers (faults with an Acknowledgement in the detail, broken replies on
demand), which frameworks make awkward.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from lxml import etree

from mock_insurer.xmlsafe import serialise


class FaultKind(Enum):
    """Which side is to blame; decides the fault code and, for SOAP 1.2, the HTTP status."""

    CLIENT = "client"
    SERVER = "server"
    VERSION_MISMATCH = "version_mismatch"
    MUST_UNDERSTAND = "must_understand"


@dataclass(frozen=True)
class SoapVersion:
    name: str
    envelope_ns: str
    media_type: str
    channel: str

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"

    def fault_code(self, kind: FaultKind) -> str:
        codes = {
            FaultKind.CLIENT: "Client" if self is SOAP11 else "Sender",
            FaultKind.SERVER: "Server" if self is SOAP11 else "Receiver",
            FaultKind.VERSION_MISMATCH: "VersionMismatch",
            FaultKind.MUST_UNDERSTAND: "MustUnderstand",
        }
        return codes[kind]

    def fault_status(self, kind: FaultKind) -> int:
        """SOAP 1.1 sends every fault with 500; SOAP 1.2 sends Sender faults with 400."""
        if self is SOAP12 and kind is FaultKind.CLIENT:
            return 400
        return 500


SOAP11 = SoapVersion("1.1", "http://schemas.xmlsoap.org/soap/envelope/", "text/xml", "soap1.1")
SOAP12 = SoapVersion(
    "1.2", "http://www.w3.org/2003/05/soap-envelope", "application/soap+xml", "soap1.2"
)
VERSIONS = (SOAP11, SOAP12)


class SoapRequestError(Exception):
    """The SOAP wrapping itself is wrong (not the business document inside it)."""

    def __init__(self, kind: FaultKind, code: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.code = code
        self.reason = reason


def parse_content_type(header: str) -> tuple[str, dict[str, str]]:
    """Split ``type/sub; a=b; c="d"`` into the lower-cased media type and parameters."""
    media, _, rest = header.partition(";")
    params: dict[str, str] = {}
    for item in rest.split(";"):
        key, sep, value = item.partition("=")
        if sep:
            params[key.strip().lower()] = value.strip().strip('"')
    return media.strip().lower(), params


def version_for(media_type: str) -> SoapVersion | None:
    return next((v for v in VERSIONS if v.media_type == media_type), None)


def body_payload(root: etree._Element, version: SoapVersion) -> etree._Element:
    """Return the single element inside ``Envelope/Body``, checking the SOAP rules on the way."""
    qname = etree.QName(root)
    if qname.localname != "Envelope" or qname.namespace != version.envelope_ns:
        if qname.localname == "Envelope" and qname.namespace in {v.envelope_ns for v in VERSIONS}:
            raise SoapRequestError(
                FaultKind.VERSION_MISMATCH,
                "E-SOAP-VERSION",
                f"envelope namespace {qname.namespace} does not match the SOAP {version.name} "
                "content type",
            )
        raise SoapRequestError(FaultKind.CLIENT, "E-SOAP-ENVELOPE", "root is not a SOAP Envelope")
    header = root.find(f"{{{version.envelope_ns}}}Header")
    if header is not None:
        for block in header:
            flag = block.get(f"{{{version.envelope_ns}}}mustUnderstand", "").strip()
            if flag in ("1", "true"):
                raise SoapRequestError(
                    FaultKind.MUST_UNDERSTAND,
                    "E-SOAP-MUST-UNDERSTAND",
                    f"header {block.tag} is not understood",
                )
    body = root.find(f"{{{version.envelope_ns}}}Body")
    if body is None:
        raise SoapRequestError(FaultKind.CLIENT, "E-SOAP-ENVELOPE", "SOAP Body is missing")
    children = [child for child in body if isinstance(child.tag, str)]
    if len(children) != 1:
        raise SoapRequestError(
            FaultKind.CLIENT,
            "E-SOAP-ENVELOPE",
            f"SOAP Body must hold exactly one element, found {len(children)}",
        )
    return children[0]


def envelope(version: SoapVersion, payload: etree._Element) -> bytes:
    root = etree.Element(f"{{{version.envelope_ns}}}Envelope", nsmap={"soap": version.envelope_ns})
    etree.SubElement(root, f"{{{version.envelope_ns}}}Body").append(payload)
    return serialise(root)


def fault(
    version: SoapVersion, kind: FaultKind, reason: str, detail: etree._Element | None = None
) -> bytes:
    """A SOAP Fault; ``detail`` (an Acknowledgement) goes into detail / env:Detail."""
    ns = version.envelope_ns
    root = etree.Element(f"{{{ns}}}Envelope", nsmap={"soap": ns})
    body = etree.SubElement(root, f"{{{ns}}}Body")
    node = etree.SubElement(body, f"{{{ns}}}Fault")
    code = f"soap:{version.fault_code(kind)}"
    if version is SOAP11:
        etree.SubElement(node, "faultcode").text = code
        etree.SubElement(node, "faultstring").text = reason
        if detail is not None:
            etree.SubElement(node, "detail").append(detail)
    else:
        value = etree.SubElement(etree.SubElement(node, f"{{{ns}}}Code"), f"{{{ns}}}Value")
        value.text = code
        text = etree.SubElement(etree.SubElement(node, f"{{{ns}}}Reason"), f"{{{ns}}}Text")
        text.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        text.text = reason
        if detail is not None:
            etree.SubElement(node, f"{{{ns}}}Detail").append(detail)
    return serialise(root)
