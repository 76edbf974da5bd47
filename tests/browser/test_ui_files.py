"""The hub serves the built UI at / with the app's page for its own paths, keeps the API's
404s as JSON, starts without a build, and has the demo token route only in demo mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from aiohttp import web

from adapter.app import create_app
from adapter.portal.ui_files import NOT_BUILT, ui_middleware
from tests.harness import hub_settings, running_hub


async def test_without_demo_mode_there_is_no_demo_token_route(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        async with session.get(f"{hub.base_url}/demo/v1/enterprises") as r:
            assert r.status == 404
            assert (await r.json())["errors"][0]["code"] == "E-ROUTE-NOT-FOUND"
        async with session.post(f"{hub.base_url}/demo/v1/token", json={"card_id": "legal"}) as r:
            assert r.status == 404


async def test_demo_mode_mints_a_token_for_a_listed_card_only(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False, demo=True)) as hub, \
            aiohttp.ClientSession() as session:
        async with session.get(f"{hub.base_url}/demo/v1/enterprises") as r:
            cards = (await r.json())["items"]
        assert [(c["card_id"], c["enterprise_name"], c["card_name"]) for c in cards] == [
            ("demo-legal", "厦门示范进出口贸易有限公司", "法人卡"),
            ("legal", "厦门鹭江外贸有限公司", "法人卡"), ("operator", "厦门鹭江外贸有限公司", "操作员卡")]
        async with session.post(f"{hub.base_url}/demo/v1/token", json={"card_id": "nobody"}) as r:
            assert r.status == 422
            [error] = (await r.json())["errors"]
        assert (error["code"], error["field"]) == ("E-FIELD-CHOICE", "$.card_id")
        async with session.post(f"{hub.base_url}/demo/v1/token", json={"card_id": "operator"}) as r:
            assert r.status == 201 and r.headers["Cache-Control"] == "no-store"
            token = (await r.json())["token"]
        async with session.get(f"{hub.base_url}/portal/v1/me",
                               headers={"Authorization": f"Bearer {token}"}) as r:
            me = await r.json()
    assert (me["uscc"], me["card_type"], me["user_name"]) == ("91350200MA2Y0Q1X9G", "operator", "王操作员")


def _with_dist(app: web.Application, dist: Path) -> web.Application:
    """The app as built, its UI middleware pointed at ``dist``."""
    [at] = [i for i, m in enumerate(app.middlewares) if "ui_middleware" in m.__qualname__]
    app.middlewares[at] = ui_middleware(dist)
    return app


@asynccontextmanager
async def _running(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def test_built_files_app_paths_and_api_404s(tmp_path: Path, db_url, db) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>app</title>", encoding="utf-8")
    (dist / "assets" / "app-1234.js").write_text("console.log(1)", encoding="utf-8")
    app = _with_dist(create_app(hub_settings(db_url, dispatcher=False), db=db), dist)
    async with _running(app) as base, aiohttp.ClientSession() as session:
        for path in ("/", "/agreements", "/ops/", "/insurance/PP-1/apply"):
            async with session.get(base + path) as r:
                assert (r.status, await r.text()) == (200, "<!doctype html><title>app</title>"), path
                assert r.headers["Cache-Control"] == "no-cache"
        async with session.get(base + "/assets/app-1234.js") as r:
            assert r.status == 200 and "immutable" in r.headers["Cache-Control"]
        for path in ("/assets/missing.js", "/ops/v1/nothing", "/insurer/v1/nothing", "/../pyproject.toml"):
            async with session.get(base + path) as r:
                assert r.status == 404, path
        async with session.get(base + "/ops/v1/nothing") as r:
            assert (await r.json())["errors"][0]["code"] == "E-ROUTE-NOT-FOUND"
        async with session.get(base + "/portal/v1/nothing") as r:  # the API's answer, not the app
            assert r.status == 401 and (await r.json())["errors"][0]["code"] == "E-AUTH-REQUIRED"
        async with session.post(base + "/agreements") as r:
            assert r.status == 404


async def test_without_a_build_the_hub_says_how_to_make_one(tmp_path: Path, db_url, db) -> None:
    app = _with_dist(create_app(hub_settings(db_url, dispatcher=False), db=db), tmp_path / "no-build")
    async with _running(app) as base, aiohttp.ClientSession() as session:
        async with session.get(base + "/") as r:
            assert r.status == 200 and await r.text() == NOT_BUILT
        async with session.get(base + "/health/live") as r:
            assert r.status == 200
