"""The claim day clicked through the UI (C-1 … C-12): 厦门鹭江's effective policy, 我要索赔, the
buyer found with 【放大镜】 in the insurer's list, shipment lines typed (a refusal shown beside
its field) and one imported from the downloaded template (a bad template's cells named by
row and column first), 提交 listing every missing piece, the banks a letter of credit needs,
the case questions, the Han-character rule beside 索赔原因描述, 申报单证检查 with one line
未查询到符合条件的数据 fixed to 数据正常, the sealed report generated and shown, an oversized
attachment refused before upload and a good one uploaded, submit; the insurer returns the
claim with a reason, the reason shows, the claim is corrected and sent again, the insurer
approves it and the account manager shows. The screen and the hub's state agree."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from openpyxl import load_workbook
from playwright.async_api import Page

from adapter.config import PortSettings
from adapter.demo import CLAIM_OFFER, CLAIM_POLICY, seed
from adapter.ports.customs import DemoCustomsData
from mock_insurer import running_mock_insurer
from mock_insurer.documents import claim_review
from mock_insurer.push import push
from tests.browser.conftest import choose, log_in, menu, open_page
from tests.claims_harness import CASE, REASON, claim_status
from tests.harness import eventually, hub_settings, portal_token, running_hub

pytestmark = pytest.mark.browser
USCC = "91350200MA2Y0Q1X9G"  # 厦门鹭江外贸有限公司, the demo's second enterprise
NAME = "厦门鹭江外贸有限公司"
NOT_FILED = "370120260999999990"  # an export declaration number no one filed
MIB = 1024 * 1024
RETURN_REASON = "出运数据报告与发票金额不一致，请补充说明"
COLUMNS = ("invoice_no", "hs_code", "shipment_date", "payment_method", "payment_term_days",
           "invoice_amount", "claim_amount", "collection_status", "transport_mode",
           "declaration_no", "origin_certificate_no")


def pdf_of(size: int, salt: str) -> bytes:
    head = f"%PDF-1.4\n% {salt}\n".encode()
    return head + b"0" * (size - len(head) - 6) + b"\n%%EOF"


def filled(template: bytes, row: dict[str, Any]) -> bytes:
    book = load_workbook(io.BytesIO(template))
    sheet = book.active
    assert sheet is not None
    sheet.append([row.get(key) for key in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def field(page: Page, test_id: str) -> Any:
    """The form item around a control: where its error is shown."""
    return page.locator(".el-form-item", has=page.locator(f"[data-test={test_id}]")).first


async def error_beside(page: Page, test_id: str, text: str) -> None:
    await field(page, test_id).locator(".el-form-item__error", has_text=text).wait_for()


async def type_line(page: Page, line: dict[str, str], methods: dict[str, str]) -> None:
    """The entry area of 出运信息, filled as a person does, then 保存."""
    for key in ("invoice_no", "hs_code", "payment_term_days", "invoice_amount", "claim_amount",
                "declaration_no"):
        await page.locator(f"input[data-test=line-{key}]").fill(line[key])
    picker = page.locator("[data-test=line-shipment_date] input")
    await picker.fill(line["shipment_date"])
    await picker.press("Enter")
    await picker.press("Escape")
    await page.locator(".el-picker__popper:visible").wait_for(state="hidden")
    assert await picker.input_value() == line["shipment_date"]
    await choose(page, "[data-test=line-payment_method]", methods[line["payment_method"]])
    await choose(page, "[data-test=line-collection_status]", "未收汇")
    await choose(page, "[data-test=line-transport_mode]", "水路运输")
    await page.locator("[data-test=line-save]").click()


def _buyer_saved(response: Any) -> bool:
    """新建买家信息's 【保存】 answered (on a loaded machine it may take a while)."""
    return response.request.method == "POST" and response.url.endswith("/portal/v1/claims/buyers")


