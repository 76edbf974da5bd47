"""Risk article rows: the held version of each article, its tags and attachments, its history,
and the searches of §五 (国别, 行业, title keyword; grouped per category, newest first).

Keyword search, measured (bench/risk_search.py, bench/README.md): pg_trgm cannot serve a
keyword under three characters and Chinese keywords are mostly two (美国, 芯片), so on
PostgreSQL each title's characters and character pairs are kept as ``title_keys`` (text[])
under a GIN index per category; a keyword's pairs (its one character, if it has one) are
looked up with ``@>`` and each candidate is confirmed with ``strpos`` on the title, since
holding every pair does not make a substring. Every search is of one category's newest
rows, so it first reads that category's ``RECENT_WINDOW`` newest rows in index order and
keeps those holding the keyword: a common keyword is answered there. Only when they hold
too few is the category's GIN index asked, and then the keyword is rare among its rows, so
few are fetched. (The planner alone chose badly both ways: it multiplies the frequencies of
a word's pairs as if they were independent, and one index for all categories fetched every
match of a keyword crowded into one module for each of the other three.) SQLite has no
index that serves two characters (FTS5's trigram tokenizer needs three) and is the
single-machine, demo-sized database: there a keyword is a scan of the titles with
``instr``, fine at that size.

Case folding is ASCII only (:func:`adapter.domain.risk_article.fold`), the folding both
databases' ``lower`` agree on whatever their locale, so the index and the confirmation
never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    bindparam,
    delete,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.risk_article import (
    ArticleCategory,
    ArticleDetail,
    ArticleHeadline,
    ArticleSearch,
    RiskArticle,
    StoredAttachment,
    keyword_keys,
    search_keys,
)
from adapter.persistence.driver_reads import fetch
from adapter.persistence.tables import risk_article_attachments as files
from adapter.persistence.tables import risk_article_tags as tags
from adapter.persistence.tables import risk_article_versions as versions
from adapter.persistence.tables import risk_articles as t

_HEADLINE = (t.c.article_id, t.c.category, t.c.title, t.c.published_at, t.c.summary,
             t.c.has_attachments)
_KEYS = postgresql.ARRAY(postgresql.TEXT())
# PostgreSQL: how many of a list's newest rows are read in order before the GIN index is
# asked (bench/risk_search.py: a keyword in one title in 50 fills five rows within it).
RECENT_WINDOW = 250


def _headline(row: Any) -> ArticleHeadline:
    return ArticleHeadline(row.article_id, ArticleCategory(row.category), row.title,
                           row.published_at, row.summary, bool(row.has_attachments))


def _codes(joined: str) -> tuple[str, ...]:
    return tuple(code for code in joined.split(",") if code)


def _constant(value: str) -> Any:
    """A fixed word of the statement (a category, a tag kind), written into its text once:
    ``literal_execute`` would render the statement again at every execution."""
    return literal_column("'" + value.replace("'", "''") + "'", type_=String())


def _number(value: int) -> Any:
    """A limit or a bound written into the statement: a bound parameter there hides it from
    the planner, whose generic plan for a prepared statement then guesses (measured: the
    overview's statement cost the database 0.8 ms instead of 0.5 with its limits bound)."""
    return literal_column(str(int(value)), type_=Integer())


_ZERO = _number(0)


def _tag_filter(kind: str, name: str) -> Any:
    return t.c.article_id.in_(select(tags.c.article_id).where(
        tags.c.kind == _constant(kind), tags.c.code == bindparam(name)))


def _confirmed() -> Any:
    """The keyword itself in the title, case-folded as :func:`fold` folds it."""
    return func.strpos(func.lower(t.c.title), bindparam("kw")) > _ZERO


def _keyword_filter(dialect: str) -> list[Any]:
    """PostgreSQL: the GIN index finds titles holding every key, strpos confirms the keyword.
    SQLite: instr over the titles (see the module's docstring)."""
    if dialect == "postgresql":
        return [t.c.title_keys.op("@>")(bindparam("keys", type_=_KEYS)), _confirmed()]
    return [func.instr(func.lower(t.c.title), bindparam("kw")) > _ZERO]


def _filters(dialect: str, country: bool, industry: bool, keyword: bool) -> list[Any]:
    found: list[Any] = [t.c.withdrawn.is_(false())]
    if country:
        found.append(_tag_filter("country", "country"))
    if industry:
        found.append(_tag_filter("industry", "industry"))
    if keyword:
        found += _keyword_filter(dialect)
    return found


def _newest(query: Select[Any]) -> Select[Any]:
    return query.order_by(t.c.published_at.desc(), t.c.article_id.desc())


def _after() -> Any:
    """The keyset: rows older than the last one shown."""
    at = bindparam("after_at", type_=t.c.published_at.type)
    key = bindparam("after_id", type_=t.c.article_id.type)
    return or_(t.c.published_at < at, and_(t.c.published_at == at, t.c.article_id < key))


def _in_category(category: ArticleCategory | None) -> Any:
    return t.c.category == (bindparam("category") if category is None else _constant(category.value))


def _recent(category: ArticleCategory, country: bool, industry: bool, keyset: bool,
            limit: int) -> Select[Any]:
    """A list's newest ``RECENT_WINDOW`` rows read in index order, those holding the keyword
    kept: where a keyword is common this answers at once, whatever the planner believes."""
    where = [_in_category(category), *_filters("postgresql", country, industry, False)]
    if keyset:
        where.append(_after())
    window = (_newest(select(*_HEADLINE).where(*where)).limit(_number(RECENT_WINDOW))
              .subquery("recent"))
    shown = window.c
    return (select(window).where(func.strpos(func.lower(shown.title), bindparam("kw")) > _ZERO)
            .order_by(shown.published_at.desc(), shown.article_id.desc()).limit(_number(limit)))


def _indexed(category: ArticleCategory, country: bool, industry: bool, keyset: bool,
             limit: int) -> Select[Any]:
    """The same list through the category's GIN index of title keys (its name is written in,
    so the planner can take that category's partial index): for a rare keyword."""
    where = [_in_category(category), *_filters("postgresql", country, industry, True)]
    if keyset:
        where.append(_after())
    return _newest(select(*_HEADLINE).where(*where)).limit(_number(limit))


@lru_cache(maxsize=64)
def _overview(dialect: str, country: bool, industry: bool, keyword: bool, per: int) -> Any:
    """The four modules in one statement: per category, the newest few that match. On
    PostgreSQL a keyword reads each category's recent rows (:func:`_recent`); the categories
    they leave short are asked again through their indexes (:func:`_overview_indexed`)."""
    if keyword and dialect == "postgresql":
        return union_all(*(select(_recent(c, country, industry, False, per).subquery())
                           for c in ArticleCategory))
    where = _filters(dialect, country, industry, keyword)
    parts = [_newest(select(*_HEADLINE).where(_in_category(c), *where)).limit(_number(per))
             .subquery() for c in ArticleCategory]
    return union_all(*(select(part) for part in parts))


@lru_cache(maxsize=128)
def _overview_indexed(categories: tuple[ArticleCategory, ...], country: bool,
                      industry: bool, per: int) -> Any:
    """PostgreSQL, the categories whose recent rows held too few: each through its own index."""
    return union_all(*(select(_indexed(c, country, industry, False, per).subquery())
                       for c in categories))


@lru_cache(maxsize=256)
def _page(dialect: str, country: bool, industry: bool, keyword: bool, keyset: bool,
          limit: int) -> Any:
    where = _filters(dialect, country, industry, keyword)
    if keyset:
        where.append(_after())
    return _newest(select(*_HEADLINE).where(_in_category(None), *where)).limit(_number(limit))


@lru_cache(maxsize=256)
def _page_searched(category: ArticleCategory, country: bool, industry: bool, keyset: bool,
                   limit: int) -> tuple[Any, Any]:
    """PostgreSQL, a category's page for a keyword: its recent rows, then its index."""
    return (_recent(category, country, industry, keyset, limit),
            _indexed(category, country, industry, keyset, limit))


def _search_params(dialect: str, search: ArticleSearch) -> dict[str, Any]:
    params: dict[str, Any] = {"country": search.country, "industry": search.industry}
    key = search.key
    if key:
        params["kw"] = key
        if dialect == "postgresql":
            params["keys"] = keyword_keys(key)
    return params


def _shape(search: ArticleSearch) -> tuple[bool, bool, bool]:
    return bool(search.country), bool(search.industry), bool(search.key)


def _article_values(article: RiskArticle, dialect: str, *, withdrawn: bool, body_html: str | None,
                    has_attachments: bool, received_at: datetime,
                    message_id: str) -> dict[str, Any]:
    return {"article_id": article.article_id, "version": article.version, "withdrawn": withdrawn,
            "category": article.category.value, "title": article.title,
            "title_keys": search_keys(article.title) if dialect == "postgresql" else None,
            "summary": None if withdrawn else article.summary, "body_html": body_html,
            "countries": "" if withdrawn else ",".join(article.countries),
            "industries": "" if withdrawn else ",".join(article.industries),
            "published_at": article.published_at, "received_at": received_at,
            "message_id": message_id, "has_attachments": has_attachments}


class SqlRiskArticles:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    @property
    def _dialect(self) -> str:
        return self.conn.dialect.name

    async def held_version(self, article_id: str) -> int | None:
        """The version held, locked until commit so two versions of one article decide in turn."""
        query = select(t.c.version).where(t.c.article_id == article_id).with_for_update()
        return (await self.conn.execute(query)).scalar()

    async def hold(self, article: RiskArticle, *, body_html: str | None,
                   attachments: Sequence[StoredAttachment], received_at: datetime,
                   message_id: str) -> bool:
        """The article becomes this version (a withdrawal when ``body_html`` is None); False
        when a version at least as new is already held (the upsert's guard decides)."""
        withdrawn = body_html is None
        values = _article_values(article, self._dialect, withdrawn=withdrawn, body_html=body_html,
                                 has_attachments=bool(attachments), received_at=received_at,
                                 message_id=message_id)
        into = (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(t)
        values_in = into.values(values)
        statement = values_in.on_conflict_do_update(
            index_elements=[t.c.article_id],
            set_={name: values_in.excluded[name] for name in values if name != "article_id"},
            where=t.c.version < values_in.excluded.version).returning(t.c.article_id)
        if (await self.conn.execute(statement)).first() is None:
            return False
        await self._replace_parts(article, withdrawn, attachments)
        return True

    async def _replace_parts(self, article: RiskArticle, withdrawn: bool,
                             attachments: Sequence[StoredAttachment]) -> None:
        article_id = article.article_id
        await self.conn.execute(delete(tags).where(tags.c.article_id == article_id))
        await self.conn.execute(delete(files).where(files.c.article_id == article_id))
        if withdrawn:
            return
        rows = ([{"kind": "country", "code": c, "article_id": article_id}
                 for c in dict.fromkeys(article.countries)]
                + [{"kind": "industry", "code": c, "article_id": article_id}
                   for c in dict.fromkeys(article.industries)])
        if rows:
            await self.conn.execute(insert(tags), rows)
        if attachments:
            await self.conn.execute(insert(files), [
                {"article_id": article_id, "position": a.position, "file_name": a.file_name,
                 "content_type": a.content_type, "size": a.size, "sha256": a.sha256}
                for a in attachments])

    async def record_version(self, article: RiskArticle, *, message_id: str,
                             received_at: datetime, outcome: str) -> None:
        await self.conn.execute(insert(versions).values(
            article_id=article.article_id, version=article.version, action=article.action.value,
            title=article.title, message_id=message_id, received_at=received_at,
            outcome=outcome))

    async def overview(self, search: ArticleSearch, *, per_category: int
                       ) -> dict[ArticleCategory, list[ArticleHeadline]]:
        country, industry, keyword = _shape(search)
        params = _search_params(self._dialect, search)
        rows = await fetch(self.conn, _overview(self._dialect, country, industry, keyword,
                                                per_category), params)
        found: dict[ArticleCategory, list[ArticleHeadline]] = {c: [] for c in ArticleCategory}
        for headline in map(_headline, rows):
            found[headline.category].append(headline)
        short = tuple(c for c, items in found.items() if len(items) < per_category)
        if keyword and self._dialect == "postgresql" and short:
            indexed = await fetch(self.conn, _overview_indexed(short, country, industry,
                                                               per_category), params)
            found.update({category: [] for category in short})
            for headline in map(_headline, indexed):
                found[headline.category].append(headline)
        for items in found.values():
            items.sort(key=lambda h: (h.published_at, h.article_id), reverse=True)
        return found

    async def page(self, category: ArticleCategory, search: ArticleSearch, *, limit: int,
                   after: tuple[datetime, str] | None) -> list[ArticleHeadline]:
        """Newest first over the (category, published_at, article_id) index, keyset-paged;
        on PostgreSQL a keyword reads the recent rows first, then the category's GIN index
        when they held fewer than a page."""
        country, industry, keyword = _shape(search)
        params = {**_search_params(self._dialect, search), "category": category.value}
        if after:
            params["after_at"], params["after_id"] = after
        keyset = after is not None
        if keyword and self._dialect == "postgresql":
            recent, indexed = _page_searched(category, country, industry, keyset, limit)
            found = [_headline(row) for row in await fetch(self.conn, recent, params)]
            if len(found) < limit:
                found = [_headline(row) for row in await fetch(self.conn, indexed, params)]
            return found
        statement = _page(self._dialect, country, industry, keyword, keyset, limit)
        return [_headline(row) for row in await fetch(self.conn, statement, params)]

    async def latest(self, limit: int) -> list[ArticleHeadline]:
        """The newest of all categories (the home page's 最新风险信息, the public headlines)."""
        query = _newest(select(*_HEADLINE).where(t.c.withdrawn.is_(false()))).limit(limit)
        return [_headline(row) for row in await self.conn.execute(query)]

    async def detail(self, article_id: str) -> ArticleDetail | None:
        query = select(t).where(t.c.article_id == article_id, t.c.withdrawn.is_(false()))
        row = (await self.conn.execute(query)).first()
        if row is None:
            return None
        listed = await self.conn.execute(
            select(files).where(files.c.article_id == article_id).order_by(files.c.position))
        attachments = tuple(StoredAttachment(a.position, a.file_name, a.content_type, a.size,
                                             a.sha256) for a in listed)
        return ArticleDetail(_headline(row), row.version, _codes(row.countries),
                             _codes(row.industries), row.body_html or "", attachments)

    async def attachment(self, article_id: str, position: int) -> StoredAttachment | None:
        """One attachment of a held (not withdrawn) article."""
        query = (select(files).join(t, t.c.article_id == files.c.article_id)
                 .where(files.c.article_id == article_id, files.c.position == position,
                        t.c.withdrawn.is_(false())))
        row = (await self.conn.execute(query)).first()
        return None if row is None else StoredAttachment(row.position, row.file_name,
                                                         row.content_type, row.size, row.sha256)
