"""`make demo`'s data, on SQLite and PostgreSQL: 厦门示范's agreement awaits the stamp (the
agreement walk-through), 厦门鹭江 is 签约成功 with a pending policy it can apply for at once;
seeding twice changes nothing."""

from __future__ import annotations

import aiohttp

from adapter import demo
from tests.harness import hub_settings, portal_token, running_hub, status_of
from tests.insurance_harness import application_status


async def test_the_demo_seeds_a_pending_policy_the_second_enterprise_can_apply_for(db_url, db) -> None:
    settings = hub_settings(db_url, dispatcher=False)
    first = await demo.seed(db, settings)
    again = await demo.seed(db, settings)
    assert (first, again) == ([demo.DEMO_AGREEMENT, demo.SECOND_AGREEMENT, demo.DEMO_OFFER,
                               demo.CLAIM_POLICY], [])
    assert await status_of(db, demo.DEMO_AGREEMENT) == "保险公司签约中"
    assert await status_of(db, demo.SECOND_AGREEMENT) == "签约成功"
    assert await application_status(db, demo.DEMO_OFFER) == ("待确认", None)
    token = portal_token(settings, uscc=demo.SECOND_USCC, name=demo.SECOND_ENTERPRISE.name,
                         card="operator", user="王操作员")
    async with running_hub(db, settings) as hub, aiohttp.ClientSession(headers=token) as session:
        api = f"{hub.base_url}/portal/v1/insurance"
        async with session.get(f"{api}/pending-policies") as r:
            assert [p["offer_no"] for p in (await r.json())["items"]] == [demo.DEMO_OFFER]
        async with session.post(f"{api}/applications/{demo.DEMO_OFFER}/sms-code",
                                json={"contact_mobile": "13859012345"}) as r:
            assert r.status == 202, await r.text()
