"""系统首页 (第二章 一, H-1 … H-6): every count on the home page is the length of the list its
``href`` opens, paged to the end; the 信息订阅 modules are the first rows of their lists and
最新风险信息 the newest articles of all. The enterprise gets there the way its day would
(harness shortcuts through the hub's own use cases): a policy in force and unread, an
application returned, a new pending policy, claims reviewed both ways, one waiting, one
draft; the insurer has pushed articles in every category, corrected one and withdrawn one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from yarl import URL

from adapter.domain.claim import ClaimReview, ClaimStatus, ReviewResult
from adapter.domain.exchange import Envelope
from adapter.domain.insurance import ApplicationReceipt, ReceiptResult
from adapter.domain.risk_article import ArticleAction, ArticleCategory, RiskArticle
from adapter.persistence.database import Database
from adapter.persistence.unit_of_work import SqlUnitsOfWork
from adapter.ports.attachments import FolderAttachmentStore
from adapter.service_layer import claim, insurance, risk_articles
from tests.claims_harness import claim_submitted, complete_claim, effective_policy
from tests.harness import USCC, hub_settings, portal_token, running_hub
from tests.insurance_harness import pending, submitted

START = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def envelope(kind: str, serial: str) -> Envelope:
    return Envelope.new(kind, business_serial=serial, sender="SINOSURE", receiver="SWCREDIT")


async def insurance_day(db: Database) -> None:
    """生效 and 待收悉 (PP-H-1), 退回 (PP-H-2), a new 待确认 (PP-H-3)."""
    await effective_policy(db, "PP-H-1")
    await submitted(db, "PP-H-2", "TB-PP-H-2")
    returned = ApplicationReceipt("PP-H-2", "TB-PP-H-2", USCC, ReceiptResult.RETURNED,
                                  datetime.now(UTC), return_reason="投保信息不完整")
    async with SqlUnitsOfWork(db).begin() as uow:
        [refusal] = await insurance.apply_receipts(uow, [(returned, envelope("APPLICATION_RECEIPT",
                                                                            "AR-PP-H-2"))])
        assert refusal is None, refusal
        await uow.commit()
    await pending(db, "PP-H-3")


async def claim_day(db: Database) -> None:
    """Two claims reviewed (审核通过, 退回), one waiting for its review, one draft."""
    for number in ("SP2026H0001", "SP2026H0002", "SP2026H0003"):
        await claim_submitted(db, number, f"CL-{number}")
    async with SqlUnitsOfWork(db).begin() as uow:
        await uow.claims.add(complete_claim("SP2026H0004", offer_no="PP-H-1"))
        reviews = [ClaimReview(number, f"CL-{number}", USCC, result, datetime.now(UTC), "陈立群",
                               "0592-5123456", "单证不全" if result is ReviewResult.RETURNED else None)
                   for number, result in (("SP2026H0001", ReviewResult.APPROVED),
                                          ("SP2026H0002", ReviewResult.RETURNED))]
        refusals = await claim.apply_reviews(
            uow, [(r, envelope("CLAIM_REVIEW", f"CR-{r.claim_no}")) for r in reviews])
        assert refusals == [None, None], refusals
        await uow.commit()


def article(n: int, category: ArticleCategory, *, version: int = 1,
            action: ArticleAction = ArticleAction.PUBLISH) -> RiskArticle:
    return RiskArticle(f"RA-HOME-{n:03d}", version, action, category, f"风险资讯第{n}期（第{version}版）",
                       START + timedelta(hours=n), countries=("USA",), body="<p>正文</p>")


async def risk_day(db: Database, store: FolderAttachmentStore) -> None:
    """Seven articles a category (more than a module shows), one corrected, one withdrawn."""
    categories = list(ArticleCategory)
    items = [article(n, categories[n % 4]) for n in range(28)]
    items += [article(27, categories[27 % 4], version=2),
              article(26, categories[26 % 4], version=2, action=ArticleAction.WITHDRAW)]
    async with SqlUnitsOfWork(db).begin() as uow:
        refusals = await risk_articles.receive_articles(
            uow, store, [(a, envelope("RISK_ARTICLE", f"{a.article_id}-V{a.version}")) for a in items])
        assert not any(refusals), refusals
        await uow.commit()


async def get(session: aiohttp.ClientSession, url: str | URL) -> dict[str, Any]:
    async with session.get(url) as response:
        assert response.status == 200, await response.text()
        return await response.json()  # type: ignore[no-any-return]


async def listed(session: aiohttp.ClientSession, base: str, href: str) -> list[dict[str, Any]]:
    """Every row of the list ``href`` opens, following ``next_cursor`` to the end, two a page
    where the list pages (so the paging itself is crossed)."""
    url = URL(base + href)
    if "pending-policies" not in href and "risk-articles" not in href:
        url = url.update_query(limit=2)
    rows: list[dict[str, Any]] = []
    while True:
        page = await get(session, url)
        rows += page["items"]
        if not page.get("next_cursor"):
            return rows
        url = url.update_query(cursor=page["next_cursor"])


async def test_every_home_count_is_the_length_of_the_list_it_opens(db_url, db, tmp_path) -> None:
    await insurance_day(db)
    await claim_day(db)
    await risk_day(db, FolderAttachmentStore(tmp_path / "blobs"))
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession(headers=portal_token(hub.settings)) as session:
        home = await get(session, f"{hub.base_url}/portal/v1/home")
        counts = home["insurance"]["items"] + home["claims"]["items"]
        lists = {c["key"]: await listed(session, hub.base_url, c["list"]["href"]) for c in counts}
        modules = {m["code"]: await listed(session, hub.base_url, m["more"])
                   for m in home["subscriptions"]["modules"]}
        search = await get(session, hub.base_url + home["latest_risk"]["more"])
        headlines = await get(session, f"{hub.base_url}/portal/v1/public/risk-headlines")
    assert {c["key"]: c["count"] for c in counts} == {
        "pending_policies": 1, "policy_notices": 1, "returned_applications": 1, "claim_results": 2}
    assert {c["key"]: len(lists[c["key"]]) for c in counts} == {c["key"]: c["count"] for c in counts}
    assert all(c["clickable"] for c in counts)
    assert sorted((r["claim_no"], r["result"]) for r in lists["claim_results"]) == [
        ("SP2026H0001", "审核通过"), ("SP2026H0002", "退回")]
    assert {r["status"] for r in lists["claim_results"]} == {ClaimStatus.APPROVED.value,
                                                            ClaimStatus.RETURNED.value}
    assert home["pending_prompt"]["offer_no"] == "PP-H-3"
    assert [m["name"] for m in home["subscriptions"]["modules"]] == [
        "国别风险预警", "重点行业风险预警", "一带一路专报", "国际贸易和投资要闻"]
    for module in home["subscriptions"]["modules"]:
        shown = [i["article_id"] for i in module["items"]]
        assert len(shown) == 5 and shown == [r["article_id"] for r in modules[module["code"]]][:5]
    latest = [i["article_id"] for i in home["latest_risk"]["items"]]
    assert latest == [i["article_id"] for i in headlines["items"]]
    assert "RA-HOME-026" not in latest and latest[0] == "RA-HOME-027"
    assert home["latest_risk"]["items"][0]["title"] == "风险资讯第27期（第2版）"
    assert [c["code"] for c in search["categories"]] == [m["code"] for m in
                                                         home["subscriptions"]["modules"]]


async def test_without_a_signed_agreement_nothing_counts_and_nothing_is_clickable(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession(headers=portal_token(hub.settings)) as session:
        home = await get(session, f"{hub.base_url}/portal/v1/home")
        async with session.get(f"{hub.base_url}/portal/v1/claim-results") as refused:
            status = refused.status
    counts = home["insurance"]["items"] + home["claims"]["items"]
    assert [(c["count"], c["clickable"]) for c in counts] == [(0, False)] * 4
    assert home["pending_prompt"] is None and home["latest_risk"]["items"] == []
    assert status == 409
