"""The insurer's insurance documents through the hub's REST channel, on SQLite and PostgreSQL:
late, repeated and misdirected ones are recorded on the timeline and change nothing; another
enterprise's offer is 404 on every portal route."""

from __future__ import annotations

import aiohttp
from lxml import etree

from adapter.mappings import acknowledgement
from mock_insurer.documents import application_receipt, pending_policy
from tests.harness import hub_settings, portal_token, post_rest, running_hub, timeline_of
from tests.insurance_harness import application_status, pending, submitted

USCC = "91350100M000100Y43"
OTHER = "91350200MA2Y0Q1X9G"


def ack(body: bytes):
    return acknowledgement.from_element(etree.fromstring(body))


async def test_an_offer_for_an_enterprise_without_a_signed_agreement_is_refused_and_kept(
        db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        status, body = await post_rest(session, hub, pending_policy("PP-NA-1", OTHER, "鹭江"),
                                       "pending-policy")
    answer = ack(body)
    assert (status, answer.status.value) == (422, "REJECTED")
    assert [(e.code, e.path) for e in answer.errors] == [
        ("E-OFFER-NO-AGREEMENT", "/PendingPolicy/Body/Enterprise/Uscc")]
    assert await application_status(db, "PP-NA-1") is None


async def test_receipts_before_the_application_twice_and_for_another_enterprise(db_url, db) -> None:
    await pending(db, "PP-EARLY")
    await submitted(db, "PP-TWICE", "TB-TWICE", uscc=OTHER)
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        early = await post_rest(session, hub, application_receipt("PP-EARLY", "TB-X", USCC),
                                "application-receipt")
        first = await post_rest(session, hub, application_receipt("PP-TWICE", "TB-TWICE", OTHER),
                                "application-receipt")
        second = await post_rest(session, hub, application_receipt(
            "PP-TWICE", "TB-TWICE", OTHER, result="RETURNED", return_reason="迟到的退回"),
            "application-receipt")
        foreign = await post_rest(session, hub, application_receipt("PP-TWICE", "TB-TWICE", USCC),
                                  "application-receipt")
    assert [(s, ack(b).status.value) for s, b in (early, first, second)] == [
        (200, "ACCEPTED")] * 3
    assert (foreign[0], [e.code for e in ack(foreign[1]).errors]) == (422, ["E-OFFER-USCC-MISMATCH"])
    assert await application_status(db, "PP-EARLY") == ("待确认", None)
    assert await application_status(db, "PP-TWICE") == ("生效", "待收悉")
    early_events = [(e.event, e.outcome) for e in await timeline_of(db, "PP-EARLY", "insurance_application")]
    assert early_events[-1] == ("receipt_ignored", "待确认")
    twice = [(e.event, e.outcome) for e in await timeline_of(db, "PP-TWICE", "insurance_application")]
    assert ("receipt_ignored", "生效") in twice
    assert twice[-1] == ("receipt_refused", "E-OFFER-USCC-MISMATCH")


async def test_another_enterprises_offer_is_not_found_on_every_route(db_url, db) -> None:
    await pending(db, "PP-MINE")
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        stranger = portal_token(hub.settings, uscc=OTHER, name="厦门鹭江外贸有限公司")
        item = f"{hub.base_url}/portal/v1/insurance/applications/PP-MINE"
        async with aiohttp.ClientSession(headers=stranger) as session:
            answers = []
            for path in ("", "/form", "/application.pdf", "/policy.pdf", "/e-policy.pdf", "/process"):
                async with session.get(item + path) as r:
                    answers.append((path, r.status, (await r.json())["errors"][0]["code"]))
            for path, body in (("/sms-code", {"contact_mobile": "13859012345"}),
                               ("/submission", {"contact_name": "王", "contact_mobile": "13859012345",
                                                "contact_email": "w@example.com",
                                                "declaration_accepted": True, "sms_code": "123456"}),
                               ("/receipt-acknowledgement", None)):
                async with session.post(item + path, json=body) as r:
                    answers.append((path, r.status, (await r.json())["errors"][0]["code"]))
    assert {(status, code) for _path, status, code in answers} == {(404, "E-APPLICATION-NOT-FOUND")}
    assert len(answers) == 9
