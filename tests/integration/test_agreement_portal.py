"""The agreement screens' rules: who may sign, which seal, whose data, once-only authorization."""

from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import select

from adapter.persistence.tables import outbox
from mock_insurer.documents import agreement_stamp, termination_result
from mock_insurer.push import push
from tests.harness import hub_settings, portal_token, running_hub, uscc_for

OURS, THEIRS = uscc_for(11), uscc_for(12)


async def sign(session: aiohttp.ClientSession, api: str, uscc: str) -> dict:
    async with session.get(f"{api}/seals") as r:
        seal = next(s for s in (await r.json())["items"] if s["usable"])
    async with session.post(f"{api}/agreements", json={"seal_id": seal["seal_id"], "agree": True}) as r:
        assert r.status == 201, await r.text()
        return await r.json()


@pytest.fixture
async def hub(db_url, db):
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as running:
        yield running


async def test_operator_card_may_not_sign_or_terminate(hub) -> None:
    api = f"{hub.base_url}/portal/v1"
    operator = portal_token(hub.settings, uscc=OURS, card="operator")
    async with aiohttp.ClientSession(headers=operator) as session:
        async with session.post(f"{api}/agreements", json={"seal_id": f"{OURS}-01", "agree": True}) as r:
            assert r.status == 403
            assert (await r.json())["errors"][0]["code"] == "E-LEGAL-PERSON-CARD-REQUIRED"
        async with session.post(f"{api}/agreements/SA-X/termination", json={"confirmation": "坚持解约"}) as r:
            assert r.status == 403


@pytest.mark.parametrize("suffix, code", [("-02", "E-SEAL-EXPIRED"), ("-03", "E-SEAL-TYPE"),
                                          ("-99", "E-SEAL-UNKNOWN")])
async def test_only_an_unexpired_company_seal_signs(hub, suffix, code) -> None:
    api = f"{hub.base_url}/portal/v1"
    async with aiohttp.ClientSession(headers=portal_token(hub.settings, uscc=OURS)) as session, \
            session.post(f"{api}/agreements", json={"seal_id": OURS + suffix, "agree": True}) as r:
        body = await r.json()
    assert r.status == 422
    [error] = body["errors"]
    assert (error["code"], error["field"]) == (code, "$.seal_id")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])


async def test_another_enterprises_agreement_is_not_found_on_every_route(hub) -> None:
    api = f"{hub.base_url}/portal/v1"
    async with aiohttp.ClientSession(headers=portal_token(hub.settings, uscc=THEIRS)) as session:
        theirs = (await sign(session, api, THEIRS))["agreement_no"]
    async with aiohttp.ClientSession(headers=portal_token(hub.settings, uscc=OURS)) as session:
        for method, path, body in [("GET", "", None), ("GET", "/pdf", None), ("GET", "/process", None),
                                   ("POST", "/termination", {"confirmation": "坚持解约"})]:
            async with session.request(method, f"{api}/agreements/{theirs}{path}", json=body) as r:
                assert r.status == 404, path
                assert (await r.json())["errors"][0]["code"] == "E-AGREEMENT-NOT-FOUND"
        async with session.get(f"{api}/agreements") as r:
            assert (await r.json())["items"] == []


async def test_signing_twice_and_terminating_without_confirmation_are_refused(hub) -> None:
    api = f"{hub.base_url}/portal/v1"
    async with aiohttp.ClientSession(headers=portal_token(hub.settings, uscc=OURS)) as session:
        number = (await sign(session, api, OURS))["agreement_no"]
        async with session.post(f"{api}/agreements", json={"seal_id": f"{OURS}-01", "agree": True}) as r:
            assert r.status == 409
            assert (await r.json())["errors"][0]["code"] == "E-AGREEMENT-EXISTS"
        await push(hub.base_url, agreement_stamp(number, OURS))
        async with session.post(f"{api}/agreements/{number}/termination", json={"confirmation": "取消"}) as r:
            assert r.status == 422
            assert (await r.json())["errors"][0]["field"] == "$.confirmation"
        async with session.post(f"{api}/agreements/{number}/termination", json={}) as r:
            assert (await r.json())["errors"][0]["code"] == "E-FIELD-REQUIRED"


