"""The agreement day clicked through the UI (A-1 … A-7): sign with a seal after the hub
refused the wrong ones beside the seal field, grant data authorization in the pop-up, the
insurer stamps, view the PDF, query authorized data and its statistics chart, terminate
with 坚持解约, the insurer agrees, read the process. The screen and the database agree."""

from __future__ import annotations

import pytest

from mock_insurer import running_mock_insurer
from mock_insurer.documents import agreement_stamp, termination_result
from mock_insurer.push import push
from tests.browser.conftest import choose, log_in, menu, open_page
from tests.harness import eventually, hub_settings, running_hub, status_of

pytestmark = pytest.mark.browser
USCC = "91350100M000100Y43"  # 厦门示范进出口贸易有限公司, the demo's first card




async def test_the_agreement_day_in_the_browser(db_url, db, browser) -> None:
    async with running_mock_insurer() as mock, running_hub(db, hub_settings(
            db_url, insurer_url=mock.base_url, demo=True)) as hub:
        screens = await open_page(browser, hub.base_url, f"agreement-{db.dialect}")
        page = screens.page
        await log_in(screens, "demo-legal")
        await page.locator("[data-test=agreement-prompt]").wait_for()
        await screens.check("home")

        await menu(page, "签约管理")
        table = page.locator("[data-test=agreements-table]")
        await table.get_by_text("暂无签约协议").wait_for()
        await screens.check("agreements-empty")
        await page.locator("[data-test=instructions]").click()
        await page.get_by_text("必须插入电子口岸法人卡，才能签署服务协议。").wait_for()
        await screens.check("instructions")
        await page.get_by_role("button", name="确定").click()

        await page.locator("[data-test=sign]").click()
        await page.locator("[data-test=agree-button]").click()
        seal_item = page.locator(".el-form-item", has=page.locator("[data-test=seal-select]"))
        await seal_item.locator(".el-form-item__error").wait_for()
        await screens.check("sign-errors")
        await choose(page, "[data-test=seal-select]", "已过期")
        await page.locator("[data-test=agree]").click()
        await page.locator("[data-test=agree-button]").click()
        await seal_item.locator(".el-form-item__error", has_text="过期，请制作新的签章").wait_for()
        await screens.check("sign-expired-seal")
        await choose(page, "[data-test=seal-select]", "公司，有效期至")
        await page.locator("[data-test=agree-button]").click()

        # the manual's first way to the data authorization: it pops up after signing
        await page.locator("[data-test=authorization-agree]").click()
        await screens.check("data-authorization")
        await page.locator("[data-test=authorization-submit]").click()
        await page.get_by_text("授权成功").wait_for()
        await page.get_by_role("button", name="确定").click()
        await table.locator("[data-test=status]", has_text="保险公司签约中").wait_for()
        await screens.check("agreements-signed")
        number = (await table.locator("tbody tr td").first.inner_text()).strip()
        assert await status_of(db, number) == "保险公司签约中"

        sent = await eventually(lambda: _received(mock, f"{number}-SIGN"))
        assert sent is not None
        ack = await push(hub.base_url, agreement_stamp(number, USCC), channel="rest")
        assert ack.ack_status == "ACCEPTED"
        await page.reload()
        await table.locator("[data-test=status]", has_text="签约成功").wait_for()
        await table.locator("tbody tr").first.click()
        await page.locator("[data-test=view]").click()
        assert await screens.pdf_shown() == b"%PDF-"
        await screens.check("agreement-pdf")
        await page.keyboard.press("Escape")

        await page.locator("[data-test=authorized-data]").click()
        await page.locator("[data-test=authorized]").wait_for()
        await page.locator("[data-test=search]").click()
        total = page.locator("[data-test=data-total]")
        await total.wait_for()
        assert "报关单：共" in await total.inner_text()
        await screens.check("authorized-data")
        await page.locator("[data-test=statistics]").click()
        await page.locator("[data-test=statistics-search]").click()
        await page.locator("[data-test=bar-chart] svg").wait_for()
        rows = await page.locator("[data-test=statistics-table] tbody tr").count()
        assert rows == 12
        await screens.check("statistics")
        await page.keyboard.press("Escape")

        await menu(page, "签约管理")
        await table.locator("tbody tr").first.click()
        await page.locator("[data-test=terminate]").click()
        await page.get_by_role("button", name="坚持解约").click()
        await table.locator("[data-test=status]", has_text="解约中").wait_for()
        assert await status_of(db, number) == "解约中"
        await eventually(lambda: _of_type(mock, "TERMINATION_REQUEST"))
        ack = await push(hub.base_url, termination_result(number, USCC), channel="rest")
        assert ack.ack_status == "ACCEPTED"
        await page.reload()
        await table.locator("button[data-test=status]", has_text="解约成功").click()
        steps = page.locator("[data-test=process-step]")
        await steps.nth(7).wait_for()
        assert [s.strip() for s in await steps.all_inner_texts()] == [
            "企业签署服务协议，等待保险公司签章", "服务协议已发送至中国出口信用保险公司",
            "中国出口信用保险公司已加盖电子签章", "签约成功", "企业坚持解约，解约申请已提交",
            "解约申请已发送至中国出口信用保险公司", "中国出口信用保险公司同意解约", "解约成功"]
        await screens.check("termination-process")
        assert await status_of(db, number) == "解约成功"


async def _received(mock, serial: str):
    return mock.store.get(serial)


async def _of_type(mock, message_type: str):
    return next((r for r in mock.store.records() if r.message_type == message_type), None)
