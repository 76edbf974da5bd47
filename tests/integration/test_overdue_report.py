"""The overdue report: every conversation waiting past its deadline, as the clock moves on.

The waits begin on Friday 8 May 2026, 10:00 Beijing time; the report is asked ``as_of``
later moments. Deadlines: a message 1 hour, a signed agreement's stamp 2 working days,
a termination's result 3 working days.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from adapter.config import REPO_ROOT, OverdueDeadline, OverdueSettings
from adapter.persistence.tables import agreements, outbox
from tests.harness import OPERATOR, hub_settings, running_hub, sign, uscc_for

CST = timezone(timedelta(hours=8))
FRIDAY_10 = datetime(2026, 5, 8, 10, 0, tzinfo=CST)


async def waiting_since_friday(db) -> None:
    """One agreement awaiting its stamp, one its termination result; both X-OUT undelivered."""
    await sign(db, "SA-OVD-SIGN", uscc=uscc_for(1))
    await sign(db, "SA-OVD-TERM", uscc=uscc_for(2))
    async with db.transaction() as conn:
        await conn.execute(update(agreements).where(agreements.c.agreement_no == "SA-OVD-TERM")
                           .values(status="解约中", termination_requested_at=FRIDAY_10))
        await conn.execute(update(agreements).values(signed_at=FRIDAY_10))
        await conn.execute(update(outbox).values(created_at=FRIDAY_10))


async def report(session: aiohttp.ClientSession, base_url: str, at: datetime) -> dict[str, Any]:
    async with session.get(f"{base_url}/ops/v1/overdue?as_of={quote(at.isoformat())}") as r:
        assert r.status == 200, await r.text()
        return await r.json()


def kinds(found: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((item["kind"], item["object_id"]) for item in found["items"])


async def test_each_kind_becomes_overdue_when_its_deadline_passes(db_url, db) -> None:
    await waiting_since_friday(db)
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession(headers=OPERATOR) as session:
        at = {label: await report(session, hub.base_url, moment) for label, moment in {
            "friday 10:30": FRIDAY_10 + timedelta(minutes=30),
            "friday 11:01": FRIDAY_10 + timedelta(hours=1, minutes=1),
            "monday 10:00": FRIDAY_10 + timedelta(days=3),
            "tuesday 10:01": FRIDAY_10 + timedelta(days=4, minutes=1),
            "wednesday 10:01": FRIDAY_10 + timedelta(days=5, minutes=1),
        }.items()}
        stamp = next(i for i in at["tuesday 10:01"]["items"] if i["kind"] == "agreement_not_stamped")
        async with session.get(hub.base_url + stamp["timeline"]) as response:
            timeline = await response.json()
    messages = [("message_undelivered", "SA-OVD-SIGN"), ("message_undelivered", "SA-OVD-TERM")]
    assert kinds(at["friday 10:30"]) == []
    assert kinds(at["friday 11:01"]) == messages
    assert kinds(at["monday 10:00"]) == messages  # the weekend is no working day
    assert kinds(at["tuesday 10:01"]) == [("agreement_not_stamped", "SA-OVD-SIGN"), *messages]
    assert kinds(at["wednesday 10:01"]) == [("agreement_not_stamped", "SA-OVD-SIGN"), *messages,
                                            ("termination_without_result", "SA-OVD-TERM")]
    assert stamp["object_type"] == "agreement" and stamp["state"] == "保险公司签约中"
    assert datetime.fromisoformat(stamp["since"]) == FRIDAY_10
    assert datetime.fromisoformat(stamp["due_at"]) == FRIDAY_10 + timedelta(days=4)
    assert stamp["overdue_seconds"] == 60
    assert stamp["timeline"] == "/ops/v1/timeline/agreement/SA-OVD-SIGN"
    assert timeline["entries"], "the link leads to the agreement's timeline"
    undelivered = at["friday 11:01"]["items"]
    assert all(i["message_type"] == "SIGNED_AGREEMENT" and i["message_id"] for i in undelivered)
    assert at["wednesday 10:01"]["counts"] == {"agreement_not_stamped": 1,
                                               "message_undelivered": 2,
                                               "termination_without_result": 1}


async def test_deadlines_and_the_holiday_calendar_come_from_config(db_url, db) -> None:
    await waiting_since_friday(db)
    overdue = OverdueSettings(deadlines={"message_undelivered": OverdueDeadline(hours=4)},
                              holidays=[datetime(2026, 5, 11).date()])
    settings = hub_settings(db_url, dispatcher=False, overdue=overdue)
    async with running_hub(db, settings) as hub, aiohttp.ClientSession(headers=OPERATOR) as session:
        early = await report(session, hub.base_url, FRIDAY_10 + timedelta(hours=3))
        tuesday = await report(session, hub.base_url, FRIDAY_10 + timedelta(days=4, minutes=1))
        async with session.get(f"{hub.base_url}/ops/v1/overdue?as_of=2026-05-08T10:00") as bad:
            refused = (bad.status, (await bad.json())["errors"][0]["code"])
    assert kinds(early) == []
    # Monday is a holiday: the stamp is due on Wednesday, not Tuesday.
    assert ("agreement_not_stamped", "SA-OVD-SIGN") not in kinds(tuesday)
    assert refused == (422, "E-QUERY-MOMENT")


async def test_the_report_is_a_metric_and_a_command_too(db_url, db) -> None:
    await waiting_since_friday(db)
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession(headers=OPERATOR) as session, \
            session.get(f"{hub.base_url}/metrics") as response:
        text = await response.text()
    gauge = {s.labels["kind"]: s.value for f in text_string_to_metric_families(text)
             for s in f.samples if s.name == "hub_overdue_conversations"}
    assert gauge == {"agreement_not_stamped": 1, "termination_without_result": 1,
                     "message_undelivered": 2}  # Friday 8 May 2026 is long past now
    cli = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "adapter", "overdue", "--as-of",
                         (FRIDAY_10 + timedelta(hours=2)).isoformat()],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "HUB_DATABASE_URL": db_url})
    assert cli.returncode == 0, cli.stderr
    found = json.loads(cli.stdout)
    assert found["counts"] == {"message_undelivered": 2}
    assert {i["timeline"] for i in found["items"]} == {"/ops/v1/timeline/agreement/SA-OVD-SIGN",
                                                       "/ops/v1/timeline/agreement/SA-OVD-TERM"}
