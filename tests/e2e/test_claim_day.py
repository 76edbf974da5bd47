"""A day of 索赔申请, end to end over real sockets (C-1 … C-12, X-OUT-7, X-OUT-8, X-IN-5): an
effective policy, the buyer found in the insurer's list and a second one registered until
the insurer gives its code, banks required by a letter of credit, three shipment lines (one imported from the template), the declaration
check failing and then passing, the sealed report made stale by a change and regenerated,
attachments within their limits, submit, the insurer fetching every file by its digest, 退回
with a reason, corrected, submitted again under the same claim number, 审核通过 shown with
the account manager. The insurer answers over SOAP or REST, and the hub answers it the same."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from lxml import etree
from openpyxl import load_workbook
from pypdf import PdfReader

from adapter.config import PortSettings
from adapter.ports.customs import DemoCustomsData
from mock_insurer import running_mock_insurer
from mock_insurer.documents import claim_review
from mock_insurer.push import push
from tests.claims_harness import CASE, REASON, effective_policy
from tests.harness import INSURER_AUTH, eventually, hub_settings, portal_token, running_hub

USCC = "91350200MA2Y0Q1X9G"
NAME = "厦门鹭江外贸有限公司"
OFFER = "PP-CLAIM-DAY"
MIB = 1024 * 1024
NOT_FILED = "370120260999999990"  # an export declaration number no one filed
BANK = {"swift": "CHASUS33XXX", "name_en": "JPMORGAN CHASE BANK, N.A.", "country": "USA",
        "address_en": "383 MADISON AVENUE, NEW YORK, NY 10179"}


def pdf_of(size: int, salt: str) -> bytes:
    head = f"%PDF-1.4\n% {salt}\n".encode()
    return head + b"0" * (size - len(head) - 6) + b"\n%%EOF"


def line(declaration_no: str, *, invoice: str, payment: str = "LC", claim: str = "12000.00",
         certificate: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "invoice_no": invoice, "hs_code": "9403600000", "shipment_date": "2026-08-01",
        "payment_method": payment, "payment_term_days": 90, "invoice_amount": "12500.00",
        "claim_amount": claim, "collection_status": "UNCOLLECTED", "transport_mode": "2",
        "declaration_no": declaration_no}
    if certificate:
        body["origin_certificate_no"] = certificate
    return body


def codes(body: dict[str, Any]) -> set[tuple[str, str]]:
    return {(error["code"], error["field"]) for error in body["errors"]}


async def json_of(response: aiohttp.ClientResponse, status: int) -> Any:
    assert response.status == status, await response.text()
    return await response.json()


async def filled_template(session: aiohttp.ClientSession, api: str, row: dict[str, Any]) -> bytes:
    async with session.get(f"{api}/claims/shipment-template.xlsx") as r:
        assert r.status == 200
        book = load_workbook(io.BytesIO(await r.read()))
    sheet = book.active
    assert sheet is not None
    order = ("invoice_no", "hs_code", "shipment_date", "payment_method", "payment_term_days",
             "invoice_amount", "claim_amount", "collection_status", "transport_mode",
             "declaration_no", "origin_certificate_no")
    sheet.append([row.get(key) for key in order])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def upload(session: aiohttp.ClientSession, url: str, content: bytes, name: str) -> int:
    data = aiohttp.FormData()
    data.add_field("file", content, filename=name, content_type="application/octet-stream")
    async with session.post(url, data=data) as r:
        await r.read()
        return r.status


async def received(mock: Any, serial: str) -> Any:
    return next((r for r in mock.store.records() if r.message_type == "CLAIM_APPLICATION"
                 and serial.encode() in r.document), None)


async def fetched_digests(document: bytes) -> list[tuple[str, str]]:
    """What the insurer does with the claim document: fetch every file it lists, with its
    partner credential, and compare each digest with the one it was told."""
    root = etree.fromstring(document)
    ns = {"c": "urn:swcredit:claim-application:1"}
    files = [(f.findtext("c:Sha256", namespaces=ns), f.findtext("c:Url", namespaces=ns))
             for f in root.iterfind(".//c:ShipmentReport", ns)]
    files += [(f.findtext("c:Sha256", namespaces=ns), f.findtext("c:Url", namespaces=ns))
              for f in root.iterfind(".//c:Attachment", ns)]
    pairs = []
    async with aiohttp.ClientSession(headers=INSURER_AUTH) as insurer:
        for told, url in files:
            async with insurer.get(url) as r:
                assert r.status == 200, (url, await r.text())
                pairs.append((told or "", hashlib.sha256(await r.read()).hexdigest()))
    return pairs


async def review(hub_url: str, channel: str, claim_no: str, serial: str, **extra: Any) -> None:
    result = await push(hub_url, claim_review(claim_no, serial, USCC, **extra), channel=channel)
    assert result.ack_status == "ACCEPTED", (result.ack_status, result.error_codes)


async def registered_buyer(session: aiohttp.ClientSession, api: str, serial: str) -> Any:
    """The enterprise's buyer registered under ``serial``, once the insurer has given its code."""
    async with session.get(f"{api}/claims/buyers/own") as r:
        items = (await json_of(r, 200))["items"]
    return next((b for b in items if b["registration_serial"] == serial
                 and b["status"] == "已登记"), None)


