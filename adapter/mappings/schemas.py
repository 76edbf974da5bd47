"""The XSDs in ``xsd/`` compiled once, and validation that names the failing field."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from lxml import etree

from adapter.config import REPO_ROOT
from adapter.domain.errors import SchemaViolation
from adapter.mappings.xml_safety import hardened_parser

XSD_DIR = REPO_ROOT / "xsd"
# Clark-notation namespaces only ({urn:...}Name); regex quantifiers {2} and enumeration sets stay.
_QNAME = re.compile(r"\{[A-Za-z][A-Za-z0-9+.\-]*:[^{}\s']*\}")
_EXPECTED_ONE = re.compile(r"Expected is \( (?:\{[^}]*\})?([A-Za-z_][\w.\-]*) \)")
_SCHEMA_PARSER = hardened_parser(files_under=XSD_DIR)


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
    path = _element_path(root, error.path)
    raise SchemaViolation(_readable(error.message),
                          path=_missing_element_path(error.message, path, xsd_name))


@cache
def _declared_names(xsd_name: str) -> frozenset[str]:
    """Element names the document's own schema (and the common one it imports) declares:
    a name only another document type uses is an unknown element here."""
    xs = "{http://www.w3.org/2001/XMLSchema}element"
    files = [f for f in schema_files() if f.name in (xsd_name, "common.xsd")]
    return frozenset(e.get("name") for f in files
                     for e in etree.parse(str(f), _SCHEMA_PARSER).iter(xs) if e.get("name"))


def _missing_element_path(message: str, path: str | None, xsd_name: str) -> str | None:
    """libxml2 reports a missing element at the next sibling (or the parent): name the missing one."""
    expected = _EXPECTED_ONE.search(message)
    if not path or not path.startswith("/") or expected is None:
        return path
    if "Missing child element(s)" in message:
        return f"{path}/{expected.group(1)}"
    if "This element is not expected" in message and path.rpartition("/")[2] in _declared_names(xsd_name):
        return f"{path.rpartition('/')[0]}/{expected.group(1)}"
    return path


def _readable(message: str) -> str:
    return _QNAME.sub("", message)


def _element_path(root: etree._Element, xpath: str | None) -> str | None:
    """libxml2 reports ``/*/*[2]/*[2]``; partners read ``/AgreementStamp/Body/Uscc``.

    The document may sit inside a SOAP body, so the path is resolved from ``root``.
    """
    if not xpath or not xpath.startswith("/"):
        return xpath
    steps = xpath.split("/")[2:]  # drop the root step, whatever its prefix
    namespaces = {prefix: uri for element in root.iter() if isinstance(element.tag, str)
                  for prefix, uri in element.nsmap.items() if prefix}
    try:
        found = root.xpath("./" + "/".join(steps), namespaces=namespaces) if steps else [root]
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
