"""X-OUT-3 企业数据授权 (xsd/data_authorization.xsd) to and from :class:`DataAuthorization`."""

from __future__ import annotations

from lxml import etree

from adapter.domain import messages
from adapter.domain.authorization import DataAuthorization, DataType
from adapter.domain.exchange import Envelope
from adapter.mappings.elements import (
    Builder,
    children,
    local_name,
    read_datetime,
    text,
    write_datetime,
)
from adapter.mappings.enterprise import read_enterprise, write_enterprise
from adapter.mappings.envelope import document_root, serialize

NS = "urn:swcredit:data-authorization:1"
ROOT = f"{{{NS}}}DataAuthorization"
MESSAGE_TYPE = messages.DATA_AUTHORIZATION.message_type
XSD = messages.DATA_AUTHORIZATION.xsd
_b = Builder(NS)


def from_element(root: etree._Element) -> DataAuthorization:
    body = root[1]
    found = children(body)
    return DataAuthorization(
        authorization_no=text(found, "AuthorizationNo"),
        enterprise=read_enterprise(found["Enterprise"]),
        authorized_by=text(found, "AuthorizedBy"),
        authorized_at=read_datetime(text(found, "AuthorizedAt")),
        data_types=tuple(DataType(e.text or "") for e in body
                         if isinstance(e.tag, str) and local_name(e.tag) == "DataType"),
    )


def to_xml(authorization: DataAuthorization, envelope: Envelope) -> bytes:
    root, body = document_root(NS, "DataAuthorization", envelope)
    _b.add(body, "AuthorizationNo", authorization.authorization_no)
    write_enterprise(_b.group(body, "Enterprise"), authorization.enterprise)
    _b.add(body, "AuthorizedBy", authorization.authorized_by)
    _b.add(body, "AuthorizedAt", write_datetime(authorization.authorized_at))
    for data_type in authorization.data_types:
        _b.add(body, "DataType", data_type.value)
    return serialize(root)
