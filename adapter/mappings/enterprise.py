"""The common ``Enterprise`` group (xsd/common.xsd), shared by several documents."""

from __future__ import annotations

from lxml import etree

from adapter.domain.agreement import Enterprise
from adapter.mappings.elements import Builder, children, optional_text, text
from adapter.mappings.envelope import COMMON_NS

_c = Builder(COMMON_NS)


def read_enterprise(element: etree._Element) -> Enterprise:
    found = children(element)
    return Enterprise(name=text(found, "Name"), uscc=text(found, "Uscc"),
                      org_code=optional_text(found, "OrgCode"))


def write_enterprise(parent: etree._Element, enterprise: Enterprise) -> None:
    _c.add(parent, "Name", enterprise.name)
    _c.add(parent, "Uscc", enterprise.uscc)
    _c.add(parent, "OrgCode", enterprise.org_code)
