"""Parsing XML that comes from outside, with every known trap closed.

DTDs and entities are refused (XXE, billion laughs), the network is off, the size is
checked before parsing, and libxml2's depth limit stays on (no ``huge_tree``).
"""

from __future__ import annotations

from lxml import etree

from adapter.errors import (
    DocumentRejected,
    DocumentTooDeep,
    DocumentTooLarge,
    ForbiddenXmlConstruct,
    MalformedDocument,
)

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
    collect_ids=False,
)
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")


class _RefuseExternal(etree.Resolver):  # type: ignore[misc]
    """libxml2 still opens external DTD subsets and parameter entities: hand it nothing."""

    def resolve(self, url: str, pubid: str, context: object) -> object:
        return self.resolve_string("", context)


_PARSER.resolvers.add(_RefuseExternal())
_DTD_ERRORS = frozenset({etree.ErrorTypes.ERR_ENTITY_LOOP, etree.ErrorTypes.ERR_ENTITY_IS_EXTERNAL,
                         etree.ErrorTypes.ERR_ENTITY_IS_PARAMETER})


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise DocumentTooLarge(f"document of {size} bytes exceeds the limit of {limit} bytes")


def parse_untrusted(data: bytes, *, max_bytes: int) -> etree._Element:
    """Parse a partner's bytes into an element, or raise a coded rejection."""
    check_size(len(data), max_bytes)
    if any(marker in data for marker in _DTD_MARKERS):
        raise ForbiddenXmlConstruct("document declares a DTD or an entity")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None
    if root is None:
        raise MalformedDocument("empty document")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise ForbiddenXmlConstruct("document declares a DTD")
    return root


def parse_trusted(data: bytes) -> etree._Element:
    """Parse bytes the hub produced itself (outbox payloads, fixtures) with the same parser."""
    return etree.fromstring(data, _PARSER)


def _syntax_error(exc: etree.XMLSyntaxError) -> DocumentRejected:
    message = str(exc)
    if "depth" in message.lower():
        return DocumentTooDeep(message)
    if exc.code in _DTD_ERRORS or "amplification" in message.lower():
        return ForbiddenXmlConstruct(message)
    return MalformedDocument(message)
