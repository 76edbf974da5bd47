"""A day of 风险资讯 end to end over real sockets (X-IN-6, R-1 … R-5, P-1): the mock insurer
pushes 40 articles in all four categories over SOAP and REST (one through its command line,
with an attachment and hostile HTML), corrects some, withdraws one, and sends an old version
late; an exporter searches, pages, reads and downloads; a visitor reads the headlines."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import aiohttp
from sqlalchemy import text

from adapter.config import PortSettings
from mock_insurer.__main__ import main as mock_insurer_cli
from mock_insurer.documents import risk_article
from mock_insurer.push import push
from tests.harness import OPERATOR, hub_settings, portal_token, running_hub

START = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
CATEGORIES = ["COUNTRY"] * 18 + ["INDUSTRY"] * 10 + ["BELT-AND-ROAD"] * 6 + ["TRADE-NEWS"] * 6
PLACES = ["美国", "越南", "巴西", "德国", "印度尼西亚"]
TOPICS = ["芯片出口管制", "汇率大幅波动", "买方拖欠增多", "港口拥堵", "关税调整"]
HOSTILE = ('<p onclick="steal()" style="background:url(javascript:alert(1));'
           'width:expression(alert(2))">美国芯片出口管制</p><script>alert("x")</script>'
           '<img src="https://example.com/a.png" onerror="alert(3)">'
           '<a href="javascript:alert(4)">点击</a><a href="https://www.sinosure.com.cn/">官网</a>')
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
FILE_NAME = '芯片管制清单"2025";\r\nX-Evil: 1.pdf'.replace("\r\n", " ")


@dataclass
class Held:
    """What the hub should hold of each article: the model the answers are checked against."""

    articles: dict[str, dict[str, object]] = field(default_factory=dict)

    def listed(self, category: str, keyword: str | None = None) -> list[str]:
        found = [(a["published_at"], i) for i, a in self.articles.items()
                 if a["category"] == category and not a["withdrawn"]
                 and (keyword is None or keyword in str(a["title"]))]
        return [i for _, i in sorted(found, reverse=True)]

    def latest(self) -> list[str]:
        found = [(a["published_at"], i) for i, a in self.articles.items() if not a["withdrawn"]]
        return [i for _, i in sorted(found, reverse=True)]


def article_id(n: int) -> str:
    return f"RA-DAY-{n:03d}"


def title_of(n: int) -> str:
    return f"{PLACES[n % len(PLACES)]}{TOPICS[(n // 5) % len(TOPICS)]}风险预警（第{n}期）"


async def deliver(hub_url: str, n: int, document: bytes) -> None:
    """Even articles over REST, odd ones over SOAP: the hub answers both the same."""
    result = await push(hub_url, document, channel="rest" if n % 2 == 0 else "soap")
    assert (result.http_status, result.ack_status) == (200, "ACCEPTED"), result


async def publish_all(hub_url: str, held: Held, tmp: str) -> None:
    for n in range(2, 41):
        category = CATEGORIES[n - 1]
        at = START + timedelta(hours=n)
        document = risk_article(article_id(n), title_of(n), category=category, published_at=at,
                                countries=("USA",) if n % 5 == 0 else ("VNM",),
                                industries=("C",) if n % 3 == 0 else ())
        await deliver(hub_url, n, document)
        held.articles[article_id(n)] = {"title": title_of(n), "category": category,
                                        "published_at": at, "withdrawn": False}
    # Article 1 through the mock insurer's command line: an attachment and hostile HTML.
    attachment = Path(tmp) / FILE_NAME
    attachment.write_bytes(PDF)
    code = await asyncio.to_thread(mock_insurer_cli, [
        "push", "risk-article", "--hub", hub_url, "--channel", "soap",
        "--article-id", article_id(1), "--title", "美国芯片出口管制升级预警", "--category", "INDUSTRY",
        "--country", "USA", "--industry", "C", "--body", HOSTILE, "--attachment", str(attachment),
        "--message-id", "SINOSURE-DAY-0001"])
    assert code == 0
    held.articles[article_id(1)] = {"title": "美国芯片出口管制升级预警", "category": "INDUSTRY",
                                    "published_at": None, "withdrawn": False}


async def correct_withdraw_and_late(hub_url: str, held: Held) -> None:
    for n in (3, 7):  # corrected: version 2 replaces the title
        at = held.articles[article_id(n)]["published_at"]
        title = f"（更正）{title_of(n)}"
        await deliver(hub_url, n, risk_article(article_id(n), title, category=CATEGORIES[n - 1],
                                      version=2, published_at=at))  # type: ignore[arg-type]
        held.articles[article_id(n)]["title"] = title
    await deliver(hub_url, 10, risk_article(article_id(10), title_of(10), category=CATEGORIES[9],
                                   version=2, withdraw=True, withdraw_reason="信息已过时"))
    held.articles[article_id(10)]["withdrawn"] = True
    # Version 1 of article 3 again, late and under a new message id: accepted, changes nothing.
    await deliver(hub_url, 4, risk_article(article_id(3), "旧版本标题", category=CATEGORIES[2],
                                  published_at=START))


async def get_json(session: aiohttp.ClientSession, url: str, **params: str) -> dict:
    async with session.get(url, params=params) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def all_pages(session: aiohttp.ClientSession, api: str, category: str,
                    **params: str) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = await get_json(session, f"{api}/risk-articles/categories/{category}", **query)
        pages.append([item["article_id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


async def test_a_day_of_risk_articles(db_url: str, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = hub_settings(db_url, dispatcher=False,
                            ports=PortSettings(attachments_dir=tmp_path / "blobs"))
    held = Held()
    async with running_hub(db, settings) as hub:
        await publish_all(hub.base_url, held, str(tmp_path))
        await correct_withdraw_and_late(hub.base_url, held)
        api = f"{hub.base_url}/portal/v1"
        async with aiohttp.ClientSession(headers=portal_token(hub.settings)) as session:
            detail = await get_json(session, f"{api}/risk-articles/{article_id(1)}")
            held.articles[article_id(1)]["published_at"] = datetime.fromisoformat(
                detail["published_at"])
            await check_overview(session, api, held)
            await check_keyword(session, api, held, "美国")
            await check_keyword(session, api, held, "芯片")
            await check_pages(session, api, held)
            await check_detail_and_download(session, api, detail)
            await check_withdrawn_and_corrected(session, api, hub.base_url)
        await check_public_and_login(hub.base_url, held)
        async with db.reading() as conn:
            raw = (await conn.execute(text(
                "SELECT raw FROM inbound_messages WHERE message_id = 'SINOSURE-DAY-0001'"))).scalar()
        assert b"<script>" in raw or b"&lt;script&gt;" in raw  # the inbox keeps it as received


async def check_overview(session: aiohttp.ClientSession, api: str, held: Held) -> None:
    overview = await get_json(session, f"{api}/risk-articles")
    assert [c["name"] for c in overview["categories"]] == [
        "国别风险预警", "重点行业风险预警", "一带一路专报", "国际贸易和投资要闻"]
    for module in overview["categories"]:
        assert [i["article_id"] for i in module["items"]] == held.listed(module["code"])[:5]
        assert module["more"] == f"/portal/v1/risk-articles/categories/{module['code']}"
    assert overview["credit_service"] == {"name": "资信服务",
                                          "url": "https://www.sinosure.com.cn/sinorating/"}


async def check_keyword(session: aiohttp.ClientSession, api: str, held: Held, keyword: str) -> None:
    """A two-character keyword finds exactly the titles that contain it, in every module."""
    overview = await get_json(session, f"{api}/risk-articles", keyword=keyword)
    for module in overview["categories"]:
        expected = held.listed(module["code"], keyword)
        assert [i["article_id"] for i in module["items"]] == expected[:5], keyword
        assert all(keyword in i["title"] for i in module["items"])
        pages = await all_pages(session, api, module["code"], keyword=keyword)
        assert [i for page in pages for i in page] == expected
    assert any(held.listed(c, keyword) for c in set(CATEGORIES))


async def check_pages(session: aiohttp.ClientSession, api: str, held: Held) -> None:
    pages = await all_pages(session, api, "COUNTRY")
    expected = held.listed("COUNTRY")
    assert len(expected) > 15
    assert [len(p) for p in pages] == [15, len(expected) - 15]
    assert [i for page in pages for i in page] == expected
    usa = await get_json(session, f"{api}/risk-articles/categories/COUNTRY", country="USA")
    assert {i["article_id"] for i in usa["items"]} == {
        article_id(n) for n in range(5, 41, 5) if CATEGORIES[n - 1] == "COUNTRY" and n != 10}
    industry = await get_json(session, f"{api}/risk-articles", industry="C")
    assert article_id(1) in [i["article_id"] for m in industry["categories"] for i in m["items"]]


async def check_detail_and_download(session: aiohttp.ClientSession, api: str, detail: dict) -> None:
    body = detail["body_html"]
    assert "美国芯片出口管制" in body and "https://www.sinosure.com.cn/" in body
    for hostile in ("<script", "alert", "onclick", "onerror", "javascript:", "style=",
                    "expression("):
        assert hostile not in body, hostile
    assert [c["code"] for c in detail["countries"]] == ["USA"]
    assert detail["industries"] == [{"code": "C", "name": "制造业"}]
    [attachment] = detail["attachments"]
    assert (attachment["file_name"], attachment["content_type"], attachment["size"]) == (
        FILE_NAME, "application/pdf", len(PDF))
    async with session.get(f"{api}/risk-articles/{article_id(1)}/attachments/1") as r:
        assert r.status == 200
        assert await r.read() == PDF
        assert r.headers["Content-Type"] == "application/pdf"
        disposition = r.headers["Content-Disposition"]
    assert disposition.endswith(f"filename*=UTF-8''{quote(FILE_NAME, safe='')}")
    assert disposition.startswith('attachment; filename="')
    assert "\n" not in disposition and "X-Evil: 1" not in disposition
    async with session.get(f"{api}/risk-articles/{article_id(1)}/attachments/2") as r:
        assert r.status == 404


async def check_withdrawn_and_corrected(session: aiohttp.ClientSession, api: str,
                                        base: str) -> None:
    async with session.get(f"{api}/risk-articles/{article_id(10)}") as r:
        assert r.status == 404
        assert (await r.json())["errors"][0]["code"] == "E-RISK-ARTICLE-NOT-FOUND"
    corrected = await get_json(session, f"{api}/risk-articles/{article_id(3)}")
    assert corrected["title"].startswith("（更正）") and corrected["version"] == 2
    async with session.get(f"{base}/ops/v1/timeline/risk_article/{article_id(3)}",
                           headers=OPERATOR) as r:
        events = [(e["event"], e["outcome"]) for e in (await r.json())["entries"]]
    assert events == [("message_received", "PUBLISH"), ("state_changed", "已发布"),
                      ("message_received", "PUBLISH"), ("state_changed", "已更正"),
                      ("message_received", "PUBLISH"), ("version_ignored", "1")]


async def check_public_and_login(base: str, held: Held) -> None:
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.get(f"{base}/portal/v1/public/risk-headlines") as r:
            assert r.status == 200
            items = (await r.json())["items"]
        assert [i["article_id"] for i in items] == held.latest()[:8]
        async with anonymous.get(f"{base}/portal/v1/risk-articles") as r:
            assert r.status == 401