async def api(hub: Any, path: str) -> Any:
    token = portal_token(hub.settings, uscc=USCC, name=NAME, card="operator", user="王操作员")
    async with aiohttp.ClientSession(headers=token) as session, \
            session.get(f"{hub.base_url}/portal/v1{path}") as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def review(hub: Any, claim_no: str, serial: str, **extra: Any) -> None:
    result = await push(hub.base_url, claim_review(claim_no, serial, USCC, **extra), channel="rest")
    assert result.ack_status == "ACCEPTED", (result.ack_status, result.error_codes)


async def received(mock: Any, serial: str) -> Any:
    return next((r for r in mock.store.records() if r.message_type == "CLAIM_APPLICATION"
                 and serial.encode() in r.document), None)


async def submit(page: Page) -> None:
    await page.locator("[data-test=declaration]").click()
    await page.locator("[data-test=claim-submit]").click()
    await page.locator("[data-test=claim-status]", has_text="已提交").wait_for()


async def shown_status(page: Page, wanted: str) -> bool:
    """The claim opened again: does it show this status?"""
    await page.reload()
    status = page.locator("[data-test=claim-status]")
    await status.wait_for()
    return (await status.inner_text()).strip() == wanted


async def test_the_claim_day_in_the_browser(db_url, db, browser, tmp_path: Path) -> None:
    filed = DemoCustomsData().declarations_of(USCC)
    numbers = [record.number for record in filed[-3:]]
    shipped = (date.today() - timedelta(days=30)).isoformat()
    settings_of = {"demo": True, "ports": PortSettings(attachments_dir=tmp_path / "files")}
    async with running_mock_insurer(decision_delay_seconds=0.05) as mock, \
            running_hub(db, hub_settings(db_url, insurer_url=mock.base_url, **settings_of)) as hub:
        await seed(db, hub.settings)  # 鹭江: 签约成功 and the effective policy CLAIM_POLICY
        screens = await open_page(browser, hub.base_url, f"claim-{db.dialect}")
        page = screens.page
        await log_in(screens, "operator")

        # C-1/C-2: the effective policy, no claim yet
        await menu(page, "索赔服务")
        policies = page.locator("[data-test=claim-policies]")
        await policies.get_by_text(CLAIM_POLICY).wait_for()
        await page.locator("[data-test=policy-claims]").get_by_text("该保单暂无索赔申请").wait_for()
        await screens.check("claims-empty")
        await page.locator("[data-test=claims-guide]").click()
        await page.locator("[data-test=guide-dialog]").get_by_text("声明并提交").wait_for()
        await screens.check("claims-guide")
        await page.get_by_role("button", name="确定").click()

        await policies.locator("[data-test=new-claim]").click()
        await page.locator("[data-test=claim-form]").wait_for()
        claim_no = page.url.rsplit("/", 1)[-1]
        assert claim_no.startswith("SP")
        assert await page.locator("input[data-test=ro-policy_no]").input_value() == CLAIM_POLICY
        assert await page.locator("input[data-test=ro-uscc]").is_disabled()
        assert (await page.locator("[data-test=claim-status]").inner_text()).strip() == "未提交"
        await page.locator("[data-test=shipment-lines]").get_by_text("暂无出运信息，请录入或导入").wait_for()
        await page.locator("[data-test=attachments-table]").get_by_text("未查询到数据").wait_for()
        await page.locator("[data-test=banks-not-needed]").wait_for()
        await screens.check("claim-new")

        # C-3: 【放大镜】 in the insurer's buyer list, the pick returned into the form
        await page.locator("[data-test=buyer-search]").click()
        dialog = page.locator("[data-test=buyer-dialog]")
        await dialog.locator("input[data-test=buyer-query-name]").fill("Pacific Home")
        await dialog.locator("[data-test=buyer-query]").click()
        results = dialog.locator("[data-test=buyer-results]")
        await results.get_by_text("Pacific Home Goods Inc.").wait_for()
        await screens.check("buyer-search")
        await results.locator(".el-table__row", has_text="US0012345").locator("[data-test=buyer-pick]").click()
        assert await page.locator("input[data-test=buyer-code]").input_value() == "US0012345"
        assert await page.locator("input[data-test=buyer-name]").input_value() == "Pacific Home Goods Inc."
        # 新建买家信息 (【铅笔】): refused beside its fields, then registered (named by its serial);
        # the buyer the insurer already lists is then picked again
        await page.locator("[data-test=buyer-new]").click()
        new_buyer = page.locator("[data-test=new-buyer-dialog]")
        await new_buyer.locator("input[data-test=new-buyer-name]").fill("")
        await new_buyer.locator("[data-test=new-buyer-save]").click()
        await error_beside(page, "new-buyer-name", "内容长度不足")
        await error_beside(page, "new-buyer-country", "国家或地区代码无效")
        await error_beside(page, "new-buyer-address", "内容长度不足")
        await screens.check("new-buyer-errors")
        await new_buyer.locator("input[data-test=new-buyer-name]").fill("Harbor Lights Trading LLC")
        await choose(page, "[data-test=new-buyer-country]", "USA 美国")
        await new_buyer.locator("input[data-test=new-buyer-address]").fill("500 Ocean Drive, Miami, FL 33139, USA")
        async with page.expect_response(_buyer_saved, timeout=30_000) as saved:
            await new_buyer.locator("[data-test=new-buyer-save]").click()
        answer = await saved.value
        assert answer.status == 202, await answer.text()
        await new_buyer.wait_for(state="hidden")
        registered = await page.locator("input[data-test=buyer-code]").input_value()
        assert registered.startswith("BR")
        assert await page.locator("input[data-test=buyer-name]").input_value() == "Harbor Lights Trading LLC"
        [own] = (await api(hub, "/claims/buyers/own"))["items"]
        assert (own["registration_serial"], own["english_name"]) == (registered, "Harbor Lights Trading LLC")
        assert own["status"] in {"登记中", "已登记"}  # the mock insurer gives its code soon after
        await page.locator("[data-test=buyer-search]").click()
        await dialog.locator("[data-test=buyer-query]").click()
        await results.locator(".el-table__row", has_text="US0012345").locator("[data-test=buyer-pick]").click()
        assert await page.locator("input[data-test=buyer-code]").input_value() == "US0012345"

        # C-6: a refusal beside its fields, then two lines typed (one with a number no one filed)
        methods = {"LC": "信用证（L/C）", "OA": "赊销（O/A）"}
        line = {"invoice_no": "INV-1", "hs_code": "9403600000", "shipment_date": shipped,
                "payment_method": "LC", "payment_term_days": "90", "invoice_amount": "12500.00",
                "claim_amount": "13000.00", "declaration_no": numbers[0]}
        await type_line(page, line, methods)
        await error_beside(page, "line-claim_amount", "索赔金额不能大于发票金额")
        await screens.check("line-error")
        await page.locator("input[data-test=line-claim_amount]").fill("12000.00")
        await page.locator("[data-test=line-save]").click()
        lines = page.locator("[data-test=shipment-lines]")
        await lines.locator("[data-test=line-invoice]", has_text="INV-1").wait_for()
        await type_line(page, {**line, "invoice_no": "INV-2", "claim_amount": "12000.00",
                               "declaration_no": NOT_FILED}, methods)
        await lines.locator("[data-test=line-invoice]", has_text="INV-2").wait_for()

        # 导入: the template downloaded from the dialog; a bad one named by cell, a good one taken
        await page.locator("[data-test=line-import]").click()
        async with page.expect_download() as download_info:
            await page.locator("[data-test=template-download]").click()
        template = Path(await (await download_info.value).path()).read_bytes()
        row = {**line, "invoice_no": "INV-3", "payment_method": "OA", "claim_amount": "12000.00",
               "collection_status": "UNCOLLECTED", "transport_mode": "2", "declaration_no": numbers[2]}
        bad = tmp_path / "出运信息-错误.xlsx"
        bad.write_bytes(filled(template, {**row, "hs_code": "99", "declaration_no": "12345"}))
        async with page.expect_file_chooser() as chooser_info:
            await page.locator("input[data-test=import-file]").click()
        await (await chooser_info.value).set_files(str(bad))
        errors = page.locator("[data-test=import-errors]")
        await errors.get_by_text("B列（海关商品编号）", exact=True).wait_for()
        await errors.get_by_text("J列（报关单号）", exact=True).wait_for()
        assert await errors.locator(".el-table__row").count() == 2
        assert all(text.strip() == "第2行" for text in
                   await errors.locator(".el-table__row td:first-child").all_inner_texts())
        await screens.check("import-errors")
        good = tmp_path / "出运信息.xlsx"
        good.write_bytes(filled(template, row))
        async with page.expect_file_chooser() as chooser_info:
            await page.locator("input[data-test=import-file]").click()
        await (await chooser_info.value).set_files(str(good))
        await lines.locator("[data-test=line-invoice]", has_text="INV-3").wait_for()
        assert await lines.locator(".el-table__body .el-table__row").count() == 3

        # C-11 too early: every missing piece listed and marked beside its section
        await page.locator("[data-test=claim-submit]").click()
        missing = page.locator("[data-test=missing]")
        for text in ("必须填写开证行信息", "请填写案件信息", "请填写索赔原因及案情说明",
                     "提交索赔申请前，必须生成出运数据报告", "请上传贸易单证和损失证明文件", "请勾选索赔申明"):
            await missing.get_by_text(text).wait_for()
        await page.locator("[data-test=issuing_bank-bank-error]", has_text="信用证").wait_for()
        await page.locator("[data-test=case-error]", has_text="请填写案件信息").wait_for()
        await page.locator("[data-test=report-error]", has_text="必须生成出运数据报告").wait_for()
        await page.locator("[data-test=attachments-error]").wait_for()
        await error_beside(page, "declaration", "请勾选索赔申明")
        await screens.check("submit-missing")

        # C-4: the letter of credit's issuing bank; C-5 the case; C-9 the Han-character rule
        await page.locator("input[data-test=issuing_bank-swift]").fill("CHASUS33XXX")
        await page.locator("input[data-test=issuing_bank-name]").fill("JPMORGAN CHASE BANK, N.A.")
        await choose(page, "[data-test=issuing_bank-country]", "USA 美国")
        await page.locator("input[data-test=issuing_bank-address]").fill("383 MADISON AVENUE, NEW YORK, NY 10179")
        assert await page.locator("[data-test=confirming_bank-bank]").count() == 0
        case = page.locator("[data-test=case-section]")
        await case.locator("[data-test=case-trade_financing]").get_by_text("是", exact=True).click()
        await page.locator("[data-test=financing-fields]").wait_for()
        for key, answer in (("trade_dispute", "否"), ("buyer_acknowledged_debt", "是"),
                            ("legal_action_taken", "否")):
            await case.locator(f"[data-test=case-{key}]").get_by_text(answer, exact=True).click()
        await page.locator("[data-test=claim-save]").click()
        await error_beside(page, "financing-swift", "已办理贸易融资，必须填写融资银行SWIFT码")
        await screens.check("financing-required")
        await case.locator("[data-test=case-trade_financing]").get_by_text("否", exact=True).click()
        assert await page.locator("[data-test=financing-fields]").count() == 0
        await choose(page, "[data-test=loss-cause]", "买方拖欠货款")
        await page.locator("textarea[data-test=explanation-reason]").fill("买方拖欠货款 unpaid")
        await page.locator("[data-test=han-count-reason]", has_text="已输入6个汉字").wait_for()
        await page.locator("textarea[data-test=explanation-case_description]").fill(CASE)
        await page.locator("[data-test=claim-save]").click()
        await error_beside(page, "explanation-reason", "只计汉字")
        await screens.check("explanation-error")
        await page.locator("textarea[data-test=explanation-reason]").fill(REASON)
        await page.locator("textarea[data-test=explanation-mitigation]").fill("已委托律师发函催收")
        await page.locator("[data-test=claim-save]").click()
        await page.get_by_text("保存成功").first.wait_for()
        saved = await api(hub, f"/claims/{claim_no}")
        assert saved["buyer"]["code"] == "US0012345"
        assert saved["issuing_bank"]["swift"] == "CHASUS33XXX"
        assert saved["case"]["buyer_acknowledged_debt"] is True
        assert saved["explanation"]["reason"] == REASON

        # C-7: 申报单证检查: the line no one filed is ×, fixed, then every line 数据正常
        await page.locator("[data-test=declaration-check]").click()
        results = lines.locator("[data-test=line-result]")
        await page.locator("[data-test=check-results]").wait_for()
        assert [t.strip() for t in await results.all_inner_texts()] == [
            "数据正常", "未查询到符合条件的数据", "数据正常"]
        assert [t.strip() for t in await lines.locator("[data-test=line-mark]").all_inner_texts()] == ["√", "×", "√"]
        await page.locator("[data-test=check-declarations]").get_by_text(NOT_FILED).wait_for()
        await screens.check("declaration-check")
        await lines.locator(".el-table__row", has_text="INV-2").locator("td", has_text="INV-2").click()
        assert await page.locator("input[data-test=line-declaration_no]").input_value() == NOT_FILED
        await page.locator("input[data-test=line-declaration_no]").fill(numbers[1])
        await page.locator("[data-test=line-save]").click()
        await lines.locator("td", has_text=numbers[1]).wait_for()
        await page.locator("[data-test=declaration-check]").click()
        await page.locator("[data-test=check-results]").wait_for()
        assert {t.strip() for t in await results.all_inner_texts()} == {"数据正常"}
        await screens.check("declaration-check-passed")

        # C-8: the sealed report, generated after 同意, shown; a changed line makes it stale
        state = page.locator("[data-test=report-state]")
        assert "尚未生成出运数据报告" in await state.inner_text()
        await page.locator("[data-test=report-generate]").click()
        await page.locator("[data-test=report-confirm]").get_by_text("加盖企业电子印章").wait_for()
        await page.locator("[data-test=report-agree]").click()
        assert await screens.pdf_shown() == b"%PDF-"
        await screens.check("report-pdf")
        await page.keyboard.press("Escape")
        await state.filter(has_text="出运数据报告已生成").wait_for()
        await lines.locator(".el-table__row", has_text="INV-1").locator("td", has_text="INV-1").click()
        await page.locator("input[data-test=line-invoice_no]").fill("INV-1A")
        await page.locator("[data-test=line-save]").click()
        await state.filter(has_text="出运信息已修改，请重新生成出运数据报告").wait_for()
        assert (await api(hub, f"/claims/{claim_no}"))["shipment_report"]["state"] == "stale"
        await screens.check("report-stale")
        await page.locator("[data-test=report-generate]").click()
        await page.locator("[data-test=report-agree]").click()
        assert await screens.pdf_shown() == b"%PDF-"
        await page.keyboard.press("Escape")
        await state.filter(has_text="出运数据报告已生成").wait_for()

        # C-10: the limits shown; 4M + 1 byte refused before upload; a good file uploaded
        await page.locator("[data-test=attachment-limits]", has_text="上传单个附件的容量上限为4M").wait_for()
        await page.locator("[data-test=attachment-open]").click()
        upload = page.locator("[data-test=upload-dialog]")
        await upload.get_by_text("推荐分辨率：300×300dpi").wait_for()
        big = tmp_path / "大文件.pdf"
        big.write_bytes(pdf_of(4 * MIB + 1, "big"))
        async with page.expect_file_chooser() as chooser_info:
            await upload.locator("input[data-test=attachment-file]").click()
        await (await chooser_info.value).set_files(str(big))
        await upload.locator("[data-test=attachment-upload]").click()
        await error_beside(page, "attachment-file", "上传单个附件的容量上限为4M")
        await screens.check("attachment-too-large")
        small = tmp_path / "发票与合同.pdf"
        small.write_bytes(pdf_of(200_000, "a"))
        await page.locator("input[data-test=attachment-remark]").fill("发票1-合同1-运输单据1-出口报关单1")
        async with page.expect_file_chooser() as chooser_info:
            await upload.locator("input[data-test=attachment-file]").click()
        await (await chooser_info.value).set_files(str(small))
        await upload.locator("[data-test=attachment-upload]").click()
        await page.locator("[data-test=attachments-table] [data-test=attachment-name]", has_text="发票与合同.pdf").wait_for()
        held = await api(hub, f"/claims/{claim_no}/attachments")
        assert [(a["name"], a["size"]) for a in held["items"]] == [("发票与合同.pdf", 200_000)]
        await screens.check("attachments")

        # C-11: submitted; the insurer gets it
        await submit(page)
        await page.locator("[data-test=no-review]", has_text="等待保险公司审核").wait_for()
        sent = await api(hub, f"/claims/{claim_no}")
        serial = sent["business_serial"]
        assert (sent["status"], serial) == ("已提交", f"{claim_no}-S01")
        await eventually(lambda: received(mock, serial), timeout=20)
        assert not await page.locator("input[data-test=line-invoice_no]").count()
        await screens.check("claim-submitted")

        # C-12: 退回 with its reason, shown; corrected and sent again under the same number
        await review(hub, claim_no, serial, result="RETURNED", return_reason=RETURN_REASON)
        await page.locator("[data-test=claim-status]", has_text="退回").wait_for(timeout=20000)  # read again while 已提交
        await page.locator("[data-test=return-banner]", has_text=RETURN_REASON).wait_for()
        await page.locator("[data-test=return-reason]", has_text=RETURN_REASON).wait_for()
        assert await claim_status(db, claim_no) == "退回"
        await screens.check("claim-returned")
        await page.locator("textarea[data-test=explanation-mitigation]").fill("已补充更正后的商业发票并委托律师发函")
        await submit(page)
        again = await api(hub, f"/claims/{claim_no}")
        assert (again["status"], again["business_serial"]) == ("已提交", f"{claim_no}-S02")
        assert again["explanation"]["mitigation"] == "已补充更正后的商业发票并委托律师发函"
        await eventually(lambda: received(mock, again["business_serial"]), timeout=20)

        # 审核通过 with the account manager
        await review(hub, claim_no, again["business_serial"], result="APPROVED",
                     manager="陈立群", manager_contact="0592-5123456")
        await page.locator("[data-test=claim-status]", has_text="审核通过").wait_for(timeout=20000)
        assert await shown_status(page, "审核通过")  # and so it stays when the claim is opened again
        assert (await page.locator("[data-test=review-result]").inner_text()).strip() == "审核通过"
        assert (await page.locator("[data-test=account-manager]").inner_text()).strip() == "陈立群"
        assert (await page.locator("[data-test=account-manager-contact]").inner_text()).strip() == "0592-5123456"
        assert await page.locator("[data-test=claim-submit]").count() == 0
        assert await claim_status(db, claim_no) == "审核通过"
        await screens.check("claim-approved")
        await page.locator("[data-test=claim-process]").click()
        await page.locator("[data-test=process-step]", has_text="索赔申请审核通过").wait_for()
        await page.keyboard.press("Escape")

        await page.locator("[data-test=claim-back]").click()
        claims = page.locator("[data-test=policy-claims]")
        await claims.get_by_text(claim_no).wait_for()
        assert [t.strip() for t in await claims.locator("[data-test=claim-status]").all_inner_texts()] == ["审核通过"]
        [policy] = (await api(hub, "/claims/policies"))["items"]
        assert policy["offer_no"] == CLAIM_OFFER
        assert [(c["claim_no"], c["status"]) for c in policy["claims"]] == [(claim_no, "审核通过")]
        await screens.check("claims-approved")

        # H-3: the home page counts the insurer's answer, as many as its list holds
        await menu(page, "首页")
        answered = (await api(hub, "/claim-results"))["items"]
        assert [(c["claim_no"], c["status"]) for c in answered] == [(claim_no, "审核通过")]
        await page.locator("[data-test=summary-claim_results]", has_text="索赔申请受理结果（1）").wait_for()
        await screens.check("home-after-claim")
        assert not [line for line in screens.console if line.startswith("pageerror")], screens.console
