"""Documents the insurer pushes to the hub, built with lxml to the shapes in ``xsd/``.

The envelope is the same for every type and the body is a list of (name, value)
pairs, so a new document type (termination result, receipt ...) is a row in
``catalogue.PUSHED_TYPES`` plus a short function here that lists its body fields.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from lxml import etree

from mock_insurer import epolicy
from mock_insurer.ack import new_id, xml_datetime
from mock_insurer.catalogue import (
    COMMON_NS,
    HUB_PARTY,
    INSURER_PARTY,
    PUSHED_TYPES,
    SCHEMA_VERSION,
    DocumentType,
    SchemaError,
    SchemaSet,
    by_root,
    by_slug,
)
from mock_insurer.settings import default_repo_root
from mock_insurer.xmlsafe import serialise

BodyValue = str | None | Sequence["BodyItem"]
BodyItem = tuple[str, BodyValue]
"""A body child: a local name (put in the document's namespace) or ``{ns}name``, and
its text, None to leave it out, or nested items."""

STAMP_RESULTS = ("STAMPED", "REFUSED")
INSURER_BRANCH_NAME = "中国出口信用保险公司福建分公司"
INSURER_BRANCH_CODE = "SINOSURE-FJ"
PRODUCT_CODE = "XWXBY"
PRODUCT_NAME = "小微信保易"
DEFAULT_SEAL_SERIAL = "SINOSURE-ESEAL-0001"


def pushed_type(slug: str) -> DocumentType:
    doc_type = by_slug(PUSHED_TYPES, slug)
    if doc_type is None:
        raise KeyError(f"unknown document type {slug!r}")
    return doc_type


def build_document(
    doc_type: DocumentType,
    body: Sequence[BodyItem],
    *,
    message_id: str | None = None,
    business_serial: str | None = None,
    correlation_id: str | None = None,
    sent_at: datetime | None = None,
    sender: str = INSURER_PARTY,
    receiver: str = HUB_PARTY,
) -> bytes:
    """Wrap ``body`` in the common envelope; ids default to fresh ones.

    The correlation id defaults to the business serial: a document the insurer starts
    on its own (a stamp, a receipt) opens its own conversation.
    """
    message_id = message_id or new_id("SINOSURE")
    business_serial = business_serial or new_id("SS")
    ns = doc_type.namespace
    root = etree.Element(doc_type.root, nsmap={"d": ns, "c": COMMON_NS})
    envelope = etree.SubElement(root, f"{{{ns}}}Envelope")
    for name, value in (
        ("MessageId", message_id),
        ("MessageType", doc_type.message_type),
        ("SchemaVersion", SCHEMA_VERSION),
        ("CorrelationId", correlation_id or business_serial),
        ("BusinessSerial", business_serial),
        ("Sender", sender),
        ("Receiver", receiver),
        ("SentAt", xml_datetime(sent_at or datetime.now(UTC))),
    ):
        etree.SubElement(envelope, f"{{{COMMON_NS}}}{name}").text = value
    _add_items(etree.SubElement(root, f"{{{ns}}}Body"), ns, body)
    return serialise(root)


def _add_items(parent: etree._Element, ns: str, items: Sequence[BodyItem]) -> None:
    for name, value in items:
        if value is None:
            continue
        child = etree.SubElement(parent, name if name.startswith("{") else f"{{{ns}}}{name}")
        if isinstance(value, str):
            child.text = value
        else:
            _add_items(child, ns, value)


def agreement_stamp(
    agreement_no: str,
    uscc: str,
    result: str = "STAMPED",
    refusal_reason: str | None = None,
    message_id: str | None = None,
    business_serial: str | None = None,
    correlation_id: str | None = None,
    *,
    stamped_at: datetime | None = None,
    sent_at: datetime | None = None,
    seal_serial: str | None = None,
    seal_certificate: str | None = None,
) -> bytes:
    """X-IN-2 签章回执: the insurer's e-seal on the agreement (STAMPED) or its refusal.

    A stamp carries the insurer's seal serial; a refusal carries the reason instead.
    ``seal_certificate`` is base64 text. Inputs are not checked against the schema, so a
    test can build a deliberately invalid document (e.g. a malformed USCC).
    """
    if result not in STAMP_RESULTS:
        raise ValueError(f"result must be one of {STAMP_RESULTS}")
    if result == "REFUSED" and not refusal_reason:
        raise ValueError("a refusal needs a refusal_reason")
    if result == "STAMPED" and refusal_reason:
        raise ValueError("refusal_reason only goes with result REFUSED")
    stamped = result == "STAMPED"
    body: list[BodyItem] = [
        ("AgreementNo", agreement_no),
        ("Uscc", uscc),
        ("Result", result),
        ("StampedAt", xml_datetime(stamped_at or datetime.now(UTC))),
        ("InsurerSealSerial", (seal_serial or DEFAULT_SEAL_SERIAL) if stamped else None),
        ("InsurerSealCertificate", seal_certificate if stamped else None),
        ("RefusalReason", refusal_reason),
    ]
    return build_document(
        pushed_type("agreement-stamp"),
        body,
        message_id=message_id,
        business_serial=business_serial,
        correlation_id=correlation_id,
        sent_at=sent_at,
    )


def termination_result(
    agreement_no: str,
    uscc: str,
    result: str = "TERMINATED",
    reason: str | None = None,
    message_id: str | None = None,
    business_serial: str | None = None,
    correlation_id: str | None = None,
    *,
    decided_at: datetime | None = None,
) -> bytes:
    """X-IN-3 解约结果: the insurer confirms (TERMINATED) or refuses (REFUSED) a termination."""
    if result not in ("TERMINATED", "REFUSED"):
        raise ValueError("result must be TERMINATED or REFUSED")
    body: list[BodyItem] = [
        ("AgreementNo", agreement_no),
        ("Uscc", uscc),
        ("Result", result),
        ("DecidedAt", xml_datetime(decided_at or datetime.now(UTC))),
        ("Reason", reason),
    ]
    return build_document(pushed_type("termination-result"), body, message_id=message_id,
                          business_serial=business_serial, correlation_id=correlation_id)


def document_type_of(document: bytes | etree._Element) -> DocumentType:
    """The pushed document type a built document belongs to (by its root element)."""
    root = document if isinstance(document, etree._Element) else etree.fromstring(document)
    doc_type = by_root(PUSHED_TYPES, root.tag)
    if doc_type is None:
        raise KeyError(f"{root.tag} is not a document the insurer pushes")
    return doc_type


def validate(document: bytes, repo_root: Path | None = None) -> list[SchemaError]:
    """Schema errors of a built document; empty when valid."""
    root = etree.fromstring(document)
    schemas = SchemaSet((repo_root or default_repo_root()) / "xsd")
    return schemas.validate(root, document_type_of(root).xsd)


def pending_policy(
    offer_no: str,
    uscc: str,
    enterprise_name: str,
    *,
    org_code: str | None = None,
    action: str = "OFFER",
    supersedes: str | None = None,
    reason: str | None = None,
    coverage_start: date | None = None,
    months: int = 12,
    max_liability: str | None = "500000.00",
    offered_at: datetime | None = None,
    message_id: str | None = None,
    business_serial: str | None = None,
    sent_at: datetime | None = None,
) -> bytes:
    """X-IN-1 待确认保单: the small/micro policy (小微信保易) offered to an enterprise, or
    withdrawn (``action="WITHDRAW"``)."""
    if action not in ("OFFER", "WITHDRAW"):
        raise ValueError("action must be OFFER or WITHDRAW")
    start = coverage_start or (offered_at or datetime.now(UTC)).date()
    end = date(start.year + (start.month - 1 + months) // 12,
               (start.month - 1 + months) % 12 + 1, 1) - timedelta(days=1)
    body: list[BodyItem] = [
        ("OfferNo", offer_no),
        ("Action", action),
        ("Enterprise", [(f"{{{COMMON_NS}}}Name", enterprise_name), (f"{{{COMMON_NS}}}Uscc", uscc),
                        (f"{{{COMMON_NS}}}OrgCode", org_code)]),
        ("Insurer", [("Name", INSURER_BRANCH_NAME), ("Code", INSURER_BRANCH_CODE)]),
        ("ProductCode", PRODUCT_CODE),
        ("ProductName", PRODUCT_NAME),
        ("CoverageStart", start.isoformat()),
        ("CoverageEnd", end.isoformat()),
        ("OfferedAt", xml_datetime(offered_at or datetime.now(UTC))),
        ("MaxLiability", max_liability),
        ("Supersedes", supersedes),
        ("Reason", reason),
    ]
    document = build_document(pushed_type("pending-policy"), body, message_id=message_id,
                              business_serial=business_serial or f"PP-{offer_no}", sent_at=sent_at)
    return _with_currency(document, "MaxLiability", "USD")


def application_receipt(
    offer_no: str,
    application_no: str,
    uscc: str,
    *,
    enterprise_name: str = "",
    result: str = "EFFECTIVE",
    return_reason: str | None = None,
    policy_no: str | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    decided_at: datetime | None = None,
    message_id: str | None = None,
    business_serial: str | None = None,
    correlation_id: str | None = None,
    sent_at: datetime | None = None,
) -> bytes:
    """X-IN-4 投保受理结果: 生效 with the policy and a real e-policy PDF, or 退回 with a reason."""
    if result not in ("EFFECTIVE", "RETURNED"):
        raise ValueError("result must be EFFECTIVE or RETURNED")
    if result == "RETURNED" and not return_reason:
        raise ValueError("a return needs a return_reason")
    decided = decided_at or datetime.now(UTC)
    policy: list[BodyItem] | None = None
    if result == "EFFECTIVE":
        start = period_start or decided.date() + timedelta(days=1)
        end = period_end or date(start.year + 1, start.month, 1) - timedelta(days=1)
        number = policy_no or f"SCH{application_no.replace('-', '')}"[:64]
        pdf = epolicy.render(epolicy.PolicyFacts(number, enterprise_name or uscc, uscc, PRODUCT_NAME,
                                                 start, end, decided, application_no))
        policy = [("PolicyNo", number), ("PeriodStart", start.isoformat()),
                  ("PeriodEnd", end.isoformat()), ("IssuedAt", xml_datetime(decided)),
                  ("EPolicy", base64.b64encode(pdf).decode("ascii"))]
    body: list[BodyItem] = [
        ("OfferNo", offer_no),
        ("ApplicationNo", application_no),
        ("Uscc", uscc),
        ("Result", result),
        ("DecidedAt", xml_datetime(decided)),
        ("Policy", policy),
        ("ReturnReason", return_reason),
    ]
    return build_document(pushed_type("application-receipt"), body, message_id=message_id,
                          business_serial=business_serial or f"AR-{application_no}",
                          correlation_id=correlation_id, sent_at=sent_at)


INQUIRY_HANDLER = "陈信保"
INQUIRY_HANDLER_CONTACT = "0592-5081234"
INQUIRY_ANSWER = "您好，已收到您的询保申请。客户经理将在两个工作日内与您联系，介绍小微信保易的承保范围与保费。"


def inquiry_reply(
    serial_no: str,
    uscc: str,
    *,
    reply: str = INQUIRY_ANSWER,
    handler: str | None = INQUIRY_HANDLER,
    handler_contact: str | None = INQUIRY_HANDLER_CONTACT,
    replied_at: datetime | None = None,
    message_id: str | None = None,
    business_serial: str | None = None,
    correlation_id: str | None = None,
    sent_at: datetime | None = None,
) -> bytes:
    """X-IN-7 询保反馈: the insurer's answer to an inquiry, and who follows it up."""
    body: list[BodyItem] = [
        ("SerialNo", serial_no),
        ("Uscc", uscc),
        ("RepliedAt", xml_datetime(replied_at or datetime.now(UTC))),
        ("Reply", reply),
        ("Handler", handler),
        ("HandlerContact", handler_contact),
    ]
    return build_document(pushed_type("inquiry-reply"), body, message_id=message_id,
                          business_serial=business_serial or f"IR-{serial_no}",
                          correlation_id=correlation_id, sent_at=sent_at)


CLAIM_MANAGER = "陈立群"
CLAIM_MANAGER_CONTACT = "0592-5123456"
CLAIM_RETURN_REASON = "出运数据报告与发票金额不一致，请核对出运信息并补充更正后的商业发票"


def claim_review(
    claim_no: str,
    submission_serial: str,
    uscc: str,
    *,
    result: str = "APPROVED",
    return_reason: str | None = None,
    manager: str = CLAIM_MANAGER,
    manager_contact: str = CLAIM_MANAGER_CONTACT,
    decided_at: datetime | None = None,
    message_id: str | None = None,
    business_serial: str | None = None,
    correlation_id: str | None = None,
    sent_at: datetime | None = None,
) -> bytes:
    """X-IN-5 索赔审核回执: 审核通过, or 退回 with the reason, and the account manager; it names
    the submission reviewed by the business serial the hub sent it under."""
    body: list[BodyItem] = [
        ("ClaimNo", claim_no),
        ("SubmissionSerial", submission_serial),
        ("Uscc", uscc),
        ("Result", result),
        ("DecidedAt", xml_datetime(decided_at or datetime.now(UTC))),
        ("AccountManager", [("Name", manager), ("Contact", manager_contact)]),
        ("ReturnReason", return_reason),
    ]
    return build_document(pushed_type("claim-review"), body, message_id=message_id,
                          business_serial=business_serial or f"CR-{submission_serial}"[:64],
                          correlation_id=correlation_id, sent_at=sent_at)


RISK_ARTICLE_BODY = ("<p>中国出口信用保险公司提示：请关注买方所在国的政治、经济与汇兑风险，"
                     "合理安排出运与收汇。</p>")


def risk_article(
    article_id: str,
    title: str,
    *,
    category: str = "COUNTRY",
    version: int = 1,
    withdraw: bool = False,
    countries: Sequence[str] = (),
    industries: Sequence[str] = (),
    summary: str | None = None,
    body: str | None = RISK_ARTICLE_BODY,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    withdraw_reason: str | None = None,
    published_at: datetime | None = None,
    message_id: str | None = None,
    business_serial: str | None = None,
    correlation_id: str | None = None,
    sent_at: datetime | None = None,
) -> bytes:
    """X-IN-6 风险资讯文章: a version of an article (publish, or withdraw it); attachments are
    (file name, media type, bytes), base64 inside the document."""
    files: list[BodyItem] = [
        ("Attachment", [("FileName", name), ("ContentType", media),
                        ("Content", base64.b64encode(content).decode("ascii"))])
        for name, media, content in attachments]
    body_items: list[BodyItem] = [
        ("ArticleId", article_id),
        ("Version", str(version)),
        ("Action", "WITHDRAW" if withdraw else "PUBLISH"),
        ("Category", category),
        ("Title", title),
        ("PublishedAt", xml_datetime(published_at or datetime.now(UTC))),
        ("Countries", [("Country", c) for c in countries] or None),
        ("Industries", [("Industry", i) for i in industries] or None),
        ("Summary", summary),
        ("Body", None if withdraw else body),
        ("Attachments", files or None),
        ("WithdrawReason", withdraw_reason),
    ]
    return build_document(pushed_type("risk-article"), body_items, message_id=message_id,
                          business_serial=business_serial or f"{article_id}-V{version}",
                          correlation_id=correlation_id, sent_at=sent_at)


def _with_currency(document: bytes, element: str, currency: str) -> bytes:
    root = etree.fromstring(document)
    for found in root.iter(f"{{{etree.QName(root).namespace}}}{element}"):
        found.set("currency", currency)
    return serialise(root)
