"""The insurance day clicked through the UI (I-1 … I-9): the home page's 待确认投保单 leads to
the offer, the form shows its read-only fields, the SMS dialog refuses a wrong code beside
the code field, the right one applies, the insurer's policy arrives (生效, 待收悉), 收悉,
the policy PDF shows; an inquiry is refused beside 其他需求, then sent and answered. The
mock insurer plays its side; the screen and the database agree."""

from __future__ import annotations

import re

import aiohttp
import pytest

from mock_insurer import running_mock_insurer
from tests.browser.conftest import choose, log_in, menu, open_page
from tests.harness import OPERATOR, eventually, hub_settings, portal_token, running_hub
from tests.insurance_harness import application_status

pytestmark = pytest.mark.browser
USCC = "91350200MA2Y0Q1X9G"  # 厦门鹭江外贸有限公司, the demo's second enterprise
NAME = "厦门鹭江外贸有限公司"
MOBILE = "13859012345"


async def _signed_and_offered(hub) -> str:
    """The agreement signed over the API (the agreement day's own test clicks it); the
    mock stamps it and offers the policy."""
    api = f"{hub.base_url}/portal/v1"
    async with aiohttp.ClientSession(headers=portal_token(hub.settings, uscc=USCC, name=NAME)) as session:
        async with session.get(f"{api}/seals") as r:
            seal = next(s for s in (await r.json())["items"] if s["usable"])
        async with session.post(f"{api}/agreements", json={"seal_id": seal["seal_id"], "agree": True}) as r:
            assert r.status == 201

        async def offered() -> str | None:
            async with session.get(f"{api}/insurance/pending-policies") as r:
                items = (await r.json())["items"]
            return items[0]["offer_no"] if items else None
        return str(await eventually(offered, timeout=20))


async def _latest_code(hub) -> str:
    async with aiohttp.ClientSession() as session, session.get(
            f"{hub.base_url}/ops/v1/sms-messages", params={"mobile": MOBILE}, headers=OPERATOR) as r:
        text = (await r.json())["items"][0]["text"]
    found = re.search(r"验证码为(\d{6})", text)
    assert found, text
    return found.group(1)


