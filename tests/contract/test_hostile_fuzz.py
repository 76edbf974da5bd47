"""Schema-violating input over every portal and operator route finds no 500.

Hypothesis draws hostile values — NUL and control characters, lone surrogates escaped in
JSON, huge and negative numbers, deep nesting, out-of-range dates, long strings, wrong
types — into path segments, query parameters and JSON bodies, with a valid enterprise
token or the operator token. Every answer must be a coded refusal or a success in the one
error shape; 5 000 requests in all, against a hub on loopback with an SQLite file.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapter.config import RateLimitSettings
from adapter.persistence.database import Database
from adapter.persistence.migrate import upgrade
from tests.harness import OPERATOR, hub_settings, portal_token, running_hub

ITEM = "SA-FUZZ-1"
GETS = ["/portal/v1/me", "/portal/v1/seals", "/portal/v1/agreements", "/portal/v1/agreements/{x}",
        "/portal/v1/agreements/{x}/pdf", "/portal/v1/agreements/{x}/process",
        "/portal/v1/data-authorization", "/portal/v1/authorized-data",
        "/portal/v1/authorized-data/statistics", "/portal/v1/code-lists/{x}",
        "/portal/v1/code-lists/regions/{x}/children", "/portal/v1/insurance/pending-policies",
        "/portal/v1/insurance/applications", "/portal/v1/insurance/policies",
        "/ops/v1/inbox", "/ops/v1/outbox", "/ops/v1/dead-letters", "/ops/v1/dead-letters/{x}",
        "/ops/v1/timeline/{x}/{x}"]
POSTS = ["/portal/v1/agreements", "/portal/v1/agreements/{x}/termination",
         "/portal/v1/data-authorization", "/ops/v1/dead-letters/{x}/replay"]
QUERY_NAMES = ["limit", "cursor", "status", "before", "start", "end", "data_type", "period",
               "keyword", "x"]

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\x00", "a\x00b", "%00", "\u202e", "9" * 400, "-1", "0", "²", "١٢",
                     "9999-12-31", "0001-01-01", "2026-02-30", "9999-12-31T23:59:59-01:00",
                     "0001-01-01T00:00:00+01:00", "[", "{", "null", "true", "1e999", "NaN",
                     "../../etc/passwd", "' OR 1=1 --", "<x/>", "\ud800".encode("utf-8",
                                                                                "surrogatepass").decode("latin-1")]),
)
json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
              st.floats(allow_nan=False), hostile_text),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(
                                ["seal_id", "agree", "confirmation", "reason", "data_types",
                                 "period", "x", "\x00"]), inner, max_size=5)),
    max_leaves=12)
raw_bodies = st.one_of(
    json_value.map(lambda v: json.dumps(v, ensure_ascii=False).encode()),
    st.sampled_from([b"[" * 3000, b'{"a":' * 3000, b'{"x": ' + b"9" * 5000 + b"}", b"\xff\xfe",
                     b'{"seal_id": "\\u0000", "agree": true}', b'{"a": 1e400}', b"", b"NaN"]),
)


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The hub in a thread of its own, so hypothesis' synchronous tests can call it."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite+aiosqlite:///{folder / 'hub.sqlite'}"
    upgrade(url)
    ready: dict[str, Any] = {}
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def serve() -> None:
        db = Database(url)
        # The fuzz is about input, not rate: its thousands of writes must reach the handlers.
        limits = RateLimitSettings(portal_writes="1000000/minute")
        async with running_hub(db, hub_settings(url, dispatcher=False, rate_limits=limits)) as hub:
            ready["url"] = hub.base_url
            ready["settings"] = hub.settings
            await stop.wait()
        await db.dispose()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    while "url" not in ready:
        threading.Event().wait(0.02)
    ready_url: str = ready["url"]
    pytest.fuzz_token = portal_token(ready["settings"])  # type: ignore[attr-defined]
    yield ready_url
    loop.call_soon_threadsafe(stop.set)
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def client(hub_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hub_url, timeout=10) as session:
        yield session


def _path(template: str, segment: str) -> str:
    return template.replace("{x}", quote(segment, safe="") or "x")


def _headers(path: str) -> dict[str, str]:
    return OPERATOR if path.startswith("/ops/") else pytest.fuzz_token  # type: ignore[attr-defined]


def _assert_coded(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.request.url, response.text[:300])
    if response.status_code >= 400 and response.headers.get("content-type", "").startswith(
            "application/json"):
        errors = response.json()["errors"]
        assert errors and all(e["code"].startswith("E-") and e["message"] for e in errors)


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(template=st.sampled_from(GETS), segment=hostile_text,
       query=st.dictionaries(st.sampled_from(QUERY_NAMES), hostile_text, max_size=4))
def test_hostile_paths_and_queries_get_coded_answers(client, template, segment, query) -> None:
    path = _path(template, segment)
    _assert_coded(client.get(path, params=query, headers=_headers(path)))


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(template=st.sampled_from(POSTS), segment=hostile_text, body=raw_bodies)
def test_hostile_bodies_get_coded_answers(client, template, segment, body) -> None:
    path = _path(template, segment)
    _assert_coded(client.post(path, content=body, headers={
        **_headers(path), "Content-Type": "application/json"}))
