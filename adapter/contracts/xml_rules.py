"""A document as a Pact XML body: the example text plus matching rules taken from its XSD.

Pact matches XML bodies element by element and namespace-aware: the path of a value is
written with namespace-qualified names (``$['urn:swcredit:common:1:MessageId']['#text']``),
so a partner may use any prefixes it likes. pact-python's ``pact.xml`` builder writes
rule paths with prefixes instead (``$.SignedAgreement.Envelope['c:MessageId']``), which
never apply to a namespaced document; hence this module.

Every leaf value gets the matcher its schema type implies: an XSD pattern becomes an
anchored regex, an enumeration the regex of its values, ``xs:dateTime`` / ``xs:date`` /
``xs:base64Binary`` / numbers their lexical forms, a length-limited string a length
regex, any other string a type match. Repeated elements get a ``type`` rule with the
schema's bounds. Names listed as ``exact`` (the contract's constants: message type,
sender, receiver, a status) keep equality; ``overrides`` replace the derived matchers
(``SchemaVersion`` is pinned to the namespace's major version: ``^1\\.[0-9]+$``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from lxml import etree

from adapter.contracts.schema_model import ElementFacts, SchemaFacts, SimpleFacts
from adapter.mappings.xml_safety import hardened_parser

Matcher = dict[str, Any]

_LEXICAL = {
    "dateTime": r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$",
    "date": r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?$",
    "time": r"^[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$",
    "base64Binary": r"^[A-Za-z0-9+/=\s]*$",
    "hexBinary": r"^([0-9A-Fa-f]{2})*$",
    "boolean": r"^(true|false|1|0)$",
    "decimal": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$",
    "integer": r"^[+-]?[0-9]+$",
}
_PARSER = hardened_parser(remove_comments=True, remove_pis=True, remove_blank_text=True)


def major_version(namespace: str) -> str | None:
    """``urn:swcredit:signed-agreement:1`` → ``1``: the namespace carries the major version."""
    last = namespace.rstrip("/").rpartition(":")[2]
    return last if last.isdigit() else None


def schema_version_matcher(namespace: str) -> list[Matcher]:
    """Any minor of the namespace's major version: compatible changes may not break a pact."""
    major = major_version(namespace) or "[0-9]+"
    return [{"match": "regex", "regex": rf"^{major}\.[0-9]+$"}]


def canonical(document: bytes | str | etree._Element) -> etree._Element:
    """A copy without comments, processing instructions or whitespace-only text."""
    if isinstance(document, etree._Element):
        document = etree.tostring(document)
    if isinstance(document, str):
        document = document.encode("utf-8")
    return etree.fromstring(document, _PARSER)


def compact(document: bytes | str | etree._Element) -> str:
    """The canonical document as one line of text, as it is stored in a pact file."""
    text: str = etree.tostring(canonical(document), encoding="unicode")
    return text


def pact_path(element: etree._Element, *, attribute: str | None = None, text: bool = False) -> str:
    steps = [element, *element.iterancestors()]
    parts = []
    for step in reversed(steps):
        qname = etree.QName(step)
        parts.append(f"['{qname.namespace}:{qname.localname}']" if qname.namespace
                     else f"['{qname.localname}']")
    if attribute is not None:
        parts.append(f"['@{attribute}']")
    elif text:
        parts.append("['#text']")
    return "$" + "".join(parts)


def local_path(element: etree._Element) -> str:
    names = [etree.QName(e).localname for e in (element, *element.iterancestors())]
    return "/" + "/".join(reversed(names))


def xsd_regex(pattern: str) -> str | None:
    """An XSD pattern as an anchored regex Pact can run; None if it uses XSD-only syntax.

    XSD patterns are implicitly anchored and treat ``^`` and ``$`` as ordinary characters;
    ``\\i`` / ``\\c`` and character-class subtraction have no equivalent and are left out.
    """
    if re.search(r"\\[iIcC]|-\[", pattern):
        return None
    out, in_class, i = [], False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char in "^$" and not in_class:
            char = "\\" + char
        out.append(char)
        i += 1
    return f"^(?:{''.join(out)})$"


