"""Who may grant data authorization, and when, as decided from the manual (README): any
enterprise user's card, from the moment the enterprise has signed, not without a live
agreement."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp

from adapter.domain.agreement import AgreementStatus
from tests.harness import hub_settings, portal_token, put_in_state, running_hub, sign, uscc_for


async def _authorize(hub, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession(headers=headers) as session, \
            session.post(f"{hub.base_url}/portal/v1/data-authorization", json={"agree": True}) as r:
        return r.status, await r.json()


async def test_an_operator_card_grants_it_before_the_insurer_stamps(db_url, db) -> None:
    uscc = uscc_for(8101)
    await sign(db, "SA-AUTH-RULE-1", uscc=uscc)  # 保险公司签约中: the insurer has not stamped
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        status, body = await _authorize(hub, portal_token(hub.settings, uscc=uscc, card="operator",
                                                          user="王操作员"))
    assert status == 201
    assert body["authorization"]["authorized_by"] == "王操作员"  # type: ignore[index]


async def test_without_a_live_agreement_it_is_refused(db_url, db) -> None:
    terminated = uscc_for(8102)
    await sign(db, "SA-AUTH-RULE-2", uscc=terminated)
    await put_in_state(db, "SA-AUTH-RULE-2", AgreementStatus.TERMINATED, datetime.now(UTC))
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        for uscc in (terminated, uscc_for(8103)):  # terminated, and never signed
            status, body = await _authorize(hub, portal_token(hub.settings, uscc=uscc))
            assert status == 409
            assert body["errors"][0]["code"] == "E-AUTHORIZATION-NEEDS-AGREEMENT"  # type: ignore[index]
