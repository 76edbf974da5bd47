"""What operators and probes read: /metrics, readiness, the operator lists and their indexes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event, text

from tests.harness import (
    OPERATOR,
    hub_settings,
    post_rest,
    running_hub,
    sign,
    stamp_document,
    stamp_envelope,
    uscc_for,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "agreement_stamp"


async def get_json(session: aiohttp.ClientSession, url: str, *, status: int = 200) -> Any:
    async with session.get(url) as response:
        assert response.status == status, await response.text()
        return await response.json()


async def test_metrics_answer_only_the_operator_and_name_every_level(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        await sign(db, "SA-MET-1")
        async with aiohttp.ClientSession() as session:
            await post_rest(session, hub, stamp_document("SA-MET-1"))
            async with session.get(f"{hub.base_url}/metrics") as response:
                assert response.status == 401
                assert (await response.json())["errors"][0]["code"] == "E-OPERATOR-AUTH"
            async with session.get(f"{hub.base_url}/metrics", headers=OPERATOR) as response:
                assert response.status == 200
                assert response.content_type == "text/plain"
                body = await response.text()
    families = {f.name: f for f in text_string_to_metric_families(body)}
    for name in ("hub_outbox_backlog_messages", "hub_outbox_oldest_pending_age_seconds",
                 "hub_outbox_sends", "hub_outbox_dead_letters", "hub_partner_circuit_state",
                 "hub_database_pool_connections", "hub_documents_received",
                 "hub_ack_latency_seconds", "hub_overdue_conversations", "hub_table_rows_estimate"):
        assert name in families, name
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in families.values() for s in f.samples}
    # the stamp moved SA-MET-1 on; its X-OUT-1 still waits, with no dispatcher running
    assert samples[("hub_outbox_backlog_messages", (("status", "pending"),))] == 1
    assert samples[("hub_outbox_oldest_pending_age_seconds", ())] >= 0
    assert samples[("hub_partner_circuit_state", (("partner", "SINOSURE"), ("state", "closed")))] == 1
    assert samples[("hub_ack_latency_seconds_count", (("channel", "rest"),))] == 1
    assert samples[("hub_overdue_conversations", (("kind", "message_undelivered"),))] == 0


async def test_readiness_shows_backlog_dead_letters_and_each_partners_circuit(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        await sign(db, "SA-RDY-1")
        async with aiohttp.ClientSession() as session:
            ready = await get_json(session, f"{hub.base_url}/health/ready")
    assert ready["status"] == "ok"
    assert ready["backlog"] == 1 and ready["dead_letters"] == 0
    assert ready["oldest_pending_seconds"] >= 0
    assert ready["partners"]["SINOSURE"]["circuit"] == "closed"


async def test_the_inbox_filters_by_status_and_type_in_keyset_pages(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        for n in range(3):
            await sign(db, f"SA-INB-{n}", uscc=uscc_for(n))
        async with aiohttp.ClientSession() as session:
            for n in range(3):
                status, _ = await post_rest(session, hub, stamp_document(
                    f"SA-INB-{n}", uscc=uscc_for(n), envelope=stamp_envelope(f"AS-INB-{n}")))
                assert status == 200
            for invalid in ("missing_required.xml", "wrong_pattern.xml"):
                status, _ = await post_rest(session, hub, (FIXTURES / invalid).read_bytes())
                assert status == 400
            session.headers.update(OPERATOR)
            base = f"{hub.base_url}/ops/v1/inbox"
            rejected = (await get_json(session, f"{base}?status=rejected"))["items"]
            stamps = (await get_json(session, f"{base}?message_type=AGREEMENT_STAMP"))["items"]
            both = (await get_json(session, f"{base}?message_type=AGREEMENT_STAMP&status=processed"
                                            "&limit=2"))["items"]
            rest = (await get_json(session, f"{base}?message_type=AGREEMENT_STAMP&status=processed"
                                            f"&limit=2&before={both[-1]['id']}"))["items"]
            refused = await get_json(session, f"{base}?message_type=x';--", status=422)
    assert [i["status"] for i in rejected] == ["rejected", "rejected"]
    assert all(i["message_type"] == "AGREEMENT_STAMP" for i in stamps) and len(stamps) >= 3
    assert len(both) == 2 and len(rest) == 1
    assert [i["id"] for i in both + rest] == sorted((i["id"] for i in both + rest), reverse=True)
    assert refused["errors"][0]["code"] == "E-QUERY-MESSAGE-TYPE"


async def test_outbox_counts_are_bounded_and_the_history_estimated(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        await sign(db, "SA-CNT-1")
        async with aiohttp.ClientSession(headers=OPERATOR) as session:
            page = await get_json(session, f"{hub.base_url}/ops/v1/outbox?status=pending")
    assert page["counts"]["pending"] == 1 and page["counts"]["dead"] == 0
    assert page["counts"]["estimated"] == ["sent"] and page["counts"]["counted_up_to"] == 10_000
    assert [i["object_id"] for i in page["items"]] == ["SA-CNT-1"]


async def test_every_operator_page_and_probe_is_served_by_an_index(db_url, db) -> None:
    """PostgreSQL, with table scans and sorts priced out (a small table would otherwise be
    scanned, rightly): no statement a page or a probe runs still scans the table, and a page
    over the history (sent, processed, by type) still sorts nothing: an index holds it in
    the page's own order. Pages of due or dead rows may sort what their
    partial index holds: those rows, not the history."""
    if db.is_sqlite:
        return
    history_pages = ["/ops/v1/outbox?status=sent&before=99", "/ops/v1/inbox",
                     "/ops/v1/inbox?status=processed&before=9",
                     "/ops/v1/inbox?message_type=AGREEMENT_STAMP"]
    bounded = ["/ops/v1/outbox?status=pending", "/ops/v1/outbox?status=dead",
               "/ops/v1/dead-letters", "/ops/v1/inbox?status=rejected",
               "/ops/v1/inbox?message_type=AGREEMENT_STAMP&status=rejected",
               "/health/ready", "/metrics"]
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        await sign(db, "SA-IDX-1")
        async with aiohttp.ClientSession(headers=OPERATOR) as session:
            ran = {}
            for url in history_pages + bounded:
                with captured(db) as statements:
                    async with session.get(hub.base_url + url) as response:
                        assert response.status == 200, url
                ran[url] = [s for s in statements if _reads_history(s[0])]
    for url, statements in ran.items():
        assert statements, url
        for statement, plan in await explain(db, statements):
            assert "Seq Scan on outbox" not in plan, (url, plan)
            assert "Seq Scan on inbound_messages" not in plan, (url, plan)
            if url in history_pages and "DESC" in statement:  # the page itself
                assert "Sort" not in plan, (url, plan)


@contextmanager
def captured(db) -> Iterator[list[tuple[str, Any]]]:
    found: list[tuple[str, Any]] = []

    def listen(_conn, _cursor, statement, parameters, _context, _many) -> None:
        found.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", listen)
    try:
        yield found
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", listen)


def _reads_history(statement: str) -> bool:
    return statement.lstrip().upper().startswith("SELECT") and (
        "FROM outbox" in statement or "FROM inbound_messages" in statement)


async def explain(db, statements: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    plans = []
    async with db.reading() as conn:
        # Priced out, not forbidden: a plan that still scans or sorts has no index to use.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            await conn.execute(text(f"SET {setting} = off"))
        for statement, parameters in statements:
            rows = await conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            plans.append((statement, " ".join(row[0] for row in rows)))
        await conn.execute(text("RESET ALL"))
    return plans
