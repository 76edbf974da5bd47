"""关键字 search (R-2, R-3) beyond a category's recent rows: on PostgreSQL a keyword is first
looked for among a module's newest rows and, when they hold too few, through the module's
GIN index of title keys; either way the answer is what a scan of every title would give.
A module with more articles than that window: a keyword common among the newest, one
found only in old titles, one in a few new and many old titles, one in no title, and a
withdrawn article holding them all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from adapter.domain.exchange import Envelope
from adapter.domain.risk_article import ArticleAction, ArticleCategory, RiskArticle
from adapter.persistence.database import Database
from adapter.persistence.risk_articles import RECENT_WINDOW
from adapter.persistence.unit_of_work import SqlUnitsOfWork
from adapter.ports.attachments import FolderAttachmentStore
from adapter.service_layer.risk_articles import receive_articles
from tests.harness import hub_settings, portal_token, running_hub

START = datetime(2024, 1, 1, tzinfo=UTC)
COUNT = RECENT_WINDOW + 150
KEYWORDS = ("美国", "稀土", "芯片", "火星探测", "USA")


def title(n: int) -> str:
    """Newest articles have the highest n: 美国 in every third, 稀土 only in the oldest
    hundred, 芯片 in three new ones and in every tenth old one, USA in every seventh."""
    parts = ["风险提示"]
    if n % 3 == 0:
        parts.append("美国")
    if n < 100 and n % 2 == 0:
        parts.append("稀土出口")
    if n in (COUNT - 2, COUNT - 40, COUNT - 90) or (n < COUNT - RECENT_WINDOW and n % 10 == 0):
        parts.append("芯片")
    if n % 7 == 0:
        parts.append("usa")
    return "".join(parts) + f"第{n}期"


def article(n: int, category: ArticleCategory, *, withdrawn: bool = False) -> RiskArticle:
    return RiskArticle(f"RA-SEARCH-{category.value}-{n:04d}", 2 if withdrawn else 1,
                       ArticleAction.WITHDRAW if withdrawn else ArticleAction.PUBLISH, category,
                       title(n), START + timedelta(hours=n),
                       countries=("USA",) if n % 4 == 0 else ("VNM",), body="<p>正文</p>")


async def publish(db: Database, store: FolderAttachmentStore) -> dict[str, dict[str, Any]]:
    """COUNT articles in 国别风险预警, a few in each other module; the newest one withdrawn."""
    items = [article(n, ArticleCategory.COUNTRY) for n in range(COUNT)]
    items += [article(n, c) for c in list(ArticleCategory)[1:] for n in range(0, COUNT, 37)]
    items.append(article(COUNT - 1, ArticleCategory.COUNTRY, withdrawn=True))
    async with SqlUnitsOfWork(db).begin() as uow:
        refusals = await receive_articles(uow, store, [
            (a, Envelope.new("RISK_ARTICLE", business_serial=f"{a.article_id}-V{a.version}",
                             sender="SINOSURE", receiver="SWCREDIT")) for a in items])
        assert not any(refusals), refusals
        await uow.commit()
    held = {a.article_id: {"category": a.category.value, "title": a.title, "at": a.published_at,
                           "usa": "USA" in a.countries} for a in items}
    held[f"RA-SEARCH-COUNTRY-{COUNT - 1:04d}"]["withdrawn"] = True
    return held


def expected(held: dict[str, dict[str, Any]], category: str, keyword: str,
             usa: bool = False) -> list[str]:
    found = [(a["at"], i) for i, a in held.items()
             if a["category"] == category and not a.get("withdrawn")
             and keyword.lower() in a["title"].lower() and (a["usa"] or not usa)]
    return [i for _at, i in sorted(found, reverse=True)]


async def pages(session: aiohttp.ClientSession, url: str, **query: str) -> list[str]:
    found, cursor = [], None
    while True:
        async with session.get(url, params={**query, **({"cursor": cursor} if cursor else {})}) as r:
            assert r.status == 200, await r.text()
            page = await r.json()
        found += [i["article_id"] for i in page["items"]]
        if not (cursor := page["next_cursor"]):
            return found


async def test_a_keyword_finds_what_a_scan_of_every_title_finds(db_url, db, tmp_path) -> None:
    held = await publish(db, FolderAttachmentStore(tmp_path / "blobs"))
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession(headers=portal_token(hub.settings)) as session:
        api = f"{hub.base_url}/portal/v1/risk-articles"
        shown, listed = {}, {}
        for keyword in KEYWORDS:
            async with session.get(api, params={"keyword": keyword}) as r:
                shown[keyword] = {m["code"]: [i["article_id"] for i in m["items"]]
                                  for m in (await r.json())["categories"]}
            listed[keyword] = await pages(session, f"{api}/categories/COUNTRY", keyword=keyword)
        usa = await pages(session, f"{api}/categories/COUNTRY", keyword="芯片", country="USA")
    for keyword in KEYWORDS:
        assert shown[keyword] == {c.value: expected(held, c.value, keyword)[:5]
                                  for c in ArticleCategory}, keyword
        assert listed[keyword] == expected(held, "COUNTRY", keyword), keyword
    assert usa == expected(held, "COUNTRY", "芯片", usa=True)
    assert len(listed["美国"]) > RECENT_WINDOW // 3 and listed["火星探测"] == []
    assert all(int(i[-4:]) < 100 for i in listed["稀土"])
