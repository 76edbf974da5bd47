"""The XSDs in ``xsd/`` compiled once, and validation that names the failing field."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from lxml import etree

from adapter.config import REPO_ROOT
from adapter.errors import SchemaViolation

XSD_DIR = REPO_ROOT / "xsd"
_QNAME = re.compile(r"\{[^}]*\}")
_SCHEMA_PARSER = etree.XMLParser(no_network=True, resolve_entities=False)


@cache
def compiled(xsd_name: str) -> etree.XMLSchema:
    """Compile one of our own schemas; imports resolve only to files beside it."""
    path = (XSD_DIR / xsd_name).resolve()
    if path.parent != XSD_DIR.resolve():
        raise ValueError(f"schema outside xsd/: {xsd_name}")
    return etree.XMLSchema(etree.parse(str(path), _SCHEMA_PARSER))


def validate(root: etree._Element, xsd_name: str) -> None:
    """Raise :class:`SchemaViolation` naming the first failing element and the rule it broke."""
    schema = compiled(xsd_name)
    if schema.validate(root):
        return
    error = schema.error_log[0]
    raise SchemaViolation(_readable(error.message), path=_element_path(root, error.path))


def _readable(message: str) -> str:
    return _QNAME.sub("", message)


def _element_path(root: etree._Element, xpath: str | None) -> str | None:
    """libxml2 reports ``/*/*[2]/*[2]``; partners read ``/AgreementStamp/Body/Uscc``.

    The document may sit inside a SOAP body, so the path is resolved from ``root``.
    """
    if not xpath or not xpath.startswith("/*"):
        return xpath
    try:
        found = root.xpath("." + xpath[2:])
    except etree.XPathError:
        return xpath
    if not found or not isinstance(found[0], etree._Element):
        return xpath
    names = [etree.QName(found[0]).localname]
    for ancestor in found[0].iterancestors():
        if ancestor is root:
            break
        names.append(etree.QName(ancestor).localname)
    if found[0] is not root:
        names.append(etree.QName(root).localname)
    return "/" + "/".join(reversed(names))


def schema_files() -> list[Path]:
    return sorted(XSD_DIR.glob("*.xsd"))
