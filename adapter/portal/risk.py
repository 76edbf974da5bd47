"""Portal routes for 风险资讯 (§五, R-1 … R-5) and the public 最新风险信息 headlines (P-1).

R-2 the 风险信息 screen: 国别, 行业, 关键字 (titles only), answered as the four modules, each
its newest few; R-3 a module's 更多>>: 15 a page, newest first, the same conditions; R-4 an
article with its attachments, each downloadable; R-5 the 资信服务 button's link (config).

Any portal token reads them (the insurer's notices are for every exporter: no agreement,
no enterprise scoping); the headlines are public, titles and links only.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web
from pydantic import Field

from adapter.codelists import catalogue
from adapter.domain.risk_article import (
    CATEGORY_ZH,
    MAX_KEYWORD_LENGTH,
    PAGE_SIZE,
    ArticleCategory,
    ArticleCategoryUnknown,
    ArticleDetail,
    ArticleHeadline,
    ArticleNotFound,
    ArticleSearch,
    StoredAttachment,
)
from adapter.portal.context import Portal
from adapter.portal.cursors import decode_cursor, encode_cursor
from adapter.portal.fields import CountryCode, Industry
from adapter.portal.json import respond
from adapter.portal.requests import Command, Text, parse_data
from adapter.ports.attachments import AttachmentStore
from adapter.rendering.times import beijing
from adapter.service_layer import risk_articles
from adapter.service_layer.unit_of_work import UnitsOfWork

PREFIX = "/portal/v1/risk-articles"
HEADLINES = "/portal/v1/public/risk-headlines"
CREDIT_SERVICE = "资信服务"
_ARTICLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$")
_UNSAFE_FALLBACK = re.compile(r"[^A-Za-z0-9._-]")


class ArticleQuery(Command):
    """查询: 国别, 行业, 关键字; any left out does not filter."""

    country: CountryCode | None = None
    industry: Industry | None = None
    keyword: Text | None = Field(default=None, max_length=MAX_KEYWORD_LENGTH)

    def search(self) -> ArticleSearch:
        return ArticleSearch(self.country and str(self.country), self.industry, self.keyword)

    def as_query(self) -> dict[str, str]:
        return {k: str(v) for k, v in (("country", self.country), ("industry", self.industry),
                                       ("keyword", self.keyword)) if v}


class CategoryQuery(ArticleQuery):
    cursor: str | None = Field(default=None, max_length=200)


class HeadlineQuery(Command):
    category: ArticleCategory | None = None
    limit: int = Field(default=8, ge=1, le=20)


def headline_view(item: ArticleHeadline) -> dict[str, Any]:
    shown = beijing(item.published_at)
    return {"article_id": item.article_id, "category": item.category.value,
            "category_name": CATEGORY_ZH[item.category], "title": item.title,
            "summary": item.summary, "published_at": item.published_at,
            "published_at_beijing": shown, "published_date": shown[:10],
            "has_attachments": item.has_attachments, "href": f"{PREFIX}/{item.article_id}"}


def public_headline(item: ArticleHeadline) -> dict[str, Any]:
    """A title of 最新风险信息 as anyone may read it: no summary, a link to the article."""
    return {"article_id": item.article_id, "title": item.title, "category": item.category.value,
            "category_name": CATEGORY_ZH[item.category],
            "published_date": beijing(item.published_at)[:10], "href": f"{PREFIX}/{item.article_id}"}


async def headlines_of(uows: UnitsOfWork, category: ArticleCategory | None, limit: int
                       ) -> list[ArticleHeadline]:
    """The public headlines: the newest of all modules, or of one (its list's first rows)."""
    if category is None:
        return await risk_articles.latest(uows, limit)
    return await risk_articles.page(uows, category, ArticleSearch(), limit=limit, after=None)


def _names(list_name: str, codes: tuple[str, ...]) -> list[dict[str, Any]]:
    listed = catalogue().get(list_name)
    return [{"code": code, "name": (listed.entry(code) or {}).get("name")} for code in codes]


def _attachment_view(article_id: str, item: StoredAttachment) -> dict[str, Any]:
    return {"position": item.position, "file_name": item.file_name,
            "content_type": item.content_type, "size": item.size,
            "href": f"{PREFIX}/{article_id}/attachments/{item.position}"}


def detail_view(item: ArticleDetail) -> dict[str, Any]:
    """R-4: the sanitized body is HTML the portal may draw as it is."""
    article_id = item.headline.article_id
    return {**headline_view(item.headline), "version": item.version,
            "countries": _names("countries", item.countries),
            "industries": _names("industries", item.industries), "body_html": item.body_html,
            "attachments": [_attachment_view(article_id, a) for a in item.attachments]}


def content_disposition(file_name: str) -> str:
    """RFC 6266: an ASCII fallback any client reads, and the real name as RFC 5987 UTF-8.

    Both are built from allow-lists (the fallback keeps letters, digits, ``._-``; the real
    name is percent-encoded whole), so no quote, semicolon or line break of the insurer's
    file name reaches the header.
    """
    stem, dot, extension = file_name.rpartition(".")
    fallback = _UNSAFE_FALLBACK.sub("_", f"{stem}{dot}{extension}" if dot else file_name)
    if not fallback.strip("_."):
        fallback = "attachment"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def _category(request: web.Request) -> ArticleCategory:
    try:
        return ArticleCategory(request.match_info["category"])
    except ValueError:
        raise ArticleCategoryUnknown(f"category {request.match_info['category']!r}") from None


def _article_id(request: web.Request) -> str:
    article_id = request.match_info["article_id"]
    if not _ARTICLE_ID.match(article_id):
        raise ArticleNotFound(f"article {article_id!r}")
    return article_id


def _position(request: web.Request) -> int:
    raw = request.match_info["position"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 2:
        raise ArticleNotFound(f"attachment {raw!r}")
    return int(raw)


def _more(query: ArticleQuery) -> dict[ArticleCategory, str]:
    """Each module's 更多>>: its list under the same conditions."""
    conditions = query.as_query()
    suffix = f"?{urlencode(conditions)}" if conditions else ""
    return {c: f"{PREFIX}/categories/{c.value}{suffix}" for c in ArticleCategory}


def routes(portal: Portal, attachments: AttachmentStore, credit_service_url: str
           ) -> list[web.RouteDef]:
    uows = portal.uows
    credit_service = {"name": CREDIT_SERVICE, "url": credit_service_url}

    async def overview(request: web.Request) -> web.Response:
        query = parse_data(dict(request.query), ArticleQuery, prefix="$query")
        found = await risk_articles.overview(uows, query.search())
        more = _more(query)
        return respond({"conditions": query.as_query(), "credit_service": credit_service,
                        "categories": [{"code": c.value, "name": CATEGORY_ZH[c],
                                        "items": [headline_view(i) for i in found[c]],
                                        "more": more[c]} for c in ArticleCategory]})

    async def category_page(request: web.Request) -> web.Response:
        category = _category(request)
        query = parse_data(dict(request.query), CategoryQuery, prefix="$query")
        items = await risk_articles.page(uows, category, query.search(), limit=PAGE_SIZE + 1,
                                         after=decode_cursor(query.cursor))
        more, items = len(items) > PAGE_SIZE, items[:PAGE_SIZE]
        next_cursor = (encode_cursor(items[-1].published_at, items[-1].article_id)
                       if more and items else None)
        return respond({"category": category.value, "name": CATEGORY_ZH[category],
                        "conditions": query.as_query(), "page_size": PAGE_SIZE,
                        "items": [headline_view(i) for i in items], "next_cursor": next_cursor})

    async def one(request: web.Request) -> web.Response:
        return respond(detail_view(await risk_articles.detail(uows, _article_id(request))))

    async def download(request: web.Request) -> web.Response:
        found = await risk_articles.attachment(uows, _article_id(request), _position(request))
        try:
            data = await asyncio.to_thread(attachments.read, found.sha256)
        except KeyError:
            raise ArticleNotFound(f"attachment blob {found.sha256} is missing") from None
        return web.Response(body=data, content_type=found.content_type, headers={
            "Content-Disposition": content_disposition(found.file_name),
            "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300"})

    async def credit(_request: web.Request) -> web.Response:
        return respond(credit_service)

    async def headlines(request: web.Request) -> web.Response:
        query = parse_data(dict(request.query), HeadlineQuery, prefix="$query")
        items = await headlines_of(uows, query.category, query.limit)
        return respond({"items": [public_headline(i) for i in items], "more": PREFIX})

    return [
        web.get(PREFIX, overview),
        web.get(PREFIX + "/credit-service", credit),
        web.get(PREFIX + "/categories/{category}", category_page),
        web.get(PREFIX + "/{article_id}", one),
        web.get(PREFIX + "/{article_id}/attachments/{position}", download),
        web.get(HEADLINES, headlines),
    ]
