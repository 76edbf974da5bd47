"""The portal's texts and zones (S-1/S-2, F-2, P-1/P-2) as JSON from ``adapter/content/``:
every document is served as it is kept, under an ETag that holds until the file changes
(If-None-Match answers 304), a changed file is served at once under a new ETag, and every
API path the documents name is a route the hub really has."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request
from aiohttp.web_urldispatcher import MatchInfoError

from adapter.app import DATABASE, create_app
from adapter.portal import content
from tests.harness import hub_settings, running_hub

ZONES = ("credit-insurance", "financial-services")
API_KEYS = ("api", "route")


def documents() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(content.CONTENT_DIR.glob("*.json"))}


def portal_paths(value: object, key: str = "") -> Iterator[str]:
    """Every ``api`` and ``route`` value, and every string naming a /portal/ path, anywhere."""
    if isinstance(value, dict):
        for name, inner in value.items():
            yield from portal_paths(inner, name)
    elif isinstance(value, list):
        for inner in value:
            yield from portal_paths(inner, key)
    elif isinstance(value, str) and (key in API_KEYS or value.startswith("/portal/")):
        yield value


async def _get(session: aiohttp.ClientSession, url: str,
               **headers: str) -> tuple[int, str | None, bytes]:
    async with session.get(url, headers=headers) as response:
        return response.status, response.headers.get("ETag"), await response.read()


async def test_every_document_is_served_as_kept_under_a_stable_etag(db_url, db) -> None:
    kept = documents()
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        async with session.get(f"{hub.base_url}{content.PREFIX}") as r:
            index = await r.json()
        served, again, revalidated = {}, {}, {}
        urls = [hub.base_url + d["href"] for d in index["documents"]]
        urls += [f"{hub.base_url}{content.ZONES}/{zone}" for zone in ZONES]
        for url in urls:
            served[url] = await _get(session, url)
            again[url] = await _get(session, url)
            revalidated[url] = await _get(session, url, **{"If-None-Match": served[url][1] or ""})
    assert [d["name"] for d in index["documents"]] == list(content.PAGES)
    for document in index["documents"]:
        status, _etag, body = served[hub.base_url + document["href"]]
        assert status == 200 and json.loads(body) == kept[document["name"]]
        assert document["version"] == kept[document["name"]]["version"]
    assert all(s[0] == 200 and s[1] for s in served.values())
    assert {u: s[1] for u, s in again.items()} == {u: s[1] for u, s in served.items()}
    assert {u: (s[0], s[2]) for u, s in revalidated.items()} == {u: (304, b"") for u in urls}


@pytest.fixture
def content_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The hub reads its texts from a copy, so a test may change one."""
    copy = tmp_path / "content"
    shutil.copytree(content.CONTENT_DIR, copy)
    monkeypatch.setattr(content, "CONTENT_DIR", copy)
    return copy


async def test_a_changed_file_is_served_under_a_new_etag(db_url, db, content_copy) -> None:
    path = content_copy / "claims-guide.json"
    url_of = f"{content.PREFIX}/claims-guide"
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        url = hub.base_url + url_of
        _, before, _ = await _get(session, url)
        changed = {**json.loads(path.read_text(encoding="utf-8")), "version": "2099.1",
                   "summary": "索赔指南已更新。"}
        path.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
        status, after, body = await _get(session, url, **{"If-None-Match": before or ""})
        _, index_etag, index = await _get(session, hub.base_url + content.PREFIX)
    assert status == 200 and after and after != before
    assert json.loads(body) == changed
    listed = {d["name"]: d["version"] for d in json.loads(index)["documents"]}
    assert listed["claims-guide"] == "2099.1" and index_etag


async def test_every_api_path_the_content_names_is_a_route_of_the_hub(tmp_path: Path) -> None:
    app = create_app(hub_settings(f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite'}",
                                  dispatcher=False))
    named = sorted({(name, path) for name, document in documents().items()
                    for path in portal_paths(document)})
    missing = []
    for name, path in named:
        if not path.startswith("/portal/"):
            missing.append((name, path))
            continue
        match = await app.router.resolve(make_mocked_request("GET", path.split("?", 1)[0], app=app))
        if isinstance(match, MatchInfoError) or match.http_exception is not None:
            missing.append((name, path))
    await app[DATABASE].dispose()
    assert len(named) >= 15
    assert missing == []
