"""Claims over HTTP: every claim route refuses another enterprise's claim, policy and line
with 404 (walked from the router, so a new route is walked too), and the refusals a form
gives are coded and named by field."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest

from adapter.persistence.unit_of_work import SqlUnitsOfWork
from tests.claims_harness import complete_claim, effective_policy
from tests.harness import USCC, hub_settings, portal_token, running_hub
from tests.insurance_harness import signed_agreement_for

OTHER_USCC = "91350200MA2Y0Q1X9G"
CLAIM_NO = "SP20260901WALK000001"
LINE_ID = "20260801000000000001"
OFFER = "PP-CLAIM-1"
PARAMS = {"claim_no": CLAIM_NO, "offer_no": OFFER, "line_id": LINE_ID, "attachment_id": "1"}


@pytest.fixture
async def hub(db: Any, db_url: str, tmp_path: Any) -> Any:
    from adapter.config import PortSettings

    await effective_policy(db, OFFER, uscc=USCC)
    await signed_agreement_for(db, OTHER_USCC)  # signed too: only ownership refuses
    async with SqlUnitsOfWork(db).begin() as uow:
        await uow.claims.add(complete_claim(CLAIM_NO, uscc=USCC, offer_no=OFFER))
        await uow.commit()
    settings = hub_settings(db_url, dispatcher=False,
                            ports=PortSettings(attachments_dir=tmp_path / "files"))
    async with running_hub(db, settings) as running:
        yield running


def claim_routes(app: Any) -> list[tuple[str, str]]:
    """Every route that names a claim, a policy or a line: (method, filled-in path)."""
    found = []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if route.method == "HEAD" or not re.search(r"\{(claim_no|offer_no)\}", path):
            continue
        if not path.startswith("/portal/v1/claims"):
            continue
        found.append((route.method, re.sub(r"\{(\w+)\}", lambda m: PARAMS[m.group(1)], path)))
    return found


async def test_every_claim_route_is_404_for_another_enterprise(hub: Any) -> None:
    routes = claim_routes(hub.app)
    assert len(routes) >= 15, routes
    other = portal_token(hub.settings, uscc=OTHER_USCC, name="厦门鹭江外贸有限公司")
    owner = portal_token(hub.settings, uscc=USCC)
    async with aiohttp.ClientSession() as session:
        for method, path in routes:
            async with session.request(method, hub.base_url + path, json={}, headers=other) as r:
                assert r.status == 404, (method, path, r.status, await r.text())
        async with session.get(f"{hub.base_url}/portal/v1/claims/{CLAIM_NO}", headers=owner) as r:
            assert r.status == 200, await r.text()


async def test_a_line_of_another_claim_is_404_and_a_submitted_claim_is_409(hub: Any) -> None:
    owner = portal_token(hub.settings, uscc=USCC)
    api = f"{hub.base_url}/portal/v1/claims"
    async with aiohttp.ClientSession(headers=owner) as session:
        async with session.post(f"{api}/policies/{OFFER}/claims") as r:
            mine = (await r.json())["claim_no"]
        async with session.delete(f"{api}/{mine}/shipments/{LINE_ID}") as r:
            assert (r.status, (await r.json())["errors"][0]["code"]) == (
                404, "E-SHIPMENT-LINE-NOT-FOUND")
        async with SqlUnitsOfWork(hub.db).begin() as uow:
            claim = await uow.claims.for_update(CLAIM_NO)
            assert claim is not None
            claim.submit(at=claim.updated_at, by="林晓梅")
            await uow.claims.save(claim)
            await uow.commit()
        async with session.delete(f"{api}/{CLAIM_NO}/shipments/{LINE_ID}") as r:
            assert (r.status, (await r.json())["errors"][0]["code"]) == (409, "E-CLAIM-NOT-EDITABLE")


async def test_trade_financing_needs_its_bank_and_amount(hub: Any) -> None:
    owner = portal_token(hub.settings, uscc=USCC)
    async with aiohttp.ClientSession(headers=owner) as session:
        async with session.post(f"{hub.base_url}/portal/v1/claims/policies/{OFFER}/claims") as r:
            claim_no = (await r.json())["claim_no"]
        async with session.patch(f"{hub.base_url}/portal/v1/claims/{claim_no}", json={"case": {
                "trade_financing": True, "trade_dispute": False, "buyer_acknowledged_debt": False,
                "legal_action_taken": False, "financing_bank_swift": "BKCHCNBJ400"}}) as r:
            body = await r.json()
    assert r.status == 422
    assert {(e["code"], e["field"]) for e in body["errors"]} == {
        ("E-CLAIM-FINANCING-REQUIRED", "$.case.financing_bank_name"),
        ("E-CLAIM-FINANCING-REQUIRED", "$.case.financing_amount")}


async def test_the_demo_enterprise_can_claim_at_once(db: Any, db_url: str) -> None:
    from adapter import demo

    settings = hub_settings(db_url, dispatcher=False)
    await demo.seed(db, settings)
    token = portal_token(settings, uscc=demo.SECOND_USCC, name=demo.SECOND_ENTERPRISE.name,
                         card="operator", user="王操作员")
    async with running_hub(db, settings) as hub, aiohttp.ClientSession(headers=token) as session:
        async with session.get(f"{hub.base_url}/portal/v1/claims/policies") as r:
            [policy] = (await r.json())["items"]
        assert (policy["offer_no"], policy["policy_no"]) == (demo.CLAIM_OFFER, demo.CLAIM_POLICY)
        async with session.post(
                f"{hub.base_url}/portal/v1/claims/policies/{demo.CLAIM_OFFER}/claims") as r:
            assert (r.status, (await r.json())["status"]) == (201, "未提交")
