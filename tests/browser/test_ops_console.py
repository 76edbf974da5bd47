"""The operator console at /ops/ in the browser: a wrong token is refused on the login form,
the right one opens the timeline of an object, the inbox, the outbox, the dead letters (one
replayed, then delivered), the backlog and the chart of messages per minute."""

from __future__ import annotations

import aiohttp
import pytest

from mock_insurer import running_mock_insurer
from mock_insurer.faults import FaultMode
from tests.browser.conftest import choose, open_page
from tests.harness import eventually, hub_settings, portal_token, running_hub

pytestmark = pytest.mark.browser
USCC = "91350100M000100Y43"


async def _dead_letters(hub) -> list[dict]:
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer operator-demo-token"}) as s, \
            s.get(f"{hub.base_url}/ops/v1/dead-letters") as r:
        return list((await r.json())["items"])


async def test_the_operator_console(db_url, db, browser) -> None:
    async with running_mock_insurer() as mock, running_hub(db, hub_settings(
            db_url, insurer_url=mock.base_url, demo=True)) as hub:
        await mock.state.set_fault(FaultMode.SOAP_CLIENT, count=1)  # REST: 400 + REJECTED → dead letter
        async with aiohttp.ClientSession(headers=portal_token(hub.settings)) as session, \
                session.post(f"{hub.base_url}/portal/v1/agreements", json={
                    "seal_id": f"{USCC}-01", "agree": True}) as r:
            assert r.status == 201
            number = (await r.json())["agreement_no"]
        [letter] = await eventually(lambda: _dead_letters(hub))

        screens = await open_page(browser, hub.base_url, f"ops-{db.dialect}")
        page = screens.page
        await page.goto("/ops/")
        await page.wait_for_url("**/ops/login**")
        await page.locator("input[data-test=ops-token]").fill("wrong-token")
        await page.locator("[data-test=ops-login]").click()
        await page.locator(".el-form-item__error").wait_for()
        await screens.check("login-refused")
        await page.locator("input[data-test=ops-token]").fill("operator-demo-token")
        await page.locator("[data-test=ops-login]").click()
        await page.wait_for_url("**/ops/")

        await choose(page, "[data-test=object-type]", "agreement")
        await page.locator("input[data-test=object-id]").fill(number)
        await page.locator("[data-test=timeline-search]").click()
        timeline = page.locator("[data-test=timeline-table] tbody tr")
        await timeline.first.wait_for()
        assert "state_changed" in await page.locator("[data-test=timeline-table]").inner_text()
        await screens.check("timeline")

        await page.get_by_role("tab", name="死信").click()
        dead = page.locator("[data-test=dead-table]")
        await dead.get_by_text(letter["business_serial"]).wait_for()
        await screens.check("dead-letters")
        await dead.locator("[data-test=replay]").click()
        await page.get_by_role("button", name="重发").last.click()
        await dead.get_by_text("没有死信").wait_for()
        assert await eventually(lambda: _received(mock, f"{number}-SIGN"))

        await page.get_by_role("tab", name="发件箱").click()
        await page.locator("[data-test=outbox-table]").get_by_text("SIGNED_AGREEMENT").first.wait_for()
        assert "dead 0" in await page.locator("[data-test=outbox-counts]").inner_text()
        await screens.check("outbox")
        await page.get_by_role("tab", name="收件箱").click()
        await page.locator("[data-test=inbox-table]").get_by_text("收件箱为空").wait_for()
        await screens.check("inbox")
        await page.get_by_role("tab", name="积压").click()
        await page.locator("[data-test=backlog-count]").wait_for()
        assert (await page.locator("[data-test=dead-count]").inner_text()).strip() == "0"
        await screens.check("backlog")
        await page.get_by_role("tab", name="报文统计").click()
        await page.locator("[data-test=bar-chart] svg").wait_for()
        assert (await page.locator("[data-test=chart-total]").inner_text()).strip() == "合计 1 条报文"
        await screens.check("chart")


async def _received(mock, serial: str):
    return mock.store.get(serial)
