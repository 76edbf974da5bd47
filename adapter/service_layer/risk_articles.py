"""Risk article use cases (§五, X-IN-6, R-1 … R-5): take in what the insurer pushes, and the
searches every logged-in enterprise reads.

Taking in a version: its codes are checked against the code lists and its attachments'
bytes against their declared types (a refusal names the field and changes nothing); a
version higher than the one held replaces the article, its body sanitized on the way in
and its attachments put in the content-addressed store; any other version is accepted,
recorded as ignored and changes nothing. Every version joins the article's timeline.

Reading needs a portal token and nothing else: articles are the insurer's notices to every
exporter, so no agreement and no enterprise scoping apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import filetype

from adapter.codelists import catalogue
from adapter.domain.errors import DocumentRejected
from adapter.domain.exchange import Envelope, utcnow
from adapter.domain.insurance import Ignored
from adapter.domain.risk_article import (
    OVERVIEW_PER_CATEGORY,
    ArticleAction,
    ArticleAttachment,
    ArticleCategory,
    ArticleCountryUnknown,
    ArticleDetail,
    ArticleHeadline,
    ArticleIndustryUnknown,
    ArticleNotFound,
    ArticleSearch,
    AttachmentTypeMismatch,
    RiskArticle,
    StoredAttachment,
    decide,
    require_body,
)
from adapter.domain.timeline import TimelineEntry
from adapter.ports.attachments import AttachmentStore
from adapter.rendering.html_sanitizer import sanitize
from adapter.service_layer.unit_of_work import UnitOfWork, UnitsOfWork

OBJECT = "risk_article"
_BODY = "/RiskArticle/Body"
# What the timeline says the version did.
STATUS_ZH = {"published": "已发布", "corrected": "已更正", "withdrawn": "已撤回"}


def check_codes(article: RiskArticle) -> None:
    """国别 from the countries list, 行业 from the industries list: a refusal names the entry."""
    lists = catalogue()
    countries, industries = lists.get("countries").codes, lists.get("industries").codes
    for i, code in enumerate(article.countries, start=1):
        if code not in countries:
            raise ArticleCountryUnknown(f"{code} is not in the countries code list",
                                        path=f"{_BODY}/Countries/Country[{i}]")
    for i, code in enumerate(article.industries, start=1):
        if code not in industries:
            raise ArticleIndustryUnknown(f"{code} is not in the industries code list",
                                         path=f"{_BODY}/Industries/Industry[{i}]")


def _is_of_type(attachment: ArticleAttachment) -> bool:
    """The bytes are what the document says: sniffed for binary formats, UTF-8 for text."""
    if attachment.content_type == "text/plain":
        try:
            attachment.content.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return filetype.guess(attachment.content) is None
    guessed = filetype.guess(attachment.content)
    return guessed is not None and guessed.mime == attachment.content_type


def check_attachments(article: RiskArticle) -> None:
    for i, attachment in enumerate(article.attachments, start=1):
        if not _is_of_type(attachment):
            raise AttachmentTypeMismatch(
                f"attachment {attachment.file_name!r} is not {attachment.content_type}",
                path=f"{_BODY}/Attachments/Attachment[{i}]/ContentType")


def check(article: RiskArticle) -> None:
    """Everything that refuses a version, before anything is written."""
    require_body(article)
    check_codes(article)
    if article.action is ArticleAction.PUBLISH:
        check_attachments(article)


async def receive_articles(uow: UnitOfWork, attachments: AttachmentStore,
                           items: Sequence[tuple[RiskArticle, Envelope]]
                           ) -> list[DocumentRejected | None]:
    """A group of X-IN-6, in order (two versions of one article in a group decide in turn)."""
    outcomes: list[DocumentRejected | None] = []
    for article, envelope in items:
        try:
            check(article)
        except DocumentRejected as refused:
            uow.timeline.record(TimelineEntry.about(
                envelope, OBJECT, article.article_id, "article_refused", outcome=refused.code,
                detail={"version": article.version, "reason": refused.message_zh}))
            outcomes.append(refused)
            continue
        await _take(uow, attachments, article, envelope)
        outcomes.append(None)
    return outcomes


def _store(attachments: AttachmentStore, article: RiskArticle) -> list[StoredAttachment]:
    """Bytes first, named by their digest: a blob no row ends up naming costs nothing but space."""
    stored = []
    for position, attachment in enumerate(article.attachments, start=1):
        blob = attachments.put(attachment.content)
        stored.append(StoredAttachment(position, attachment.file_name, attachment.content_type,
                                       blob.size, blob.sha256))
    return stored


async def _take(uow: UnitOfWork, attachments: AttachmentStore, article: RiskArticle,
                envelope: Envelope) -> None:
    received_at = utcnow()
    uow.timeline.record(TimelineEntry.about(envelope, OBJECT, article.article_id,
                                            "message_received", outcome=article.action.value,
                                            detail={"version": article.version}))
    articles = uow.risk_articles
    held = await articles.held_version(article.article_id)
    decision = decide(held, article)
    applied = False
    if not isinstance(decision, Ignored):
        publishing = article.action is ArticleAction.PUBLISH
        applied = await articles.hold(
            article, body_html=sanitize(article.body or "") if publishing else None,
            attachments=_store(attachments, article) if publishing else (),
            received_at=received_at, message_id=envelope.message_id)
        if not applied:  # a newer version committed between the read and the write
            decision = Ignored(f"已有更新的版本，第{article.version}版不改变文章")
    await articles.record_version(article, message_id=envelope.message_id,
                                  received_at=received_at,
                                  outcome="applied" if applied else "ignored")
    if isinstance(decision, Ignored):
        uow.timeline.record(TimelineEntry.about(
            envelope, OBJECT, article.article_id, "version_ignored", outcome=str(article.version),
            detail={"version": article.version, "held": held, "reason": decision.reason}))
        return
    status = ("withdrawn" if article.action is ArticleAction.WITHDRAW
              else "corrected" if decision.previous is not None else "published")
    uow.timeline.record(TimelineEntry.about(
        envelope, OBJECT, article.article_id, "state_changed", outcome=STATUS_ZH[status],
        detail={"version": article.version, "previous": decision.previous,
                "reason": article.withdraw_reason}))


# --- reading ----------------------------------------------------------------------------------


async def overview(uows: UnitsOfWork, search: ArticleSearch, *,
                   per_category: int = OVERVIEW_PER_CATEGORY
                   ) -> dict[ArticleCategory, list[ArticleHeadline]]:
    """R-2: the four modules, each its newest few that match (an empty one shows nothing)."""
    async with uows.reading() as uow:
        return await uow.risk_articles.overview(search, per_category=per_category)


async def page(uows: UnitsOfWork, category: ArticleCategory, search: ArticleSearch, *, limit: int,
               after: tuple[datetime, str] | None) -> list[ArticleHeadline]:
    """R-3: one page of a category, newest first (``limit`` + 1 asks whether more follow)."""
    async with uows.reading() as uow:
        return await uow.risk_articles.page(category, search, limit=limit, after=after)


async def latest(uows: UnitsOfWork, limit: int) -> list[ArticleHeadline]:
    async with uows.reading() as uow:
        return await uow.risk_articles.latest(limit)


async def detail(uows: UnitsOfWork, article_id: str) -> ArticleDetail:
    """R-4: a held article; a withdrawn or unknown one is not found."""
    async with uows.reading() as uow:
        found = await uow.risk_articles.detail(article_id)
    if found is None:
        raise ArticleNotFound(f"article {article_id}")
    return found


async def attachment(uows: UnitsOfWork, article_id: str, position: int) -> StoredAttachment:
    async with uows.reading() as uow:
        found = await uow.risk_articles.attachment(article_id, position)
    if found is None:
        raise ArticleNotFound(f"article {article_id} attachment {position}")
    return found