async def test_the_insurance_day_in_the_browser(db_url, db, browser) -> None:
    async with running_mock_insurer(stamp_on_signature=True, decision_delay_seconds=0.05) as mock, \
            running_hub(db, hub_settings(db_url, insurer_url=mock.base_url, demo=True)) as hub:
        mock.state.play.point_at(hub.base_url, "rest")
        offer_no = await _signed_and_offered(hub)
        screens = await open_page(browser, hub.base_url, f"insurance-{db.dialect}")
        page = screens.page
        await log_in(screens, "operator")
        await page.locator("[data-test=pending-prompt]").wait_for()
        link = page.locator("[data-test='summary-待确认投保单']")
        assert (await link.inner_text()).strip() == "待确认投保单（1）"
        await screens.check("home")

        await link.click()
        await page.locator("[data-test=five-steps]").wait_for()
        await page.locator("[data-test=view-pending]").click()
        await page.locator("[data-test=apply-form]").wait_for()
        assert await page.locator("input[data-test=ro-enterprise_name]").input_value() == NAME
        assert await page.locator("input[data-test=ro-uscc]").is_disabled()
        await screens.check("apply-form")
        await page.locator("[data-test=view-document]").click()
        assert await screens.pdf_shown() == b"%PDF-"
        await screens.check("application-pdf")
        await page.keyboard.press("Escape")

        await page.locator("input[data-test=contact-name]").fill("林晓梅")
        await page.locator("input[data-test=contact-mobile]").fill(MOBILE)
        await page.locator("input[data-test=contact-email]").fill("linxm@example.com")
        await page.locator("[data-test=declaration]").click()
        await page.locator("[data-test=confirm-apply]").click()
        await page.locator("[data-test=send-code]").click()
        await page.locator("[data-test=code-sent]").wait_for()
        code = await _latest_code(hub)
        await page.locator("input[data-test=sms-code]").fill("000000" if code != "000000" else "111111")
        await page.locator("[data-test=submit-code]").click()
        code_item = page.locator(".el-form-item", has=page.locator("[data-test=sms-code]"))
        await code_item.locator(".el-form-item__error", has_text="验证码错误，还可尝试4次").wait_for()
        await screens.check("sms-wrong-code")
        await page.locator("input[data-test=sms-code]").fill(code)
        await page.locator("[data-test=submit-code]").click()
        await page.get_by_text("投保成功").wait_for()
        await page.get_by_role("button", name="确定").click()
        await page.wait_for_url("**/insurance")

        await eventually(lambda: _status_is(db, offer_no, ("生效", "待收悉")), timeout=20)
        await page.get_by_role("tab", name="保险单").click()
        policies = page.locator("[data-test=policies-table]")
        await policies.locator("[data-test=receipt-status]", has_text="待收悉").wait_for()
        await screens.check("policies-awaiting-receipt")
        await policies.locator("[data-test=acknowledge]").click()
        await policies.locator("[data-test=receipt-status]", has_text="已收悉").wait_for()
        assert await application_status(db, offer_no) == ("生效", "已收悉")
        await screens.check("policies-acknowledged")

        await policies.locator("[data-test=policy-detail]").click()
        await page.locator("[data-test=policy-details]").wait_for()
        assert (await page.locator("[data-test=detail-receipt]").inner_text()).strip() == "已收悉"
        await screens.check("detail")
        await page.locator("[data-test=preview-policy]").click()
        assert await screens.pdf_shown() == b"%PDF-"
        await screens.check("policy-pdf")
        await page.keyboard.press("Escape")
        await page.locator("[data-test=preview-e-policy]").click()
        assert await screens.pdf_shown() == b"%PDF-"
        await page.keyboard.press("Escape")

        await menu(page, "投保咨询")
        await page.locator("[data-test=inquiries-table]").get_by_text("暂无询保申请").wait_for()
        await screens.check("inquiry-empty")
        await choose(page, "[data-test=province]", "福建省")
        await choose(page, "[data-test=city]", "厦门市")
        await choose(page, "[data-test=district]", "思明区")
        await page.locator("input[data-test=address-detail]").fill("湖滨北路88号")
        await page.locator("input[data-test=inquiry-contact]").fill("林晓梅")
        await page.locator("input[data-test=inquiry-mobile]").fill(MOBILE)
        await page.locator("input[data-test=inquiry-email]").fill("linxm@example.com")
        await page.locator("[data-test=inquiry-content]").get_by_text("我有其他需求").click()
        await page.locator("[data-test=inquiry-submit]").click()
        needs = page.locator(".el-form-item", has=page.locator("[data-test=other-needs]"))
        await needs.locator(".el-form-item__error", has_text="请填写其他需求").wait_for()
        await screens.check("inquiry-error")
        await page.locator("textarea[data-test=other-needs]").fill("想了解保费")
        await page.locator("[data-test=inquiry-submit]").click()
        serial = page.locator("input[data-test=serial-no]")
        await page.wait_for_function("() => document.querySelector('input[data-test=serial-no]').value.length === 18")
        assert re.fullmatch(r"\d{18}", await serial.input_value())
        await page.locator("[data-test=inquiries-table] [data-test=inquiry-status]").wait_for()
        await eventually(lambda: _replied(page), timeout=20, interval=0.5)
        await screens.check("inquiry-replied")


async def _status_is(db, offer_no: str, wanted: tuple[str, str]) -> bool:
    return await application_status(db, offer_no) == wanted


async def _replied(page) -> bool:
    """Reopen the screen until the insurer's reply (已反馈) shows in the list."""
    await page.reload()
    status = page.locator("[data-test=inquiries-table] [data-test=inquiry-status]").first
    await status.wait_for()
    return (await status.inner_text()).strip() == "已反馈"