async def test_stamp_after_termination_is_recorded_and_changes_nothing(hub) -> None:
    api = f"{hub.base_url}/portal/v1"
    async with aiohttp.ClientSession(headers=portal_token(hub.settings, uscc=OURS)) as session:
        number = (await sign(session, api, OURS))["agreement_no"]
        await push(hub.base_url, agreement_stamp(number, OURS))
        async with session.post(f"{api}/agreements/{number}/termination",
                                json={"confirmation": "坚持解约"}) as r:
            assert r.status == 202
        await push(hub.base_url, termination_result(number, OURS))
        late = await push(hub.base_url, agreement_stamp(number, OURS))
        assert late.ack_status == "ACCEPTED"
        async with session.get(f"{api}/agreements/{number}/process") as r:
            process = await r.json()
    assert process["status"] == "解约成功"
    assert process["steps"][-1]["step"] == "收到迟到或重复的回执，协议状态保持解约成功"


async def test_refused_termination_can_be_requested_again(hub) -> None:
    api = f"{hub.base_url}/portal/v1"
    async with aiohttp.ClientSession(headers=portal_token(hub.settings, uscc=OURS)) as session:
        number = (await sign(session, api, OURS))["agreement_no"]
        await push(hub.base_url, agreement_stamp(number, OURS))
        await session.post(f"{api}/agreements/{number}/termination", json={"confirmation": "坚持解约"})
        await push(hub.base_url, termination_result(number, OURS, "REFUSED", "存在未结索赔案件"))
        async with session.get(f"{api}/agreements/{number}") as r:
            agreement = await r.json()
        assert agreement["status"] == "解约失败" and agreement["can_terminate"]
        async with session.post(f"{api}/agreements/{number}/termination",
                                json={"confirmation": "坚持解约"}) as r:
            assert (await r.json())["status"] == "解约中"


async def test_second_data_authorization_says_do_not_repeat_and_sends_nothing(hub, db) -> None:
    api = f"{hub.base_url}/portal/v1"
    async with aiohttp.ClientSession(headers=portal_token(hub.settings, uscc=OURS)) as session:
        async with session.post(f"{api}/data-authorization", json={"agree": True}) as r:
            assert r.status == 409
            assert (await r.json())["errors"][0]["code"] == "E-AUTHORIZATION-NEEDS-AGREEMENT"
        await sign(session, api, OURS)
        async with session.post(f"{api}/data-authorization", json={"agree": True}) as r:
            assert r.status == 201
        async with session.post(f"{api}/data-authorization", json={"agree": True}) as r:
            assert r.status == 409
            error = (await r.json())["errors"][0]
    assert (error["code"], error["message"]) == ("E-AUTHORIZATION-DUPLICATE", "请勿重复授权")
    async with db.reading() as conn:
        kinds = [row.message_type for row in await conn.execute(select(outbox.c.message_type))]
    assert sorted(kinds) == ["DATA_AUTHORIZATION", "SIGNED_AGREEMENT"]


async def test_authorized_data_query_and_statistics(hub) -> None:
    api = f"{hub.base_url}/portal/v1"
    window = "start=2026-01-01&end=2026-06-30"
    async with aiohttp.ClientSession(headers=portal_token(hub.settings, uscc=OURS)) as session:
        async with session.get(f"{api}/authorized-data?data_type=CUSTOMS_DECLARATION&{window}") as r:
            assert (await r.json())["errors"][0]["code"] == "E-AUTHORIZATION-REQUIRED"
        await sign(session, api, OURS)
        await session.post(f"{api}/data-authorization", json={"agree": True})
        async with session.get(f"{api}/authorized-data?data_type=CUSTOMS_DECLARATION&{window}") as r:
            data = await r.json()
        async with session.get(f"{api}/authorized-data/statistics?data_type=CUSTOMS_DECLARATION"
                               f"&{window}&frequency=quarter") as r:
            stats = await r.json()
        async with session.get(f"{api}/authorized-data/statistics?data_type=CUSTOMS_DECLARATION"
                               f"&{window}&frequency=month&format=csv") as r:
            csv_text = (await r.read()).decode("utf-8-sig")
        async with session.get(f"{api}/authorized-data?data_type=X&start=2026-06-01&end=2026-01-01") as r:
            bad = await r.json()
    assert data["total"] > 0 and data["data_type_name"] == "报关单"
    assert all(len(item["number"]) == 18 for item in data["items"])
    assert stats["labels"] == ["2026-Q1", "2026-Q2"]
    assert stats["total"]["count"] == data["total"]
    assert csv_text.splitlines()[0] == "统计周期,票数,金额（美元）" and len(csv_text.splitlines()) == 7
    assert {e["field"] for e in bad["errors"]} == {"$query.data_type"}


