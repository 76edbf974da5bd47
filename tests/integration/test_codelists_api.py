"""Code lists over real HTTP: public, versioned, revalidated with ETag, 404 in the error shape."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from multidict import CIMultiDict

from adapter.persistence.database import Database
from tests.harness import RunningHub, hub_settings, running_hub

LISTS = "/portal/v1/code-lists"


@pytest.fixture
async def hub(db_url: str, db: Database) -> AsyncIterator[RunningHub]:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def get(http: aiohttp.ClientSession, hub: RunningHub, path: str,
              **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    async with http.get(hub.base_url + path, headers=headers) as response:
        return response.status, response.headers.copy(), await response.read()


async def test_the_index_names_every_list_with_its_version_without_a_token(
        hub: RunningHub, http: aiohttp.ClientSession) -> None:
    async with http.get(hub.base_url + LISTS) as response:
        assert response.status == 200
        index = {entry["name"]: entry for entry in (await response.json())["code_lists"]}
    assert {"countries", "currencies", "regions", "payment-methods", "loss-causes",
            "transport-modes", "collection-statuses", "inquiry-contents",
            "article-categories", "industries", "credit-periods"} <= set(index)
    assert index["countries"]["size"] == 249 and index["regions"]["size"] == 34
    assert all(entry["version"] and entry["href"] == f"{LISTS}/{name}" for name, entry in index.items())


async def test_a_list_answers_with_version_strong_etag_and_cache_control(
        hub: RunningHub, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{hub.base_url}{LISTS}/countries") as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        etag = response.headers["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        assert "max-age" in response.headers["Cache-Control"]
        countries = await response.json()
    assert countries["name"] == "countries" and countries["version"]
    china = next(e for e in countries["entries"] if e["code"] == "CHN")
    assert china["name"] == "中国"


async def test_if_none_match_with_the_current_etag_answers_304(
        hub: RunningHub, http: aiohttp.ClientSession) -> None:
    status, headers, body = await get(http, hub, f"{LISTS}/payment-methods")
    assert status == 200 and body
    etag = headers["ETag"]

    status, again, body = await get(http, hub, f"{LISTS}/payment-methods", **{"If-None-Match": etag})
    assert (status, body) == (304, b"")
    assert again["ETag"] == etag and "Cache-Control" in again

    status, _, _ = await get(http, hub, f"{LISTS}/payment-methods",
                             **{"If-None-Match": f'"stale", {etag}'})
    assert status == 304
    status, _, _ = await get(http, hub, f"{LISTS}/payment-methods", **{"If-None-Match": "*"})
    assert status == 304
    status, _, _ = await get(http, hub, f"{LISTS}/payment-methods", **{"If-None-Match": f"W/{etag}"})
    assert status == 304, "If-None-Match compares weakly"

    status, _, body = await get(http, hub, f"{LISTS}/payment-methods", **{"If-None-Match": '"stale"'})
    assert status == 200 and body


async def test_each_list_has_its_own_etag(hub: RunningHub, http: aiohttp.ClientSession) -> None:
    tags = set()
    for name in ("countries", "currencies", "regions", "loss-causes"):
        _, headers, _ = await get(http, hub, f"{LISTS}/{name}")
        tags.add(headers["ETag"])
    assert len(tags) == 4


async def test_an_unknown_list_is_404_in_the_error_shape(
        hub: RunningHub, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{hub.base_url}{LISTS}/no-such-list") as response:
        assert response.status == 404
        body = await response.json()
    assert body == {"errors": [{"code": "E-CODE-LIST-UNKNOWN", "message": "代码表不存在"}]}


async def children(http: aiohttp.ClientSession, hub: RunningHub, code: str) -> dict[str, str]:
    async with http.get(f"{hub.base_url}{LISTS}/regions/{code}/children") as response:
        assert response.status == 200
        assert response.headers["ETag"]
        return {entry["name"]: entry["code"] for entry in (await response.json())["entries"]}


async def test_the_region_cascade_answers_province_city_district(
        hub: RunningHub, http: aiohttp.ClientSession) -> None:
    assert (await children(http, hub, "350000"))["厦门市"] == "350200"
    assert (await children(http, hub, "350200"))["思明区"] == "350203"
    assert await children(http, hub, "110000") == {"市辖区": "110100"}
    assert (await children(http, hub, "110100"))["朝阳区"] == "110105"
    assert await children(http, hub, "810000") == {}


async def test_an_unknown_region_is_404_in_the_error_shape(
        hub: RunningHub, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{hub.base_url}{LISTS}/regions/999999/children") as response:
        assert response.status == 404
        body = await response.json()
    assert [error["code"] for error in body["errors"]] == ["E-REGION-UNKNOWN"]
    assert body["errors"][0]["message"]
