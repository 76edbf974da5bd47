"""Parsing XML that comes from outside, with every known trap closed.

DTDs and entities are refused (XXE, billion laughs), the network is off, the size is
checked before parsing, and libxml2's depth limit stays on (no ``huge_tree``). Every XML
the hub reads goes through :func:`hardened_parser`: partners' documents and replies, and
the hub's own schemas, fixtures and pact files alike.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from adapter.domain.errors import (
    DocumentRejected,
    DocumentTooDeep,
    DocumentTooLarge,
    ForbiddenXmlConstruct,
    MalformedDocument,
)

_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
MAX_ANSWER_BYTES = 1024 * 1024
"""A partner's answer is an acknowledgement of a few hundred bytes, or a fault around one."""


class _RefuseExternal(etree.Resolver):  # type: ignore[misc]
    """libxml2 still opens external DTD subsets and parameter entities: hand it nothing.

    With ``files_under`` it may read the files of that one directory (a schema and the
    schemas it imports), and nothing else.
    """

    def __init__(self, files_under: Path | None) -> None:
        super().__init__()
        self.files_under = files_under

    def resolve(self, url: str, pubid: str, context: object) -> object:
        local = _local_file(url, self.files_under)
        if local is not None:
            return self.resolve_filename(str(local), context)
        return self.resolve_string("", context)


def _local_file(url: str, directory: Path | None) -> Path | None:
    if directory is None or not url:
        return None
    if url.startswith("file://"):
        url = unquote(url.removeprefix("file://"))
    elif "://" in url:
        return None
    path = Path(url).resolve()
    return path if path.parent == directory.resolve() and path.is_file() else None


def hardened_parser(*, files_under: Path | None = None, remove_comments: bool = False,
                    remove_pis: bool = False, remove_blank_text: bool = False) -> etree.XMLParser:
    """The one way the hub builds an XML parser, so no reader forgets a trap.

    No DTD is loaded, no entity is expanded, the network is off and libxml2's depth limit
    stays on; only the whitespace, comment and processing-instruction options vary.
    ``files_under`` lets the parser read files of that directory (schema imports).
    """
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=remove_blank_text,
        remove_comments=remove_comments,
        remove_pis=remove_pis,
        collect_ids=False,
    )
    parser.resolvers.add(_RefuseExternal(files_under))
    return parser


_PARSER = hardened_parser()
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


def parse_answer(data: bytes) -> etree._Element:
    """A partner's reply is as untrusted as anything else it sends: the inbound rules apply."""
    return parse_untrusted(data, max_bytes=MAX_ANSWER_BYTES)


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
