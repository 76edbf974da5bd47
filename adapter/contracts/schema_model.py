"""An XSD read into a flat, comparable description: one entry per element path.

Schemas are loaded with xmlschema, defused (``defuse='always'``) and sandboxed to the
schema's own directory (``allow='sandbox'``): an import that points anywhere else, and
any remote location, fails instead of being fetched.

Paths use local names from the document root, as partners read them in acknowledgements
(``/SignedAgreement/Body/Enterprise/Uscc``). Each entry records what a change could
break: how often the element may occur, its content kind, its children in order, its
attributes, and the facets of its simple type collected along the whole derivation chain
(``c:ShortText`` restricting ``xs:string`` ...).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import xmlschema
from xmlschema.validators import XsdElement, XsdGroup

XS = "{http://www.w3.org/2001/XMLSchema}"
_MAX_DEPTH = 32


@dataclass(frozen=True)
class SimpleFacts:
    """The value space of a simple type (or of a complex type's simple content)."""

    primitive: str
    type_name: str | None = None
    patterns: tuple[tuple[str, ...], ...] = ()
    """One tuple per derivation step: the patterns of a step are alternatives, the steps all apply."""
    enumeration: tuple[str, ...] | None = None
    length: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    total_digits: int | None = None
    fraction_digits: int | None = None
    min_inclusive: str | None = None
    min_exclusive: str | None = None
    max_inclusive: str | None = None
    max_exclusive: str | None = None


@dataclass(frozen=True)
class AttributeFacts:
    name: str
    required: bool
    simple: SimpleFacts


@dataclass(frozen=True)
class ElementFacts:
    path: str
    qname: str
    """Clark notation, ``{namespace}LocalName``."""
    min_occurs: int
    max_occurs: int | None
    """None: unbounded."""
    content: str
    """``simple``, ``simple-content``, ``element-only``, ``mixed`` or ``empty``."""
    type_name: str | None = None
    simple: SimpleFacts | None = None
    children: tuple[str, ...] = ()
    attributes: tuple[AttributeFacts, ...] = ()

    @property
    def local_name(self) -> str:
        return self.path.rpartition("/")[2]

    @property
    def repeated(self) -> bool:
        return self.max_occurs is None or self.max_occurs > 1


@dataclass(frozen=True)
class SchemaFacts:
    name: str
    target_namespace: str
    version: str | None
    roots: tuple[str, ...]
    elements: dict[str, ElementFacts] = field(default_factory=dict)


def load_schema(path: Path) -> xmlschema.XMLSchema:
    """Build one schema from a local file; its imports may only name files beside it."""
    resolved = path.resolve()
    return xmlschema.XMLSchema(str(resolved), base_url=str(resolved.parent), defuse="always",
                               allow="sandbox")


def describe(path: Path) -> SchemaFacts:
    """Every element reachable from the schema's global elements, by path.

    Cached by content: the schema and every schema beside it (which it may import).
    """
    resolved = path.resolve()
    content = hashlib.sha256()
    for sibling in sorted(resolved.parent.glob("*.xsd")):
        content.update(sibling.name.encode() + b"\0" + sibling.read_bytes() + b"\0")
    return _describe_cached(str(resolved), content.hexdigest())


@cache
def _describe_cached(path: str, _content: str) -> SchemaFacts:
    schema = load_schema(Path(path))
    elements: dict[str, ElementFacts] = {}
    roots = []
    for decl in schema.elements.values():
        roots.append(decl.local_name)
        _walk(decl, "", 1, 1, elements, ())
    return SchemaFacts(Path(path).name, schema.target_namespace or "", schema.version, tuple(roots),
                       elements)


def _walk(decl: Any, parent: str, min_occurs: int, max_occurs: int | None,
          out: dict[str, ElementFacts], ancestry: tuple[Any, ...]) -> None:
    path = f"{parent}/{decl.local_name}"
    xsd_type = decl.type
    simple: SimpleFacts | None = None
    children: list[tuple[Any, int, int | None]] = []
    attributes: tuple[AttributeFacts, ...] = ()
    if xsd_type.is_simple():
        content = "simple"
        simple = simple_facts(xsd_type)
    else:
        attributes = _attributes(xsd_type)
        if xsd_type.has_simple_content():
            content = "simple-content"
            simple = simple_facts(xsd_type.content)
        elif xsd_type.is_empty():
            content = "empty"
        else:
            content = "mixed" if xsd_type.mixed else "element-only"
            if isinstance(xsd_type.content, XsdGroup):
                children = list(_particles(xsd_type.content, 1, 1))
    out[path] = ElementFacts(
        path=path, qname=decl.name, min_occurs=min_occurs, max_occurs=max_occurs,
        content=content, type_name=_type_name(xsd_type), simple=simple,
        children=tuple(child.local_name for child, _, _ in children), attributes=attributes,
    )
    if len(ancestry) >= _MAX_DEPTH or xsd_type in ancestry:
        return  # a recursive type: its first level is described, not its infinite unfolding
    for child, child_min, child_max in children:
        _walk(child, path, child_min, child_max, out, (*ancestry, xsd_type))


def _particles(group: Any, min_factor: int, max_factor: int | None
               ) -> list[tuple[Any, int, int | None]]:
    """Elements of a content model with their effective occurrence (nested groups multiplied)."""
    found: list[tuple[Any, int, int | None]] = []
    in_choice = group.model == "choice" and len(group) > 1
    for particle in group:
        p_min = 0 if in_choice else particle.min_occurs
        eff_min = min_factor * p_min
        eff_max = (None if max_factor is None or particle.max_occurs is None
                   else max_factor * particle.max_occurs)
        if isinstance(particle, XsdGroup):
            found += _particles(particle, eff_min, eff_max)
        elif isinstance(particle, XsdElement):
            found.append((particle, eff_min, eff_max))
    return found


def _attributes(xsd_type: Any) -> tuple[AttributeFacts, ...]:
    found = []
    for name, attribute in xsd_type.attributes.items():
        if name is None or not hasattr(attribute, "type"):
            continue  # an attribute wildcard
        found.append(AttributeFacts(attribute.local_name, attribute.use == "required",
                                    simple_facts(attribute.type)))
    return tuple(sorted(found, key=lambda a: a.name))


def _type_name(xsd_type: Any) -> str | None:
    name = getattr(xsd_type, "prefixed_name", None) or getattr(xsd_type, "name", None)
    return str(name) if name else None


def simple_facts(xsd_type: Any) -> SimpleFacts:
    """Facets of a simple type, the most restrictive value of each along the derivation chain."""
    if xsd_type.is_list():
        return SimpleFacts("list", _type_name(xsd_type))
    if xsd_type.is_union():
        return SimpleFacts("union", _type_name(xsd_type))
    primitive = getattr(getattr(xsd_type, "primitive_type", None), "local_name", None)
    values: dict[str, Any] = {}
    patterns: list[tuple[str, ...]] = []
    enumeration: tuple[str, ...] | None = None
    step = xsd_type
    while step is not None and hasattr(step, "facets"):
        facets = step.facets
        if f"{XS}pattern" in facets and getattr(step, "patterns", None) is not None:
            patterns.append(tuple(step.patterns.regexps))
        if enumeration is None and f"{XS}enumeration" in facets and step.enumeration is not None:
            enumeration = tuple(str(v) for v in step.enumeration)
        for facet in ("length", "minLength", "maxLength", "totalDigits", "fractionDigits",
                      "minInclusive", "minExclusive", "maxInclusive", "maxExclusive"):
            found = facets.get(f"{XS}{facet}")
            value = getattr(found, "value", None)
            if value is None:
                continue
            values.setdefault(facet, []).append(value)
        step = getattr(step, "base_type", None)

    def smallest(name: str) -> int | None:
        return min(values[name]) if name in values else None

    def largest(name: str) -> int | None:
        return max(values[name]) if name in values else None

    def first(name: str) -> str | None:
        return str(values[name][0]) if name in values else None

    return SimpleFacts(
        primitive=primitive or str(getattr(xsd_type, "local_name", "anySimpleType")),
        type_name=_type_name(xsd_type),
        patterns=tuple(reversed(patterns)),
        enumeration=enumeration,
        length=int(values["length"][0]) if "length" in values else None,
        min_length=largest("minLength"),
        max_length=smallest("maxLength"),
        total_digits=smallest("totalDigits"),
        fraction_digits=smallest("fractionDigits"),
        min_inclusive=first("minInclusive"),
        min_exclusive=first("minExclusive"),
        max_inclusive=first("maxInclusive"),
        max_exclusive=first("maxExclusive"),
    )
