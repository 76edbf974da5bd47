"""One portal request cannot stall everyone: the 2 MB body with 150 000 unknown keys that
once blocked the event loop for 1.2 s is refused by its size, and the largest body the
portal accepts costs a small answer, while /health/live keeps answering at once."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from tests.harness import hub_settings, portal_token, running_hub


def _unknown_keys(count: int) -> bytes:
    return ("{" + ",".join(f'"k{i:06d}": 1' for i in range(count)) + "}").encode()


async def _post(session: aiohttp.ClientSession, url: str, body: bytes,
                headers: dict[str, str]) -> tuple[int | None, int]:
    """Status and answer size; None when the hub closed the upload it would not read."""
    try:
        async with session.post(url, data=body, headers=headers) as response:
            return response.status, len(await response.read())
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):
        return None, 0


async def _health_while(session: aiohttp.ClientSession, url: str, busy: asyncio.Future) -> list[float]:
    latencies = []
    while not busy.done():
        started = time.monotonic()
        async with session.get(f"{url}/health/live") as response:
            assert response.status == 200
        latencies.append(time.monotonic() - started)
        await asyncio.sleep(0.01)
    return latencies


async def test_four_huge_bodies_at_once_leave_health_answering(db_url, db) -> None:
    huge = _unknown_keys(150_000)
    assert len(huge) > 1_900_000
    settings = hub_settings(db_url, dispatcher=False)
    headers = {**portal_token(settings), "Content-Type": "application/json"}
    async with running_hub(db, settings) as hub, aiohttp.ClientSession() as attacker, \
            aiohttp.ClientSession() as prober:
        url = f"{hub.base_url}/portal/v1/data-authorization"
        attack = asyncio.ensure_future(asyncio.gather(
            *[_post(attacker, url, huge, headers) for _ in range(4)]))
        latencies = await _health_while(prober, hub.base_url, attack)
        answers = await attack
    assert latencies and max(latencies) < 0.2, max(latencies)
    assert all(status in (413, None) and size < 1000 for status, size in answers), answers


async def test_the_largest_accepted_body_of_unknown_keys_costs_a_small_answer(db_url, db) -> None:
    body = _unknown_keys(4_000)
    settings = hub_settings(db_url, dispatcher=False)
    assert len(body) < settings.limits.portal_max_body_bytes
    async with running_hub(db, settings) as hub, aiohttp.ClientSession() as session:
        status, size = await _post(session, f"{hub.base_url}/portal/v1/data-authorization", body,
                                   {**portal_token(settings), "Content-Type": "application/json"})
    assert status == 422
    assert size < 5_000  # 4 000 refused keys: twenty listed, the rest counted
