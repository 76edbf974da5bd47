"""Small lxml helpers shared by the mapping modules: one pass over children, typed reads."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from lxml import etree


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def children(element: etree._Element) -> dict[str, etree._Element]:
    """Children by local name, collected in a single pass (XSD already fixed their order)."""
    return {local_name(child.tag): child for child in element if isinstance(child.tag, str)}


def text(found: Mapping[str, etree._Element], name: str) -> str:
    return found[name].text or ""


def optional_text(found: Mapping[str, etree._Element], name: str) -> str | None:
    element = found.get(name)
    return None if element is None else (element.text or "")


def read_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value)


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
