"""The portal's two zones (P-1 政策性出口信用保险服务专区, P-2 金融服务专区) and their login
redirect: an anonymous visitor's every entry that needs a login goes through the Single
Window's login and comes back to the entry's target; a logged-in visitor goes straight
there; no return target outside the portal's own paths is ever redirected to; and each
zone's risk columns show the latest headlines, the rows the public headlines call answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from yarl import URL

from adapter.config import PortalZoneSettings
from adapter.domain.exchange import Envelope
from adapter.domain.risk_article import ArticleAction, ArticleCategory, RiskArticle
from adapter.persistence.database import Database
from adapter.persistence.unit_of_work import SqlUnitsOfWork
from adapter.portal.login_redirect import ReturnTargetRefused, return_target
from adapter.ports.attachments import FolderAttachmentStore
from adapter.service_layer.risk_articles import receive_articles
from tests.harness import hub_settings, portal_token, running_hub

# The address the Single Window knows the hub by: where the login sends the visitor back.
PUBLIC_BASE = "https://credit.singlewindow.example"

HOSTILE = [
    "https://evil.example/policy-credit/",
    "http:/policy-credit/claims",
    "//evil.example/policy-credit/",
    "///evil.example/policy-credit/",
    "/\\evil.example/policy-credit/",
    "\\\\evil.example\\policy-credit\\",
    "/policy-credit\\..\\..\\evil",
    "javascript:alert(1)//policy-credit/",
    "data:text/html,<script>alert(1)</script>",
    "/policy-credit/../../evil.example",
    "/policy-credit/./claims",
    "/./policy-credit/claims",
    "/%2F%2Fevil.example",
    "/policy-credit/%2e%2e/%2e%2e/admin",
    "/policy-credit/%5c%5cevil.example",
    "%2F%2Fevil.example",
    "/policy-credit/claims@evil.example",
    "/policy-credit/claims#//evil.example",
    "/policy-credit/claims?next=//evil.example",
    "/policy-credit/claims?x=%zz",
    "/policy-credit/ｃｌａｉｍｓ",
    "/policy-credit/claims\u3002evil.example",
    " /policy-credit/claims",
    "/policy-credit/claims ",
    "policy-credit/claims",
    "/admin/",
    "/policy-creditx/claims",
    "/portal/v1/home",
    "/" + "a" * 600,
    "",
]
ALLOWED = [
    "/policy-credit/insurance/small-micro",
    "/policy-credit",
    "/policy-credit/risk?category=COUNTRY&keyword=%E8%8A%AF%E7%89%87",
    "/zones/credit-insurance",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_a_hostile_return_target_is_refused(target: str) -> None:
    with pytest.raises(ReturnTargetRefused) as refused:
        return_target(target, PortalZoneSettings())
    assert (refused.value.code, refused.value.path) == ("E-RETURN-TARGET", "$query.return_to")


@pytest.mark.parametrize("target", ALLOWED)
def test_the_portals_own_paths_are_allowed(target: str) -> None:
    assert return_target(target, PortalZoneSettings()) == target


async def _location(session: aiohttp.ClientSession, url: str | URL, **kw) -> tuple[int, str | None]:
    async with session.get(url, allow_redirects=False, **kw) as r:
        return r.status, r.headers.get("Location")


async def test_no_hostile_target_is_redirected_to_on_either_leg(db_url, db) -> None:
    """Over HTTP the same list, sent as the query decodes it and as raw bytes (double
    encoded, CR/LF), on the way to the login and on the way back: 422, never a Location."""
    raw = ["%2F%2Fevil.example", "%252F%252Fevil.example", "%2F%5Cevil.example",
           "%2Fpolicy-credit%2Fclaims%0d%0aLocation:%20https://evil.example",
           "https%3A%2F%2Fevil.example"]
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        answers = []
        for leg in ("/portal/v1/login", "/portal/v1/login/return"):
            base = URL(hub.base_url + leg)
            for target in HOSTILE:
                answers.append((target, *await _location(session, base.with_query(return_to=target))))
            for encoded in raw:
                url = URL(f"{hub.base_url}{leg}?return_to={encoded}", encoded=True)
                answers.append((encoded, *await _location(session, url)))
            answers.append(("(missing)", *await _location(session, base)))
    assert [(t, s, loc) for t, s, loc in answers if s != 422 or loc is not None] == []


def _local(hub_url: str, back: str) -> str:
    """The return address the login was given, asked of this hub on loopback."""
    parts = urlsplit(back)
    return f"{hub_url}{parts.path}?{parts.query}"


async def test_an_anonymous_visitor_goes_through_the_login_and_back_to_every_entry(db_url, db) -> None:
    settings = hub_settings(db_url, dispatcher=False, public_base_url=PUBLIC_BASE)
    async with running_hub(db, settings) as hub, aiohttp.ClientSession() as session:
        zones = {}
        for name in ("credit-insurance", "financial-services"):
            async with session.get(f"{hub.base_url}/portal/v1/zones/{name}") as r:
                assert r.status == 200
                zones[name] = await r.json()
        entries = [e for z in zones.values() for m in z["services"] for e in m["entries"]]
        journeys = []
        for entry in entries:
            status, to_login = await _location(session, hub.base_url + entry["href"])
            assert status == 302 and to_login is not None
            assert to_login.startswith("https://app.singlewindow.cn/cas/login?service=")
            [back] = parse_qs(urlsplit(to_login).query)["service"]
            assert back.startswith(f"{PUBLIC_BASE}/portal/v1/login/return?")
            journeys.append((entry["target"],
                             *await _location(session, _local(hub.base_url, back) + "&ticket=ST-1")))
    assert all(not z["logged_in"] for z in zones.values())
    assert all(e["login_first"] for e in entries) and len(entries) >= 10
    assert journeys == [(e["target"], 302, e["target"]) for e in entries]
    credit = zones["credit-insurance"]
    assert [m["name"] for m in credit["services"]] == ["我要投保", "我要索赔", "我要签约", "我要融资"]
    assert [e["name"] for e in credit["services"][0]["entries"]] == ["小微投保", "投保咨询", "投保指南"]
    assert [c["more_href"] for c in credit["risk"]["columns"]] == [
        "/zones/trade-info/country-alerts", "/zones/trade-info/trade-news"]
    financial = zones["financial-services"]
    assert [m["name"] for m in financial["services"]] == ["我要投保", "我要理赔", "我要融资", "风险资讯"]
    assert financial["services"][1]["entries"] == credit["services"][1]["entries"]
    assert financial["institutions"][0]["href"] == "/zones/credit-insurance"
    [latest] = financial["risk"]["columns"]
    assert latest["more_href"] == "/portal/v1/login?return_to=%2Fpolicy-credit%2Frisk"


async def test_without_a_public_base_the_login_returns_to_the_host_the_visitor_asked(db_url, db) -> None:
    """No ``public_base_url``: the way back names the host of the visitor's own request (the
    Host header a proxy passes on), never the address the hub happens to listen on."""
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        url = URL(hub.base_url + "/portal/v1/login").with_query(return_to="/policy-credit/claims")
        status, to_login = await _location(session, url, headers={"Host": "portal.example.cn:8443"})
    assert status == 302 and to_login is not None
    [back] = parse_qs(urlsplit(to_login).query)["service"]
    assert back == ("http://portal.example.cn:8443/portal/v1/login/return?"
                    "return_to=%2Fpolicy-credit%2Fclaims")


def _article(n: int, category: ArticleCategory) -> RiskArticle:
    return RiskArticle(f"RA-ZONE-{n:03d}", 1, ArticleAction.PUBLISH, category, f"专区风险资讯第{n}期",
                       datetime(2026, 5, 1, tzinfo=UTC) + timedelta(hours=n), body="<p>正文</p>")


async def _publish(db: Database, store: FolderAttachmentStore, count: int) -> None:
    categories = list(ArticleCategory)
    items = [(_article(n, categories[n % 4]),
              Envelope.new("RISK_ARTICLE", business_serial=f"RA-ZONE-{n:03d}-V1", sender="SINOSURE",
                           receiver="SWCREDIT")) for n in range(count)]
    async with SqlUnitsOfWork(db).begin() as uow:
        assert not any(await receive_articles(uow, store, items))
        await uow.commit()


async def test_each_zones_risk_columns_show_the_latest_headlines(db_url, db, tmp_path) -> None:
    await _publish(db, FolderAttachmentStore(tmp_path / "blobs"), 30)
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        columns, headlines = [], []
        for name in ("credit-insurance", "financial-services"):
            status, zone = await _zone(session, f"{hub.base_url}/portal/v1/zones/{name}")
            assert status == 200
            for column in zone["risk"]["columns"]:
                columns.append(column)
                headlines.append((await _zone(session, hub.base_url + column["api"]))[1]["items"])
    assert [c["name"] for c in columns] == ["国别资讯与预警分析", "国际贸易与投资要闻", "最新风险信息"]
    assert [c["items"] for c in columns] == headlines
    assert [len(c["items"]) for c in columns] == [5, 5, 5]
    assert {i["category"] for i in columns[0]["items"]} == {"COUNTRY"}
    assert {i["category"] for i in columns[1]["items"]} == {"TRADE-NEWS"}
    assert [i["article_id"] for i in columns[2]["items"]] == [f"RA-ZONE-{n:03d}" for n in range(29, 24, -1)]


async def test_a_zone_without_articles_shows_empty_columns(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        status, zone = await _zone(session, f"{hub.base_url}/portal/v1/zones/credit-insurance")
    assert status == 200 and [c["items"] for c in zone["risk"]["columns"]] == [[], []]


async def test_a_logged_in_visitor_goes_straight_to_the_target(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession(headers=portal_token(hub.settings)) as session:
        async with session.get(f"{hub.base_url}/portal/v1/zones/credit-insurance") as r:
            zone = await r.json()
            cache = r.headers["Cache-Control"]
        straight = await _location(session, URL(hub.base_url + "/portal/v1/login").with_query(
            return_to="/policy-credit/claims"))
    entries = [e for m in zone["services"] for e in m["entries"]]
    assert zone["logged_in"] and all(e["href"] == e["target"] for e in entries)
    assert not any(e["login_first"] for e in entries)
    assert cache == "private, no-cache"
    assert straight == (302, "/policy-credit/claims")


async def test_a_bad_token_on_a_zone_is_an_anonymous_visit(db_url, db) -> None:
    bad = {"Authorization": "Bearer not-a-token"}
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession(headers=bad) as session:
        status, zone = await _zone(session, f"{hub.base_url}/portal/v1/zones/financial-services")
    assert status == 200
    assert zone["logged_in"] is False
    assert zone["services"][0]["entries"][0]["href"].startswith("/portal/v1/login?return_to=")


async def _zone(session: aiohttp.ClientSession, url: str) -> tuple[int, dict]:
    async with session.get(url) as r:
        return r.status, await r.json()
