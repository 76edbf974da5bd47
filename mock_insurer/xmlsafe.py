"""Parsing XML that comes from the other party.

A DOCTYPE has no business in these documents, so any is refused outright (that
closes XXE and entity-expansion attacks without relying on parser flags alone);
libxml2's default limits (no ``huge_tree``) bound depth and text size.
"""

from __future__ import annotations

from lxml import etree


class XmlRejected(ValueError):
    """The bytes are not a document we are willing to look at; ``code`` is stable."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse_untrusted(data: bytes, *, max_bytes: int) -> etree._Element:
    """Parse one XML document from outside, or raise :class:`XmlRejected`."""
    if len(data) > max_bytes:
        raise XmlRejected("E-XML-TOO-LARGE", f"document larger than {max_bytes} bytes")
    if not data.strip():
        raise XmlRejected("E-XML-MALFORMED", "empty body")
    # Cheap early refusal for the common encodings; the docinfo check below catches
    # a DOCTYPE hidden behind another encoding (entities are never resolved anyway).
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XmlRejected("E-XML-FORBIDDEN", "DOCTYPE and entity declarations are not allowed")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise XmlRejected("E-XML-MALFORMED", f"not well-formed XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise XmlRejected("E-XML-FORBIDDEN", "DOCTYPE and entity declarations are not allowed")
    return root


def serialise(element: etree._Element, *, declaration: bool = True) -> bytes:
    """UTF-8 bytes of ``element``, with an XML declaration unless asked otherwise."""
    data: bytes = etree.tostring(element, xml_declaration=declaration, encoding="UTF-8")
    return data
