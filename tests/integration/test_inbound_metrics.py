"""Every inbound answer is counted on /metrics by type, channel and outcome."""

from __future__ import annotations

import aiohttp

from tests.harness import OPERATOR, hub_settings, post_rest, running_hub, sign, stamp_document


async def test_documents_received_are_counted_by_outcome(db_url, db) -> None:
    await sign(db, "SA-MET-1")
    document = stamp_document("SA-MET-1")
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        assert (await post_rest(session, hub, document))[0] == 200
        assert (await post_rest(session, hub, document))[0] == 200  # DUPLICATE
        assert (await post_rest(session, hub, stamp_document("SA-MET-NONE")))[0] == 422
        async with session.get(f"{hub.base_url}/metrics", headers=OPERATOR) as r:
            assert r.status == 200
            text = await r.text()
    for outcome in ("accepted", "duplicate", "rejected"):
        line = (f'hub_documents_received_total{{channel="rest",message_type="AGREEMENT_STAMP",'
                f'outcome="{outcome}"}} 1.0')
        assert line in text, outcome
