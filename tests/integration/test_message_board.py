"""调查问卷 / 留言板 (§七, Q-1) on SQLite and PostgreSQL: a message is submitted with its * fields
and its 所属地区 checked 省 → 市 → 区 against GB/T 2260 (a district outside the chosen city is
refused naming the field); the enterprise lists its own messages newest first in keyset pages;
another enterprise's message is 404; operators read every enterprise's through /ops/v1."""

from __future__ import annotations

import aiohttp

from tests.harness import OPERATOR, hub_settings, portal_token, running_hub

USCC = "91350100M000100Y43"
OTHER = "91350200MA2Y0Q1X9G"
MESSAGE = {"company_name": "厦门示范进出口贸易有限公司", "province": "350000", "city": "350200",
           "district": "350203", "contact_name": "林晓梅", "contact_mobile": "13859012345",
           "content": "希望增加美元以外币种的保单融资产品。"}


async def post(session: aiohttp.ClientSession, api: str, body: dict) -> tuple[int, dict]:
    async with session.post(f"{api}/messages", json=body) as r:
        return r.status, await r.json()


async def test_a_district_not_in_the_chosen_city_is_refused_naming_the_field(db_url, db) -> None:
    cases = [
        ({"district": "350102"}, "$.district", "E-REGION-CASCADE"),   # 鼓楼区 is 福州市's
        ({"city": "440300"}, "$.city", "E-REGION-CASCADE"),           # 深圳市 is not in 福建省
        ({"district": None}, "$.district", "E-REGION-CASCADE"),       # 厦门市 has districts
        ({"city": None}, "$.city", "E-REGION-CASCADE"),               # 福建省 has cities
        ({"province": "350200"}, "$.province", "E-REGION-CASCADE"),   # a city, not a province
        ({"district": "999999"}, "$.district", "E-REGION-UNKNOWN"),
        ({"content": "   "}, "$.content", "E-FIELD-REQUIRED"),
        ({"contact_mobile": "2385901234"}, "$.contact_mobile", "E-MOBILE-FORMAT"),
        ({"contact_email": "not-an-address"}, "$.contact_email", "E-EMAIL-FORMAT"),
    ]
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession(headers=portal_token(hub.settings)) as session:
        api = f"{hub.base_url}/portal/v1"
        answers = [await post(session, api, {**MESSAGE, **change}) for change, _, _ in cases]
        missing = await post(session, api, {k: v for k, v in MESSAGE.items() if k != "contact_name"})
        async with session.get(f"{api}/messages") as r:
            listed = (await r.json())["items"]
    for (status, body), (_, field, code) in zip(answers, cases, strict=True):
        assert status == 422, body
        assert [(e["code"], e["field"]) for e in body["errors"]] == [(code, field)]
        assert all(e["message"] for e in body["errors"])
    assert missing[0] == 422
    assert [(e["code"], e["field"]) for e in missing[1]["errors"]] == [("E-FIELD-REQUIRED",
                                                                       "$.contact_name")]
    assert listed == []


async def test_a_message_is_submitted_listed_in_pages_and_read_by_operators(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        api = f"{hub.base_url}/portal/v1"
        mine, theirs = portal_token(hub.settings), portal_token(hub.settings, uscc=OTHER,
                                                                name="厦门鹭江外贸有限公司")
        async with session.get(f"{api}/messages/form", headers=mine) as r:
            blank = await r.json()
        numbers = []
        for n in range(5):
            async with session.post(f"{api}/messages", headers=mine,
                                    json={**MESSAGE, "content": f"第{n}条留言"}) as r:
                assert r.status == 201, await r.text()
                numbers.append((await r.json())["message_no"])
        async with session.post(f"{api}/messages", headers=theirs,
                                json={**MESSAGE, "company_name": "厦门鹭江外贸有限公司",
                                      "contact_email": "linxm@example.com"}) as r:
            assert r.status == 201
            their_no = (await r.json())["message_no"]
        pages, cursor = [], None
        while True:
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            async with session.get(f"{api}/messages", headers=mine, params=params) as r:
                page = await r.json()
            pages.append([m["message_no"] for m in page["items"]])
            cursor = page["next_cursor"]
            if not cursor:
                break
        async with session.get(f"{api}/messages/{numbers[0]}", headers=mine) as r:
            first = await r.json()
        async with session.get(f"{api}/messages/{their_no}", headers=mine) as r:
            foreign = (r.status, (await r.json())["errors"][0]["code"])
        async with session.get(f"{hub.base_url}/ops/v1/messages", params={"limit": "4"},
                               headers=OPERATOR) as r:
            ops_page = await r.json()
        async with session.get(f"{hub.base_url}/ops/v1/messages",
                               params={"before": str(ops_page["next_before"])}, headers=OPERATOR) as r:
            ops_rest = await r.json()
        async with session.get(f"{hub.base_url}/ops/v1/messages", headers=mine) as r:
            portal_token_at_ops = r.status
    assert blank["company_name"] == "厦门示范进出口贸易有限公司"
    assert {"province", "city", "district", "content"} <= set(blank["required"])
    assert pages == [numbers[4:2:-1], numbers[2:0:-1], numbers[0:1]]
    assert (first["content"], first["area"]["reads"], first["contact_email"]) == (
        "第0条留言", "福建省 厦门市 思明区", None)
    assert first["submitted_at_beijing"].endswith("（北京时间）")
    assert foreign == (404, "E-MESSAGE-NOT-FOUND")
    assert [m["message_no"] for m in ops_page["items"] + ops_rest["items"]] == [
        their_no, *reversed(numbers)]
    assert ops_page["items"][0]["uscc"] == OTHER and ops_rest["next_before"] is None
    assert portal_token_at_ops == 401
