"""X-IN-1 待确认保单 (xsd/pending_policy.xsd) to and from :class:`PolicyOffer`."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from adapter.domain import messages
from adapter.domain.exchange import Envelope
from adapter.domain.insurance import Insurer, OfferAction, PolicyOffer
from adapter.mappings.elements import (
    Builder,
    children,
    optional_text,
    read_date,
    read_datetime,
    text,
    write_datetime,
    write_decimal,
)
from adapter.mappings.enterprise import read_enterprise, write_enterprise
from adapter.mappings.envelope import document_root, serialize

NS = "urn:swcredit:pending-policy:1"
ROOT = f"{{{NS}}}PendingPolicy"
MESSAGE_TYPE = messages.PENDING_POLICY.message_type
XSD = messages.PENDING_POLICY.xsd
_b = Builder(NS)


def read_insurer(element: etree._Element) -> Insurer:
    found = children(element)
    return Insurer(text(found, "Name"), text(found, "Code"))


def write_insurer(builder: Builder, parent: etree._Element, insurer: Insurer) -> None:
    group = builder.group(parent, "Insurer")
    builder.add(group, "Name", insurer.name)
    builder.add(group, "Code", insurer.code)


def from_element(root: etree._Element) -> PolicyOffer:
    found = children(root[1])
    liability = found.get("MaxLiability")
    return PolicyOffer(
        offer_no=text(found, "OfferNo"),
        action=OfferAction(text(found, "Action")),
        enterprise=read_enterprise(found["Enterprise"]),
        insurer=read_insurer(found["Insurer"]),
        product_code=text(found, "ProductCode"),
        product_name=text(found, "ProductName"),
        coverage_start=read_date(text(found, "CoverageStart")),
        coverage_end=read_date(text(found, "CoverageEnd")),
        offered_at=read_datetime(text(found, "OfferedAt")),
        max_liability=Decimal(text(found, "MaxLiability")) if liability is not None else None,
        currency=liability.get("currency") if liability is not None else None,
        supersedes=optional_text(found, "Supersedes"),
        reason=optional_text(found, "Reason"),
    )


def to_xml(offer: PolicyOffer, envelope: Envelope) -> bytes:
    root, body = document_root(NS, "PendingPolicy", envelope)
    _b.add(body, "OfferNo", offer.offer_no)
    _b.add(body, "Action", offer.action.value)
    write_enterprise(_b.group(body, "Enterprise"), offer.enterprise)
    write_insurer(_b, body, offer.insurer)
    _b.add(body, "ProductCode", offer.product_code)
    _b.add(body, "ProductName", offer.product_name)
    _b.add(body, "CoverageStart", offer.coverage_start.isoformat())
    _b.add(body, "CoverageEnd", offer.coverage_end.isoformat())
    _b.add(body, "OfferedAt", write_datetime(offer.offered_at))
    if offer.max_liability is not None:
        amount = _b.add(body, "MaxLiability", write_decimal(offer.max_liability))
        assert amount is not None
        amount.set("currency", offer.currency or "USD")
    _b.add(body, "Supersedes", offer.supersedes)
    _b.add(body, "Reason", offer.reason)
    return serialize(root)