def value_matchers(simple: SimpleFacts) -> list[Matcher]:
    """The matchers a value of this simple type must satisfy, all of them (AND)."""
    if simple.enumeration is not None:
        return [{"match": "regex",
                 "regex": "^(?:" + "|".join(re.escape(v) for v in simple.enumeration) + ")$"}]
    matchers: list[Matcher] = []
    for alternatives in simple.patterns:
        regexes = [xsd_regex(p) for p in alternatives]
        if all(regexes):
            matchers.append({"match": "regex",
                             "regex": regexes[0] if len(regexes) == 1
                             else "^(?:" + "|".join(r[1:-1] for r in regexes if r) + ")$"})
    if matchers:
        return matchers
    primitive = ("integer" if simple.primitive == "decimal" and simple.fraction_digits == 0
                 else simple.primitive)
    if primitive in _LEXICAL:
        return [{"match": "regex", "regex": _LEXICAL[primitive]}]
    if simple.length is not None:
        return [{"match": "regex", "regex": rf"^[\s\S]{{{simple.length}}}$"}]
    if simple.min_length is not None or simple.max_length is not None:
        low, high = simple.min_length or 0, simple.max_length
        return [{"match": "regex", "regex": rf"^[\s\S]{{{low},{'' if high is None else high}}}$"}]
    return [{"match": "type"}]


def _named(facts: ElementFacts, names: Collection[str] | Mapping[str, Any]) -> str | None:
    if facts.path in names:
        return facts.path
    if facts.local_name in names:
        return facts.local_name
    return None


def matching_rules(root: etree._Element, schema: SchemaFacts, *, exact: Collection[str] = (),
                   overrides: Mapping[str, list[Matcher]] | None = None) -> dict[str, Any]:
    """Pact ``body`` matching rules for ``root`` from its schema's description.

    ``exact`` and ``overrides`` name elements by local name (``Sender``) or by path
    (``/Acknowledgement/Status``). An element the schema does not declare is an error:
    the example would not be a valid document.
    """
    overrides = dict(overrides or {})
    rules: dict[str, Any] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        path = local_path(element)
        facts = schema.elements.get(path)
        if facts is None:
            raise ValueError(f"{path} is not declared by {schema.name}")
        if facts.repeated:
            bounds: Matcher = {"match": "type", "min": facts.min_occurs}
            if facts.max_occurs is not None:
                bounds["max"] = facts.max_occurs
            rules.setdefault(pact_path(element), {"combine": "AND", "matchers": [bounds]})
        if facts.simple is not None and _named(facts, exact) is None:
            key = _named(facts, overrides)
            matchers = overrides[key] if key is not None else value_matchers(facts.simple)
            rules[pact_path(element, text=True)] = {"combine": "AND", "matchers": matchers}
        for attribute in facts.attributes:
            if attribute.name in element.attrib and f"{path}/@{attribute.name}" not in exact:
                rules[pact_path(element, attribute=attribute.name)] = {
                    "combine": "AND", "matchers": value_matchers(attribute.simple)}
    return {"body": dict(sorted(rules.items()))}


def xml_body(document: bytes | str | etree._Element, schema: SchemaFacts, *,
             exact: Collection[str] = (), overrides: Mapping[str, list[Matcher]] | None = None
             ) -> tuple[str, dict[str, Any]]:
    """The example text and its matching rules, ready for ``with_body`` + ``with_matching_rules``."""
    root = canonical(document)
    return (etree.tostring(root, encoding="unicode"),
            matching_rules(root, schema, exact=exact, overrides=overrides))


def required_only(document: bytes | str | etree._Element, schema: SchemaFacts) -> etree._Element:
    """The document without its optional elements (``minOccurs="0"``) and their content.

    What a consumer that relies only on required elements puts in its pact: Pact demands
    every element of the example, and tolerates elements the example does not have.
    """
    root = canonical(document)
    optional = [e for e in root.iter() if isinstance(e.tag, str) and e is not root
                and (facts := schema.elements.get(local_path(e))) is not None and facts.min_occurs == 0]
    for element in optional:
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    return root


ENVELOPE_CONSTANTS = ("MessageType", "Sender", "Receiver")
"""Envelope values that are the contract itself, compared for equality."""


def document_body(document: bytes | str | etree._Element, schema: SchemaFacts,
                  *, exact: Collection[str] = ()) -> tuple[str, dict[str, Any]]:
    """A business document (envelope + body): envelope constants exact, schema version by major."""
    return xml_body(document, schema, exact=(*ENVELOPE_CONSTANTS, *exact),
                    overrides={"SchemaVersion": schema_version_matcher(schema.target_namespace)})
