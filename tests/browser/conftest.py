"""The reference portal UI in a real browser: Debian's Chromium driven by Playwright.

The UI is built once per session (``scripts/build-ui``: npm ci + vite build, a no-op when
nothing changed) and served by the hub under test at ``/``, the same origin as the API.
Each screen a test reaches is photographed to ``var/screenshots/`` and checked with
axe-core (from ``portal_ui/node_modules``): a critical violation fails the test.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

from adapter.config import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO_ROOT / "var" / "screenshots"
AXE = REPO_ROOT / "portal_ui" / "node_modules" / "axe-core" / "axe.min.js"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the portal UI in Chromium (make test runs them)")


@pytest.fixture(scope="session")
def built_ui() -> Path:
    """The built UI, made now if it is missing or stale; a failed build fails loudly."""
    done = subprocess.run([str(REPO_ROOT / "scripts" / "build-ui")], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, f"portal UI build failed:\n{done.stdout}\n{done.stderr}"
    assert CHROMIUM.exists(), "Debian's chromium is missing: scripts/ensure-chromium installs it"
    return REPO_ROOT / "portal_ui" / "dist"


@pytest.fixture
async def browser(built_ui: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


class Screens:
    """One browser page of a test: every screen it reaches photographed and axe-checked."""

    def __init__(self, page: Page, prefix: str) -> None:
        self.page = page
        self.prefix = prefix
        self.seen: list[str] = []
        self.console: list[str] = []

    async def check(self, name: str) -> None:
        await self.page.wait_for_load_state("networkidle")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(SCREENSHOTS / f"{self.prefix}-{name}.png"), full_page=True)
        if not await self.page.evaluate("typeof window.axe !== 'undefined'"):
            await self.page.add_script_tag(path=str(AXE))
        result: dict[str, Any] = await self.page.evaluate(
            "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
            " return {violations: r.violations.map(v => ({id: v.id, impact: v.impact,"
            " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))}; }")
        critical = [v for v in result["violations"] if v["impact"] == "critical"]
        assert critical == [], f"{name}: critical accessibility violations {critical}"
        self.seen.append(name)

    async def pdf_shown(self) -> bytes:
        """The PDF the open viewer shows: the bytes behind its object URL."""
        frame = self.page.locator("[data-test=pdf-frame]")
        await frame.wait_for(state="attached", timeout=15000)
        source = await frame.get_attribute("src")
        assert source and source.startswith("blob:")
        head: str = await self.page.evaluate(
            "async (u) => { const b = await (await fetch(u)).arrayBuffer();"
            " return String.fromCharCode(...new Uint8Array(b).slice(0, 5)); }", source)
        return head.encode()


async def open_page(browser: Browser, base_url: str, prefix: str) -> Screens:
    context = await browser.new_context(base_url=base_url, locale="zh-CN", viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(15000)
    screens = Screens(page, prefix)
    page.on("console", lambda message: screens.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: screens.console.append(f"pageerror: {error}"))
    return screens


async def log_in(screens: Screens, card_id: str) -> None:
    """The demo login page: pick the card, land on the home page."""
    page = screens.page
    await page.goto("/")
    await page.wait_for_url("**/login**")
    await screens.check("login")
    await page.locator(f"[data-card={card_id}] button").click()
    await page.wait_for_url(lambda url: "/login" not in url)
    await page.get_by_role("heading", name="信用保险服务中心").wait_for()


async def choose(page: Page, select: str, option: str) -> None:
    """An Element Plus select: open it, click the option (rendered in a popper on <body>),
    and see the select take it (what it shows changes, or shows the option). On a loaded
    machine a click can land while the popper is still opening and be lost; then the select
    is opened again (three times at most)."""
    field = page.locator(select)
    before = await field.inner_text()
    for _ in range(3):
        await field.click()
        await page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()
        if await _took(field, before, option):
            return
    raise AssertionError(f"{select} did not take {option!r} in three tries")


async def _took(field: Any, before: str, option: str, seconds: float = 3.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        shown = await field.inner_text()
        if shown != before or option in shown:
            return True
        await asyncio.sleep(0.1)
    return False


async def menu(page: Page, name: str) -> None:
    await page.locator(".el-menu-item", has_text=name).first.click()
