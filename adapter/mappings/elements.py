"""Small lxml helpers shared by the mapping modules: one pass over children, typed reads."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal

from lxml import etree

from adapter.domain.errors import SchemaViolation


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def children(element: etree._Element) -> dict[str, etree._Element]:
    """Children by local name, collected in a single pass (XSD already fixed their order)."""
    return {local_name(child.tag): child for child in element if isinstance(child.tag, str)}


def text(found: Mapping[str, etree._Element], name: str) -> str:
    return _string(found[name])


def optional_text(found: Mapping[str, etree._Element], name: str) -> str | None:
    element = found.get(name)
    return None if element is None else _string(element)


def _string(element: etree._Element) -> str:
    """The element's whole text: a comment or processing instruction does not cut it short."""
    if len(element) == 0:  # no comment or PI inside: .text is all of it
        return element.text or ""
    return "".join(element.itertext())


def read_datetime(value: str) -> datetime:
    """xs:dateTime → datetime; 24:00:00 is the next midnight, years Python lacks are refused."""
    end_of_day = "T24:00:00" in value
    try:
        parsed = datetime.fromisoformat(value.replace("T24:00:00", "T00:00:00"))
    except ValueError as exc:
        raise SchemaViolation(f"date-time {value} is outside what the hub can store: {exc}") from None
    return parsed + timedelta(days=1) if end_of_day else parsed


def read_date(value: str) -> date:
    return date.fromisoformat(value)


def read_base64(value: str | None) -> bytes | None:
    return None if value is None else base64.b64decode(value)


def write_datetime(value: datetime) -> str:
    return value.isoformat()


def write_base64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def write_decimal(value: Decimal) -> str:
    return f"{value:.2f}"


class Builder:
    """Appends qualified children in one namespace, skipping absent optional values."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def add(self, parent: etree._Element, name: str, value: str | None) -> etree._Element | None:
        if value is None:
            return None
        child = etree.SubElement(parent, f"{{{self.namespace}}}{name}")
        child.text = value
        return child

    def group(self, parent: etree._Element, name: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{self.namespace}}}{name}")
