"""X-IN-6 风险资讯文章 (xsd/risk_article.xsd) to and from :class:`RiskArticle`."""

from __future__ import annotations

from lxml import etree

from adapter.domain import messages
from adapter.domain.exchange import Envelope
from adapter.domain.risk_article import (
    ArticleAction,
    ArticleAttachment,
    ArticleCategory,
    RiskArticle,
)
from adapter.mappings.elements import (
    Builder,
    children,
    optional_text,
    read_base64,
    read_datetime,
    text,
    write_base64,
    write_datetime,
)
from adapter.mappings.envelope import document_root, serialize

NS = "urn:swcredit:risk-article:1"
ROOT = f"{{{NS}}}RiskArticle"
MESSAGE_TYPE = messages.RISK_ARTICLE.message_type
XSD = messages.RISK_ARTICLE.xsd
_b = Builder(NS)


def _codes(group: etree._Element | None) -> tuple[str, ...]:
    if group is None:
        return ()
    return tuple((child.text or "") for child in group if isinstance(child.tag, str))


def _attachment(element: etree._Element) -> ArticleAttachment:
    found = children(element)
    return ArticleAttachment(text(found, "FileName"), text(found, "ContentType"),
                             read_base64(text(found, "Content")) or b"")


def from_element(root: etree._Element) -> RiskArticle:
    found = children(root[1])
    attachments = found.get("Attachments")
    return RiskArticle(
        article_id=text(found, "ArticleId"),
        version=int(text(found, "Version")),
        action=ArticleAction(text(found, "Action")),
        category=ArticleCategory(text(found, "Category")),
        title=text(found, "Title"),
        published_at=read_datetime(text(found, "PublishedAt")),
        countries=_codes(found.get("Countries")),
        industries=_codes(found.get("Industries")),
        summary=optional_text(found, "Summary"),
        body=optional_text(found, "Body"),
        attachments=tuple(_attachment(a) for a in attachments
                          if isinstance(a.tag, str)) if attachments is not None else (),
        withdraw_reason=optional_text(found, "WithdrawReason"),
    )


def _write_codes(body: etree._Element, group: str, item: str, codes: tuple[str, ...]) -> None:
    if codes:
        element = _b.group(body, group)
        for code in codes:
            _b.add(element, item, code)


def to_xml(article: RiskArticle, envelope: Envelope) -> bytes:
    root, body = document_root(NS, "RiskArticle", envelope)
    _b.add(body, "ArticleId", article.article_id)
    _b.add(body, "Version", str(article.version))
    _b.add(body, "Action", article.action.value)
    _b.add(body, "Category", article.category.value)
    _b.add(body, "Title", article.title)
    _b.add(body, "PublishedAt", write_datetime(article.published_at))
    _write_codes(body, "Countries", "Country", article.countries)
    _write_codes(body, "Industries", "Industry", article.industries)
    _b.add(body, "Summary", article.summary)
    _b.add(body, "Body", article.body)
    if article.attachments:
        group = _b.group(body, "Attachments")
        for attachment in article.attachments:
            item = _b.group(group, "Attachment")
            _b.add(item, "FileName", attachment.file_name)
            _b.add(item, "ContentType", attachment.content_type)
            _b.add(item, "Content", write_base64(attachment.content))
    _b.add(body, "WithdrawReason", article.withdraw_reason)
    return serialize(root)