async def test_agreement_list_is_newest_first_and_filters_by_status(hub) -> None:
    api = f"{hub.base_url}/portal/v1"
    async with aiohttp.ClientSession(headers=portal_token(hub.settings, uscc=OURS)) as session:
        first = (await sign(session, api, OURS))["agreement_no"]
        await push(hub.base_url, agreement_stamp(first, OURS, "REFUSED", "签章不清晰"))
        second = (await sign(session, api, OURS))["agreement_no"]
        async with session.get(f"{api}/agreements?limit=1") as r:
            page = await r.json()
        async with session.get(f"{api}/agreements?limit=1&cursor={page['next_cursor']}") as r:
            rest = await r.json()
        async with session.get(f"{api}/agreements?status=签约失败") as r:
            refused = await r.json()
    assert [a["agreement_no"] for a in page["items"] + rest["items"]] == [second, first]
    assert rest["next_cursor"] is None
    assert [a["agreement_no"] for a in refused["items"]] == [first]


@pytest.mark.parametrize("kind", ["missing", "garbage", "expired", "wrong_key", "unsigned"])
async def test_bad_tokens_get_401(hub, kind) -> None:
    import jwt

    headers = {"missing": {}, "garbage": {"Authorization": "Bearer not-a-token"},
               "expired": portal_token(hub.settings, uscc=OURS, hours=-1),
               "wrong_key": {"Authorization": "Bearer " + jwt.encode(
                   {"sub": "x", "card": "legal_person", "ent": {"name": "x", "uscc": OURS}},
                   "another-key-of-sufficient-length-32b", algorithm="HS256")},
               "unsigned": {"Authorization": "Bearer " + jwt.encode(
                   {"sub": "x", "card": "legal_person", "iss": "singlewindow-login",
                    "aud": "policy-export-credit", "ent": {"name": "x", "uscc": OURS}},
                   None, algorithm="none")}}[kind]
    async with aiohttp.ClientSession(headers=headers) as session, \
            session.get(f"{hub.base_url}/portal/v1/agreements") as r:
        assert r.status == 401
        assert (await r.json())["errors"][0]["code"] == "E-AUTH-REQUIRED"


async def test_cors_answers_only_the_configured_portal_origins(hub) -> None:
    url = f"{hub.base_url}/portal/v1/agreements"
    preflight = {"Access-Control-Request-Method": "GET"}
    async with aiohttp.ClientSession() as session:
        async with session.options(url, headers={"Origin": "http://localhost:3000", **preflight}) as r:
            assert r.status == 204
            assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
        async with session.options(url, headers={"Origin": "http://evil.example", **preflight}) as r:
            assert r.status == 403
            assert "Access-Control-Allow-Origin" not in r.headers


async def test_five_bad_fields_answer_one_422_naming_all_five(hub) -> None:
    api = f"{hub.base_url}/portal/v1"
    query = "data_type=INVOICE&start=2026-02-30&end=yesterday&limit=0&offset=-1"
    async with aiohttp.ClientSession(headers=portal_token(hub.settings, uscc=OURS)) as session, \
            session.get(f"{api}/authorized-data?{query}") as r:
        body = await r.json()
    assert r.status == 422
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("$query.data_type", "E-FIELD-CHOICE"), ("$query.start", "E-FIELD-TYPE"),
        ("$query.end", "E-FIELD-TYPE"), ("$query.limit", "E-FIELD-RANGE"),
        ("$query.offset", "E-FIELD-RANGE")}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e["message"]) for e in body["errors"])


async def test_token_with_a_wrong_check_character_is_refused(hub) -> None:
    broken = OURS[:-1] + ("0" if OURS[-1] != "0" else "1")
    async with aiohttp.ClientSession(headers=portal_token(hub.settings, uscc=broken)) as session, \
            session.get(f"{hub.base_url}/portal/v1/me") as r:
        assert r.status == 401