@pytest.mark.parametrize("channel", ["soap", "rest"])
async def test_a_day_of_claims(db_url: str, db: Any, channel: str, tmp_path: Path) -> None:
    await effective_policy(db, OFFER, uscc=USCC, policy_no="SCH-CLAIM-DAY")
    filed = DemoCustomsData().declarations_of(USCC)
    numbers = [record.number for record in filed[-3:]]
    async with running_mock_insurer(decision_delay_seconds=0.05) as mock, \
            running_hub(db, hub_settings(db_url, insurer_url=mock.base_url, channel=channel,
                                         ports=PortSettings(attachments_dir=tmp_path / "files"))
                        ) as hub:
        api = f"{hub.base_url}/portal/v1"
        token = portal_token(hub.settings, uscc=USCC, name=NAME, card="operator", user="林晓梅")
        async with aiohttp.ClientSession(headers=token) as session:
            # C-1, C-2: the effective policy, and a claim on it
            async with session.get(f"{api}/claims/policies") as r:
                [policy] = (await json_of(r, 200))["items"]
            assert (policy["offer_no"], policy["policy_no"], policy["claims"]) == (
                OFFER, "SCH-CLAIM-DAY", [])
            async with session.post(f"{api}/claims/policies/{OFFER}/claims") as r:
                created = await json_of(r, 201)
            claim_no, base = created["claim_no"], f"{api}/claims/{created['claim_no']}"
            assert created["status"] == "未提交"

            # C-3: the buyer found in the insurer's list (【放大镜】) and put on the claim
            async with session.get(f"{api}/claims/buyers", params={"name": "Pacific"}) as r:
                found = await json_of(r, 200)
            [pick] = [item for item in found["items"] if item["code"] == "US0012345"]
            async with session.patch(base, json={"buyer_code": pick["code"]}) as r:
                assert (await json_of(r, 200))["buyer"] == {
                    "code": "US0012345", "name_en": "Pacific Home Goods Inc.", "country": "USA"}

            # C-3 新建买家信息: 登记中 until the insurer lists it under its serial, then 已登记
            async with session.post(f"{api}/claims/buyers", json={
                    "english_name": "Harborview Trading Pty Ltd", "country": "AUS",
                    "address": "Level 5, 88 George Street, Sydney NSW 2000, Australia"}) as r:
                new_buyer = await json_of(r, 202)
            assert new_buyer["status"] == "登记中"
            coded = await eventually(lambda: registered_buyer(
                session, api, new_buyer["registration_serial"]))
            assert coded["code"] and coded["reference"] == coded["code"]

            # C-6: two lines typed, one imported; one declaration not filed by anyone
            async with session.post(f"{base}/shipments", json=line(numbers[0], invoice="INV-1")) as r:
                first = await json_of(r, 201)
            async with session.post(f"{base}/shipments", json=line(NOT_FILED, invoice="INV-2")) as r:
                second = await json_of(r, 201)
            async with session.post(f"{base}/shipments", json={
                    **line(numbers[1], invoice="INV-X", claim="13000.00"),
                    "shipment_date": "2025-01-01"}) as r:
                assert codes(await json_of(r, 422)) == {
                    ("E-CLAIM-AMOUNT-ABOVE-INVOICE", "$.claim_amount"),
                    ("E-SHIPMENT-DATE-OUTSIDE-POLICY", "$.shipment_date")}
            bad = await filled_template(session, api, {**line("12345", invoice="INV-3"),
                                                       "hs_code": "99"})
            async with session.post(f"{base}/shipments/import", data=bad) as r:
                refused = await json_of(r, 422)
            assert {e["field"] for e in refused["errors"]} == {"$.rows[0].hs_code",
                                                               "$.rows[0].declaration_no"}
            assert all(e["message"].startswith("第2行") for e in refused["errors"])
            good = await filled_template(session, api, line(numbers[2], invoice="INV-3",
                                                            payment="OA"))
            async with session.post(f"{base}/shipments/import", data=good) as r:
                assert (await json_of(r, 201))["imported"] == 1

            # C-7: 未查询到符合条件的数据, fixed, 数据正常
            async with session.post(f"{base}/declaration-check") as r:
                checked = await json_of(r, 200)
            assert [x["result"] for x in checked["lines"]] == [
                "数据正常", "未查询到符合条件的数据", "数据正常"]
            async with session.put(f"{base}/shipments/{second['shipment_serial']}",
                                   json=line(numbers[1], invoice="INV-2")) as r:
                await json_of(r, 200)
            async with session.post(f"{base}/declaration-check") as r:
                assert {x["result"] for x in (await json_of(r, 200))["lines"]} == {"数据正常"}

            # C-11: everything missing at once, the issuing bank among it (L/C)
            async with session.post(f"{base}/submission", json={"declaration_accepted": True}) as r:
                missing = codes(await json_of(r, 422))
            assert {("E-CLAIM-BANK-REQUIRED", "$.issuing_bank"),
                    ("E-CLAIM-SECTION-REQUIRED", "$.case"),
                    ("E-CLAIM-SECTION-REQUIRED", "$.explanation"),
                    ("E-CLAIM-REPORT-MISSING", "$.shipment_report"),
                    ("E-CLAIM-ATTACHMENTS-MISSING", "$.attachments")} <= missing
            async with session.patch(base, json={"explanation": {
                    "loss_cause": "C02", "reason": "买方拖欠货款 unpaid", "case_description": CASE}}) as r:
                short = await json_of(r, 422)
            assert codes(short) == {("E-TEXT-TOO-FEW-HAN", "$.explanation.reason")}
            assert "只计汉字" in short["errors"][0]["message"]
            async with session.patch(base, json={
                    "issuing_bank": BANK,
                    "case": {"trade_financing": False, "trade_dispute": False,
                             "buyer_acknowledged_debt": True, "legal_action_taken": False},
                    "explanation": {"loss_cause": "C02", "reason": REASON, "case_description": CASE,
                                    "mitigation": "退回前已委托律师发函催收"}}) as r:
                await json_of(r, 200)

            # C-8: the report, made stale by a change, regenerated
            async with session.post(f"{base}/shipment-report") as r:
                assert (await json_of(r, 201))["state"] == "fresh"
            async with session.get(f"{base}/shipment-report.pdf") as r:
                first_pdf = await r.read()
            assert len(PdfReader(io.BytesIO(first_pdf)).pages) == 3
            async with session.put(f"{base}/shipments/{first['shipment_serial']}",
                                   json=line(numbers[0], invoice="INV-1A")) as r:
                await json_of(r, 200)
            async with session.post(f"{base}/submission", json={"declaration_accepted": True}) as r:
                assert ("E-CLAIM-REPORT-STALE", "$.shipment_report") in codes(await json_of(r, 422))
            async with session.post(f"{base}/shipment-report") as r:
                assert (await json_of(r, 201))["state"] == "fresh"
            async with session.get(f"{base}/shipment-report.pdf") as r:
                assert await r.read() != first_pdf

            # C-10: 4 MB + 1 byte refused, two accepted
            files = f"{base}/attachments"
            assert await upload(session, files, pdf_of(4 * MIB + 1, "big"), "大文件.pdf") == 413
            assert await upload(session, files, pdf_of(200_000, "a"), "发票与合同.pdf") == 201
            assert await upload(session, files, pdf_of(300_000, "b"), "损失证明.pdf") == 201

            # C-11 submit: the insurer gets the claim and fetches every file by its digest
            async with session.post(f"{base}/submission", json={"declaration_accepted": True}) as r:
                submitted = await json_of(r, 202)
            serial = submitted["business_serial"]
            assert (submitted["status"], serial) == ("已提交", f"{claim_no}-S01")
            sent = await eventually(lambda: received(mock, serial))
            assert sent.channel.startswith(channel)
            digests = await fetched_digests(sent.document)
            assert len(digests) == 3 and all(told == got for told, got in digests)

            # C-12: 退回 with its reason, corrected, submitted again under the same number
            await review(hub.base_url, channel, claim_no, serial, result="RETURNED",
                         return_reason="出运数据报告与发票金额不一致，请补充说明")
            async with session.get(base) as r:
                returned = await json_of(r, 200)
            assert (returned["status"], returned["return_reason"]) == (
                "退回", "出运数据报告与发票金额不一致，请补充说明")
            async with session.patch(base, json={"explanation": {
                    "loss_cause": "C02", "reason": REASON, "case_description": CASE,
                    "mitigation": "已补充更正后的商业发票并委托律师发函"}}) as r:
                await json_of(r, 200)
            async with session.post(f"{base}/submission", json={"declaration_accepted": True}) as r:
                again = await json_of(r, 202)
            assert (again["claim_no"], again["business_serial"]) == (claim_no, f"{claim_no}-S02")
            await eventually(lambda: received(mock, again["business_serial"]))

            # a late review of the first submission changes nothing; the second's is shown
            await review(hub.base_url, channel, claim_no, serial, result="APPROVED")
            async with session.get(base) as r:
                assert (await json_of(r, 200))["status"] == "已提交"
            await review(hub.base_url, channel, claim_no, again["business_serial"],
                         result="APPROVED", manager="陈立群", manager_contact="0592-5123456")
            async with session.get(base) as r:
                approved = await json_of(r, 200)
            assert approved["status"] == "审核通过"
            assert (approved["review"]["account_manager"],
                    approved["review"]["account_manager_contact"]) == ("陈立群", "0592-5123456")
            async with session.get(f"{base}/process") as r:
                steps = (await json_of(r, 200))["steps"]
            assert any(step.get("event") == "receipt_ignored" for step in steps)
            async with session.get(f"{api}/claims/policies") as r:
                [policy] = (await json_of(r, 200))["items"]
            assert [c["status"] for c in policy["claims"]] == ["审核通过"]
