"""买方信息 (C-3, X-OUT-8) over real sockets: the hub, the mock insurer and its buyer list.

The search asks the insurer while a person waits: down or slow, it answers 503 within the
lookup's budget; a repeated search is answered from the cache, a failed one is not kept.
新建买家信息 goes through the outbox: with the insurer away it waits, is delivered once when
the insurer is back, and the buyer is 已登记 with the insurer's code once a lookup by its
serial finds it. Another enterprise's buyer is nobody's to name; bad input names the field.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from lxml import etree

from adapter.config import (
    REPO_ROOT,
    BreakerSettings,
    BuyerLookupSettings,
    PartnerSettings,
    Settings,
)
from adapter.domain.buyer import BuyerLookupUnavailable, BuyerQuery
from adapter.outbound.buyer_lookup import InsurerBuyerDirectory
from mock_insurer import MockInsurer, running_mock_insurer
from tests.claims_harness import effective_policy
from tests.harness import (
    OPERATOR,
    RunningHub,
    eventually,
    hub_settings,
    portal_token,
    running_hub,
    uscc_for,
)
from tests.insurance_harness import signed_agreement_for

LUJIANG, LUJIANG_NAME = "91350200MA2Y0Q1X9G", "厦门鹭江外贸有限公司"
OTHER, OTHER_NAME = uscc_for(4242), "厦门另一家外贸有限公司"
BUDGET = 1.0   # the lookup's whole time budget in these tests
MARGIN = 0.75  # what the hub may add around it (routing, JSON, the loopback)
NEW_BUYER = {"english_name": "Harborview Trading Pty Ltd", "country": "AUS",
             "address": "Level 5, 88 George Street, Sydney NSW 2000, Australia"}


@dataclass
class Scene:
    hub: RunningHub
    mock: MockInsurer
    api: str

    def token(self, uscc: str = LUJIANG, name: str = LUJIANG_NAME) -> dict[str, str]:
        return portal_token(self.hub.settings, uscc=uscc, name=name, card="operator", user="林晓梅")


@asynccontextmanager
async def scene(db_url: str, db: Any, *, channel: str = "rest") -> AsyncIterator[Scene]:
    async with running_mock_insurer() as mock, running_hub(db, hub_settings(
            db_url, insurer_url=mock.base_url, channel=channel,
            buyer_lookup=BuyerLookupSettings(timeout_seconds=BUDGET),
            breaker=BreakerSettings(failure_threshold=3, probe_interval_seconds=0.2))) as hub:
        yield Scene(hub, mock, f"{hub.base_url}/portal/v1/claims")


async def json_of(response: aiohttp.ClientResponse, status: int) -> Any:
    assert response.status == status, await response.text()
    return await response.json()


def fields(body: dict[str, Any]) -> set[tuple[str, str]]:
    return {(error["code"], error.get("field", "")) for error in body["errors"]}


async def timed_search(session: aiohttp.ClientSession, api: str, **query: str
                       ) -> tuple[int, Any, float]:
    started = time.monotonic()
    async with session.get(f"{api}/buyers", params=query) as r:
        body = await r.json()
        return r.status, body, time.monotonic() - started


@pytest.mark.parametrize("channel", ["soap", "rest"])
async def test_a_search_with_the_insurer_down_or_slow_answers_503_within_the_budget(
        db_url: str, db: Any, channel: str) -> None:
    await signed_agreement_for(db, LUJIANG)
    async with scene(db_url, db, channel=channel) as s, \
            aiohttp.ClientSession(headers=s.token()) as session:
        await s.mock.set_fault("refuse")
        status, refused, elapsed = await timed_search(session, s.api, name="Pacific")
        assert (status, [e["code"] for e in refused["errors"]]) == (503, ["E-BUYER-LOOKUP-UNAVAILABLE"])
        assert "买方信息查询暂时无法使用" in refused["errors"][0]["message"]
        assert elapsed < BUDGET + MARGIN

        await s.mock.set_fault("slow", seconds=BUDGET + 2)
        status, slow, elapsed = await timed_search(session, s.api, name="Sakura")
        assert (status, [e["code"] for e in slow["errors"]]) == (503, ["E-BUYER-LOOKUP-UNAVAILABLE"])
        assert BUDGET * 0.9 < elapsed < BUDGET + MARGIN

        await s.mock.set_fault("none")
        status, found, _ = await timed_search(session, s.api, name="Pacific")
        assert status == 200
        assert {item["code"] for item in found["items"]} == {"US0012345", "US0012399"}


async def test_a_repeated_search_is_answered_from_the_cache_and_a_failed_one_is_not_kept(
        db_url: str, db: Any) -> None:
    await signed_agreement_for(db, LUJIANG)
    async with scene(db_url, db) as s, aiohttp.ClientSession(headers=s.token()) as session:
        lookups = s.mock.buyers.lookups
        status, first, _ = await timed_search(session, s.api, name="Pacific")
        assert (status, first["total"], len(lookups)) == (200, 2, 1)
        status, again, _ = await timed_search(session, s.api, name="Pacific")
        assert (status, again, len(lookups)) == (200, first, 1)
        status, other, _ = await timed_search(session, s.api, code="DE0040117")
        assert (status, [i["english_name"] for i in other["items"]], len(lookups)) == (
            200, ["Nordhafen Handels GmbH"], 2)
        assert other["items"][0]["country_name"] == "德国"

        await s.mock.set_fault("http500")
        status, _, _ = await timed_search(session, s.api, name="Sakura")
        assert status == 503
        await s.mock.set_fault("none")
        status, found, _ = await timed_search(session, s.api, name="Sakura")
        assert (status, [i["code"] for i in found["items"]]) == (200, ["JP0070321"])
        assert len(lookups) == 3  # asked again: the failure was not kept


async def registered(mock: MockInsurer, serial: str) -> Any:
    return next((r for r in mock.store.records()
                 if r.message_type == "BUYER_REGISTRATION" and r.business_serial == serial), None)


async def own_buyers(session: aiohttp.ClientSession, api: str) -> list[dict[str, Any]]:
    async with session.get(f"{api}/buyers/own") as r:
        items: list[dict[str, Any]] = (await json_of(r, 200))["items"]
        return items


async def test_a_new_buyer_waits_in_the_outbox_while_the_insurer_is_away_and_arrives_once(
        db_url: str, db: Any) -> None:
    await signed_agreement_for(db, LUJIANG)
    async with scene(db_url, db) as s, aiohttp.ClientSession(headers=s.token()) as session:
        await s.mock.set_fault("refuse")
        async with session.post(f"{s.api}/buyers", json=NEW_BUYER) as r:
            created = await json_of(r, 202)
        serial = created["registration_serial"]
        assert (created["status"], created["reference"], created["code"]) == ("登记中", serial, None)
        assert (created["english_name"], created["country_name"]) == (NEW_BUYER["english_name"], "澳大利亚")
        [waiting] = await own_buyers(session, s.api)
        assert (waiting["status"], waiting["reference"]) == ("登记中", serial)
        assert await registered(s.mock, serial) is None

        await s.mock.set_fault("none")
        arrived = await eventually(lambda: registered(s.mock, serial), timeout=20)
        assert arrived.deliveries == 1

        async def coded() -> Any:
            [buyer] = await own_buyers(session, s.api)
            return buyer if buyer["status"] == "已登记" else None

        buyer = await eventually(coded, timeout=10)
        [listed] = s.mock.buyers.find(code=None, name=None, serial=serial)
        assert (buyer["code"], buyer["reference"], buyer["registration_serial"]) == (
            listed.code, listed.code, serial)
        assert (await registered(s.mock, serial)).deliveries == 1
        async with aiohttp.ClientSession(headers=OPERATOR) as ops, \
                ops.get(f"{s.hub.base_url}/ops/v1/timeline/claim_buyer/{serial}") as r:
            events = (await json_of(r, 200))["entries"]
        assert [e["outcome"] for e in events if e["event"] == "state_changed"] == ["登记中", "已登记"]


async def test_the_same_buyer_saved_twice_or_side_by_side_is_one_buyer_and_one_registration(
        db_url: str, db: Any) -> None:
    """A double click, a retry after a lost answer, two tabs: one row, one X-OUT-8."""
    await signed_agreement_for(db, LUJIANG)
    async with scene(db_url, db) as s, aiohttp.ClientSession(headers=s.token()) as session:
        async def save(body: dict[str, str]) -> Any:
            async with session.post(f"{s.api}/buyers", json=body) as r:
                return await json_of(r, 202)

        retyped = {**NEW_BUYER, "english_name": "  HARBORVIEW   trading pty ltd ",
                   "address": NEW_BUYER["address"].upper()}
        answers = await asyncio.gather(save(NEW_BUYER), save(NEW_BUYER), save(retyped))
        serials = {answer["registration_serial"] for answer in answers}
        assert len(serials) == 1
        [serial] = serials
        [buyer] = await own_buyers(session, s.api)
        assert buyer["registration_serial"] == serial
        # whichever save landed first is the row: the name as one of them typed it
        assert buyer["english_name"] in {NEW_BUYER["english_name"], " ".join(retyped["english_name"].split())}
        arrived = await eventually(lambda: registered(s.mock, serial), timeout=20)
        assert arrived.deliveries == 1
        assert sum(r.message_type == "BUYER_REGISTRATION" for r in s.mock.store.records()) == 1

        other = await save({**NEW_BUYER, "country": "NZL"})
        assert other["registration_serial"] != serial


async def test_another_enterprises_buyer_is_not_listed_nor_named_on_a_claim(
        db_url: str, db: Any) -> None:
    await effective_policy(db, "PP-BUYERS-A", uscc=LUJIANG)
    await effective_policy(db, "PP-BUYERS-B", uscc=OTHER)
    async with scene(db_url, db) as s, \
            aiohttp.ClientSession(headers=s.token()) as mine, \
            aiohttp.ClientSession(headers=s.token(OTHER, OTHER_NAME)) as theirs:
        async with mine.post(f"{s.api}/buyers", json=NEW_BUYER) as r:
            serial = (await json_of(r, 202))["registration_serial"]
        assert await own_buyers(theirs, s.api) == []

        async with theirs.post(f"{s.api}/policies/PP-BUYERS-B/claims") as r:
            their_claim = (await json_of(r, 201))["claim_no"]
        async with theirs.patch(f"{s.api}/{their_claim}", json={"buyer_code": serial}) as r:
            assert fields(await json_of(r, 404)) == {("E-BUYER-NOT-FOUND", "$.buyer_code")}

        async with mine.post(f"{s.api}/policies/PP-BUYERS-A/claims") as r:
            my_claim = (await json_of(r, 201))["claim_no"]
        async with mine.patch(f"{s.api}/{my_claim}", json={"buyer_code": serial}) as r:
            named = (await json_of(r, 200))["buyer"]
        assert (named["name_en"], named["country"]) == (NEW_BUYER["english_name"], "AUS")
        assert [b["registration_serial"] for b in await own_buyers(mine, s.api)] == [serial]


async def test_refusals_name_the_field(db_url: str, db: Any) -> None:
    await signed_agreement_for(db, LUJIANG)
    async with scene(db_url, db) as s, aiohttp.ClientSession(headers=s.token()) as session:
        async with session.post(f"{s.api}/buyers", json={
                "english_name": "厦门买家", "country": "XXX"}) as r:
            assert fields(await json_of(r, 422)) == {("E-BUYER-NOT-ENGLISH", "$.english_name"),
                                                     ("E-COUNTRY-UNKNOWN", "$.country"),
                                                     ("E-FIELD-REQUIRED", "$.address")}
        for query, expected in (({}, ("E-BUYER-QUERY-REQUIRED", "$query.code")),
                                ({"name": "太平洋"}, ("E-BUYER-NOT-ENGLISH", "$query.name")),
                                ({"code": "x"}, ("E-BUYER-CODE-FORMAT", "$query.code"))):
            status, body, _ = await timed_search(session, s.api, **query)
            assert (status, fields(body)) == (422, {expected}), query
        assert s.mock.buyers.lookups == []

        async with aiohttp.ClientSession(headers=s.token(OTHER, OTHER_NAME)) as unsigned, \
                unsigned.post(f"{s.api}/buyers", json=NEW_BUYER) as r:
            refused = await json_of(r, 409)
        assert [e["code"] for e in refused["errors"]] == ["E-BUYER-NEEDS-AGREEMENT"]
        assert not any(r.message_type == "BUYER_REGISTRATION" for r in s.mock.store.records())


def wsdl_without_lookup(folder: Path) -> Path:
    """The insurer's WSDL as an older insurer would publish it: no LookupBuyers operation."""
    tree = etree.parse(str(REPO_ROOT / "contracts" / "insurer.wsdl"))
    for operation in tree.iter("{http://schemas.xmlsoap.org/wsdl/}operation"):
        if operation.get("name") == "LookupBuyers":
            operation.getparent().remove(operation)
    (folder / "contracts").mkdir()
    (folder / "xsd").symlink_to(REPO_ROOT / "xsd")
    target = folder / "contracts" / "insurer.wsdl"
    tree.write(str(target))
    return target


async def test_a_soap_channel_that_cannot_be_built_leaves_no_session_open(tmp_path: Path) -> None:
    unclosed: list[str] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: unclosed.append(context["message"]))
    try:
        directory = InsurerBuyerDirectory(Settings(insurer=PartnerSettings(
            channel="soap", soap_wsdl=wsdl_without_lookup(tmp_path))))
        await directory.start()
        with pytest.raises(BuyerLookupUnavailable):
            await directory.lookup(BuyerQuery(uscc=LUJIANG, name="Pacific"))
        await directory.close()
        gc.collect()
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert unclosed == []
