"""A day of 小微投保, end to end over real sockets (I-1 … I-8, X-IN-1/4, X-OUT-4/5): the
agreement is signed and stamped, the insurer offers the policy, the enterprise applies with
an SMS code, the insurer accepts, the enterprise acknowledges; a second application is
returned; an inquiry (询保申请, I-9, X-OUT-6/X-IN-7) is submitted, listed, answered and shown.
The insurer plays its side over SOAP or REST, and the hub answers it the same."""

from __future__ import annotations

import io
import re

import aiohttp
import pytest
from pypdf import PdfReader

from mock_insurer import running_mock_insurer
from tests.harness import OPERATOR, eventually, hub_settings, portal_token, running_hub

USCC = "91350200MA2Y0Q1X9G"
NAME = "厦门鹭江外贸有限公司"
MOBILE = "13859012345"


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def latest_code(session: aiohttp.ClientSession, base: str) -> str:
    async with session.get(f"{base}/ops/v1/sms-messages", params={"mobile": MOBILE},
                           headers=OPERATOR) as r:
        assert r.status == 200
        text = (await r.json())["items"][0]["text"]
    found = re.search(r"验证码为(\d{6})", text)
    assert found, text
    return found.group(1)


async def pending_offer(session: aiohttp.ClientSession, api: str) -> str | None:
    async with session.get(f"{api}/insurance/pending-policies") as r:
        items = (await r.json())["items"]
    return items[0]["offer_no"] if items else None


async def status(session: aiohttp.ClientSession, api: str, offer_no: str, wanted: str) -> dict | None:
    async with session.get(f"{api}/insurance/applications/{offer_no}") as r:
        found = await r.json()
    return found if found["status"] == wanted else None


async def apply(session: aiohttp.ClientSession, hub_url: str, api: str, offer_no: str,
                email: str) -> dict:
    async with session.post(f"{api}/insurance/applications/{offer_no}/sms-code",
                            json={"contact_mobile": MOBILE}) as r:
        assert r.status == 202, await r.text()
    code = await latest_code(session, hub_url)
    async with session.post(f"{api}/insurance/applications/{offer_no}/submission", json={
            "contact_name": "林晓梅", "contact_mobile": MOBILE, "contact_email": email,
            "declaration_accepted": True, "sms_code": code}) as r:
        assert r.status == 201, await r.text()
        return await r.json()


