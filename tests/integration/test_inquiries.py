"""询保申请 (§3.2, I-9) on SQLite and PostgreSQL: the insurer's replies that come late, twice or
for another enterprise are recorded on the timeline and change nothing; the form's rules are
answered 422 naming the field; the list pages newest first; another enterprise's inquiry is
404 on every route."""

from __future__ import annotations

import aiohttp
from lxml import etree

from adapter.mappings import acknowledgement
from mock_insurer.documents import inquiry_reply
from tests.harness import hub_settings, portal_token, post_rest, running_hub, timeline_of
from tests.insurance_harness import inquired, inquiry_status

USCC = "91350100M000100Y43"
OTHER = "91350200MA2Y0Q1X9G"
FORM = {"company_name": "厦门示范进出口贸易有限公司", "province": "350000", "city": "350200",
        "district": "350203", "address_detail": "湖滨北路88号", "contact_name": "林晓梅",
        "contact_mobile": "13859012345", "contact_email": "linxm@example.com"}


def ack(body: bytes):
    return acknowledgement.from_element(etree.fromstring(body))


async def events(db, serial_no: str) -> list[tuple[str, str | None]]:
    return [(e.event, e.outcome) for e in await timeline_of(db, serial_no, "insurance_inquiry")]


async def test_a_reply_to_an_inquiry_the_hub_never_sent_is_refused_and_recorded(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        status, body = await post_rest(session, hub, inquiry_reply("202600000000000404", USCC),
                                       "inquiry-reply")
    assert (status, [(e.code, e.path) for e in ack(body).errors]) == (
        422, [("E-INQUIRY-UNKNOWN", "/InquiryReply/Body/SerialNo")])
    assert await inquiry_status(db, "202600000000000404") is None
    assert await events(db, "202600000000000404") == [("reply_refused", "E-INQUIRY-UNKNOWN")]


async def test_a_second_reply_is_accepted_recorded_and_changes_nothing(db_url, db) -> None:
    await inquired(db, "202600000000000002")
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        first = await post_rest(session, hub, inquiry_reply("202600000000000002", USCC, reply="第一次答复"),
                                "inquiry-reply")
        second = await post_rest(session, hub, inquiry_reply("202600000000000002", USCC,
                                                             reply="第二次答复"), "inquiry-reply")
    assert [(s, ack(b).status.value) for s, b in (first, second)] == [(200, "ACCEPTED")] * 2
    assert await inquiry_status(db, "202600000000000002") == ("已反馈", "第一次答复")
    assert (await events(db, "202600000000000002"))[-2:] == [
        ("message_received", "REPLIED"), ("reply_ignored", "已反馈")]


async def test_a_reply_for_another_enterprises_inquiry_is_refused_and_recorded(db_url, db) -> None:
    await inquired(db, "202600000000000003", uscc=OTHER)
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        status, body = await post_rest(session, hub, inquiry_reply("202600000000000003", USCC),
                                       "inquiry-reply")
    assert (status, [(e.code, e.path) for e in ack(body).errors]) == (
        422, [("E-INQUIRY-USCC-MISMATCH", "/InquiryReply/Body/Uscc")])
    assert await inquiry_status(db, "202600000000000003") == ("已提交", None)
    assert await events(db, "202600000000000003") == [("reply_refused", "E-INQUIRY-USCC-MISMATCH")]


async def test_the_forms_rules_are_answered_naming_the_field(db_url, db) -> None:
    cases = [
        ({"city": "440300"}, "$.city", "E-REGION-CASCADE"),            # 深圳市 is not in 福建省
        ({"district": "350102"}, "$.district", "E-REGION-CASCADE"),    # 鼓楼区 of 福州市
        ({"district": None}, "$.district", "E-REGION-CASCADE"),        # 厦门市 has districts
        ({"province": "350200"}, "$.province", "E-REGION-CASCADE"),    # a city, not a province
        ({"province": "999999"}, "$.province", "E-REGION-UNKNOWN"),
        ({"inquiry_content": "OTHER"}, "$.other_needs", "E-INQUIRY-OTHER-NEEDS-REQUIRED"),
        ({"contact_mobile": "2385901234"}, "$.contact_mobile", "E-MOBILE-FORMAT"),
        ({"company_name": ""}, "$.company_name", "E-FIELD-TOO-SHORT"),
    ]
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession(headers=portal_token(hub.settings)) as session:
        answers = []
        for change, field, code in cases:
            async with session.post(f"{hub.base_url}/portal/v1/insurance/inquiries",
                                    json={**FORM, **change}) as r:
                [error] = (await r.json())["errors"]
                answers.append((r.status, error["field"], error["code"], bool(error["message"])))
        async with session.get(f"{hub.base_url}/portal/v1/insurance/inquiries") as r:
            assert (await r.json())["items"] == []
    assert answers == [(422, field, code, True) for _change, field, code in cases]


async def test_the_list_pages_newest_first_and_keeps_to_the_enterprise(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        mine, stranger = portal_token(hub.settings), portal_token(hub.settings, uscc=OTHER,
                                                                  name="厦门鹭江外贸有限公司")
        api = f"{hub.base_url}/portal/v1/insurance/inquiries"
        async with aiohttp.ClientSession(headers=mine) as session:
            made = []
            for n in range(3):
                async with session.post(api, json={**FORM, "address_detail": f"湖滨北路{n}号"}) as r:
                    assert r.status == 201
                    made.append((await r.json())["serial_no"])
            async with session.get(api, params={"limit": "2"}) as r:
                first = await r.json()
            async with session.get(api, params={"limit": "2", "cursor": first["next_cursor"]}) as r:
                rest = await r.json()
        async with aiohttp.ClientSession(headers=stranger) as session:
            async with session.get(api) as r:
                theirs = (await r.json())["items"]
            codes = []
            for path in ("", "/process"):
                async with session.get(f"{api}/{made[0]}{path}") as r:
                    codes.append((r.status, (await r.json())["errors"][0]["code"]))
    assert [i["serial_no"] for i in first["items"] + rest["items"]] == made[::-1]
    assert rest["next_cursor"] is None and theirs == []
    assert codes == [(404, "E-INQUIRY-NOT-FOUND")] * 2