@pytest.mark.parametrize("channel", ["soap", "rest"])
async def test_a_day_of_insurance(db_url, db, channel) -> None:
    async with running_mock_insurer(stamp_on_signature=True, decision_delay_seconds=0.05) as mock, \
            running_hub(db, hub_settings(db_url, insurer_url=mock.base_url, channel=channel)) as hub:
        mock.state.play.point_at(hub.base_url, channel)
        api = f"{hub.base_url}/portal/v1"
        legal = portal_token(hub.settings, uscc=USCC, name=NAME)
        operator_card = portal_token(hub.settings, uscc=USCC, name=NAME, card="operator", user="林晓梅")
        async with aiohttp.ClientSession(headers=legal) as session:
            async with session.get(f"{api}/seals") as r:
                seal = next(s for s in (await r.json())["items"] if s["usable"])
            async with session.post(f"{api}/agreements", json={"seal_id": seal["seal_id"],
                                                               "agree": True}) as r:
                assert r.status == 201

        async with aiohttp.ClientSession(headers=operator_card) as session:
            offer_no = await eventually(lambda: pending_offer(session, api))
            async with session.get(f"{api}/insurance/summary") as r:
                assert (await r.json())["items"][0] == {"name": "待确认投保单", "count": 1,
                                                        "status": "待确认"}
            async with session.get(f"{api}/insurance/applications/{offer_no}/form") as r:
                form = await r.json()
            assert form["read_only"] == {"insurer_name": "中国出口信用保险公司福建分公司",
                                         "insurer_code": "SINOSURE-FJ", "enterprise_name": NAME,
                                         "uscc": USCC, "org_code": "MA2Y0Q1X9", "status": "待确认"}
            assert [s["state"] for s in form["steps"]] == ["current", "todo", "todo", "todo", "todo"]

            async with session.post(f"{api}/insurance/applications/{offer_no}/sms-code",
                                    json={"contact_mobile": MOBILE}) as r:
                assert r.status == 202
            code = await latest_code(session, hub.base_url)
            wrong = "000000" if code != "000000" else "111111"
            async with session.post(f"{api}/insurance/applications/{offer_no}/submission", json={
                    "contact_name": "林晓梅", "contact_mobile": MOBILE,
                    "contact_email": "linxm@example.com", "declaration_accepted": True,
                    "sms_code": wrong}) as r:
                assert r.status == 422
                [error] = (await r.json())["errors"]
            assert (error["code"], error["field"], error["message"]) == (
                "E-SMS-CODE-WRONG", "$.sms_code", "验证码错误，还可尝试4次")
            async with session.post(f"{api}/insurance/applications/{offer_no}/submission", json={
                    "contact_name": "林晓梅", "contact_mobile": MOBILE,
                    "contact_email": "linxm@example.com", "declaration_accepted": True,
                    "sms_code": code}) as r:
                assert r.status == 201
                assert (await r.json())["status"] == "已投保"

            sent = await eventually(lambda: _of_type(mock, "INSURANCE_APPLICATION"))
            assert sent.channel.startswith(channel) and b"linxm@example.com" in sent.document
            effective = await eventually(lambda: status(session, api, offer_no, "生效"))
            assert (effective["receipt_status"], effective["step"]) == ("待收悉", 4)
            async with session.get(f"{api}/insurance/policies", params={"receipt_status": "待收悉"}) as r:
                assert [p["offer_no"] for p in (await r.json())["items"]] == [offer_no]

            async with session.post(
                    f"{api}/insurance/applications/{offer_no}/receipt-acknowledgement") as r:
                assert r.status == 202
                acknowledged = await r.json()
            assert (acknowledged["receipt_status"], acknowledged["step"]) == ("已收悉", 5)
            await eventually(lambda: _of_type(mock, "RECEIPT_ACKNOWLEDGEMENT"))
            async with session.get(f"{api}/insurance/applications/{offer_no}/process") as r:
                steps = [s["step"] for s in (await r.json())["steps"]]
            assert "收悉确认已送达中国出口信用保险公司" in await eventually(
                lambda: _process(session, api, offer_no))
            assert steps[:2] == ["收到中国出口信用保险公司发送的待确认保单", "收到待确认保单"]

            pdfs = {}
            for kind in ("application", "policy", "e-policy"):
                async with session.get(f"{api}/insurance/applications/{offer_no}/{kind}.pdf") as r:
                    assert r.headers["Content-Type"] == "application/pdf"
                    assert r.headers["Content-Disposition"].startswith("attachment")
                    pdfs[kind] = await r.read()
            async with session.get(f"{api}/insurance/applications/{offer_no}/e-policy.pdf",
                                   params={"disposition": "inline"}) as r:
                assert r.headers["Content-Disposition"].startswith("inline")
            assert "小微企业投保单（申请）" in text_of(pdfs["application"])
            assert NAME in text_of(pdfs["application"]) and "林晓梅" in text_of(pdfs["application"])
            assert "北京时间" in text_of(pdfs["application"])
            assert "保险单" in text_of(pdfs["policy"]) and "已收悉" in text_of(pdfs["policy"])
            assert "电子保单" in text_of(pdfs["e-policy"]) and NAME in text_of(pdfs["e-policy"])

            second = await mock.state.play.offer(f"{offer_no}-2", USCC, NAME)
            assert second.ack_status == "ACCEPTED"
            await apply(session, hub.base_url, api, f"{offer_no}-2", "return.desk@example.com")
            returned = await eventually(lambda: status(session, api, f"{offer_no}-2", "退回"))
            assert returned["return_reason"] == "主要联系人邮箱无法送达，请核实后重新投保"
            async with session.get(f"{api}/insurance/applications") as r:
                listed = [(a["offer_no"], a["status"], a["step"]) for a in (await r.json())["items"]]
            assert listed == [(f"{offer_no}-2", "退回", 3), (offer_no, "生效", 5)]


async def _process(session: aiohttp.ClientSession, api: str, offer_no: str) -> list[str]:
    async with session.get(f"{api}/insurance/applications/{offer_no}/process") as r:
        steps = [s["step"] for s in (await r.json())["steps"]]
    return steps if "收悉确认已送达中国出口信用保险公司" in steps else []


async def _of_type(mock, message_type: str):
    return next((r for r in mock.store.records() if r.message_type == message_type), None)




INQUIRY = {"company_name": NAME, "province": "350000", "city": "350200", "district": "350203",
           "address_detail": "湖滨北路88号", "contact_name": "林晓梅", "contact_mobile": MOBILE,
           "contact_email": "linxm@example.com", "inquiry_content": "OTHER",
           "other_needs": "想了解小微信保易的保费"}


async def answered(session: aiohttp.ClientSession, api: str, serial_no: str) -> dict | None:
    async with session.get(f"{api}/insurance/inquiries/{serial_no}") as r:
        found = await r.json()
    return found if found["status"] == "已反馈" else None


@pytest.mark.parametrize("channel", ["soap", "rest"])
async def test_an_inquiry_is_submitted_listed_answered_and_shown(db_url, db, channel) -> None:
    async with running_mock_insurer(decision_delay_seconds=0.3) as mock, \
            running_hub(db, hub_settings(db_url, insurer_url=mock.base_url, channel=channel)) as hub:
        mock.state.play.point_at(hub.base_url, channel)
        api = f"{hub.base_url}/portal/v1"
        token = portal_token(hub.settings, uscc=USCC, name=NAME, card="operator", user="林晓梅")
        async with aiohttp.ClientSession(headers=token) as session:
            async with session.get(f"{api}/insurance/inquiries/form") as r:
                blank = await r.json()
            assert (blank["company_name"], blank["inquiry_content"]) == (NAME, "INSURE")
            async with session.post(f"{api}/insurance/inquiries", json=INQUIRY) as r:
                assert r.status == 201, await r.text()
                submitted = await r.json()
            serial_no = submitted["serial_no"]
            assert re.fullmatch(r"20\d{16}", serial_no)
            assert (submitted["status"], submitted["read_only"]) == ("已提交", True)
            assert submitted["registered_address"]["reads"] == "福建省 厦门市 思明区 湖滨北路88号"
            async with session.get(f"{api}/insurance/inquiries") as r:
                [listed] = (await r.json())["items"]
            assert (listed["serial_no"], listed["status"], listed["inquiry_content_name"]) == (
                serial_no, "已提交", "我有其他需求")

            sent = await eventually(lambda: _of_type(mock, "INSURANCE_INQUIRY"))
            assert sent.channel.startswith(channel) and serial_no.encode() in sent.document
            shown = await eventually(lambda: answered(session, api, serial_no))
            assert shown["reply"]["handler"] == "陈信保" and "客户经理" in shown["reply"]["text"]
            assert shown["contact_mobile"] == MOBILE and shown["other_needs"] == "想了解小微信保易的保费"
            async with session.get(f"{api}/insurance/inquiries", params={"status": "已反馈"}) as r:
                assert [i["serial_no"] for i in (await r.json())["items"]] == [serial_no]
            async with session.get(f"{api}/insurance/inquiries/{serial_no}/process") as r:
                steps = [s["step"] for s in (await r.json())["steps"]]
            assert steps[0] == "企业提交询保申请"
            assert steps[-2:] == ["收到中国出口信用保险公司的询保反馈", "保险公司已反馈"]
