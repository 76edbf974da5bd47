"""C-10: 40 MB of uploads leave the hub's memory where it was.

The hub runs as its own process (``python -m adapter serve``, as an operator starts it), so
its resident set is its own and not the test's. Ten 4M files fill a claim's 40M budget,
then one 40M file sent without a declared length (the reader only finds out while
streaming) is cut at 4M. The hub's VmRSS, read from ``/proc/<pid>/status``, and its peak
(VmHWM) grow by less than 20 MB over all of it: no upload was ever held whole in memory.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from adapter.config import REPO_ROOT, Settings
from adapter.domain.attachments import MAX_ATTACHMENT_BYTES, MIB
from adapter.persistence.database import Database
from adapter.persistence.unit_of_work import SqlUnitsOfWork
from tests.claims_harness import complete_claim
from tests.harness import USCC, portal_token

MB = 1_000_000
HEADROOM = 20 * MB


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def hub_process(tmp_path: Path) -> Iterator[tuple[str, int, str]]:
    port = _free_port()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite'}"
    env = {**os.environ, "HUB_DATABASE_URL": database_url, "HUB_PORT": str(port),
           "HUB_DISPATCHER__ENABLED": "false", "HUB_LOG_JSON": "false", "HUB_DEMO": "true",
           "HUB_PORTS__ATTACHMENTS_DIR": str(tmp_path / "attachments")}
    with (tmp_path / "hub.log").open("w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "adapter", "serve"], cwd=REPO_ROOT,
                                   env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/health/live", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail((tmp_path / "hub.log").read_text())
        yield url, process.pid, database_url
    finally:
        process.terminate()
        process.wait(timeout=10)


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of the process, in bytes."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(value.split()[0]) * 1024
    return values


def pdf_of(size: int, salt: str) -> bytes:
    head = f"%PDF-1.4\n% {salt}\n".encode()
    return head + b"0" * (size - len(head))


def upload(content: bytes, name: str) -> aiohttp.FormData:
    data = aiohttp.FormData()
    data.add_field("file", content, filename=name, content_type="application/pdf")
    return data


async def unsized(size: int, boundary: str) -> AsyncIterator[bytes]:
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n"
           "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n").encode()
    for _ in range(size // MIB):
        yield b"0" * MIB
        await asyncio.sleep(0)
    yield f"\r\n--{boundary}--\r\n".encode()


async def claims(database_url: str, *numbers: str) -> None:
    db = Database(database_url)
    try:
        async with SqlUnitsOfWork(db).begin() as uow:
            for number in numbers:
                await uow.claims.add(complete_claim(number))
            await uow.commit()
    finally:
        await db.dispose()


async def test_forty_megabytes_of_uploads_leave_the_hubs_memory_where_it_was(hub_process) -> None:
    url, pid, database_url = hub_process
    await claims(database_url, "CL-MEM-WARM", "CL-MEM-FULL", "CL-MEM-CUT")
    headers = portal_token(Settings(), uscc=USCC)
    async with aiohttp.ClientSession(url, headers=headers) as session:
        # Warm up: the code paths of an upload, list and download are loaded once.
        async with session.post("/portal/v1/claims/CL-MEM-WARM/attachments",
                                data=upload(pdf_of(64 * 1024, "warm"), "warm.pdf")) as r:
            assert r.status == 201, await r.text()
        async with session.get("/portal/v1/claims/CL-MEM-WARM/attachments/1") as r:
            assert r.status == 200 and len(await r.read()) == 64 * 1024
        before = memory(pid)

        for n in range(10):
            async with session.post("/portal/v1/claims/CL-MEM-FULL/attachments",
                                    data=upload(pdf_of(MAX_ATTACHMENT_BYTES, f"part {n}"),
                                                f"part-{n}.pdf")) as r:
                assert r.status == 201, await r.text()
        async with session.get("/portal/v1/claims/CL-MEM-FULL/attachments") as r:
            assert (await r.json())["used_bytes"] == 40 * MIB
        for n in (2, 7):
            async with session.get(f"/portal/v1/claims/CL-MEM-FULL/attachments/{n}") as r:
                assert len(await r.read()) == MAX_ATTACHMENT_BYTES

        boundary = "memoryboundary"
        try:
            async with session.post("/portal/v1/claims/CL-MEM-CUT/attachments",
                                    data=unsized(40 * MIB, boundary),
                                    headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
                                    ) as r:
                assert r.status == 413
                assert (await r.json())["errors"][0]["code"] == "E-ATTACHMENT-TOO-LARGE"
        except aiohttp.ClientError:
            pass  # the hub answered and closed while the client was still sending: also a cut
        async with session.get("/portal/v1/claims/CL-MEM-CUT/attachments") as r:
            assert (await r.json())["items"] == []
        after = memory(pid)

    grown, peak = after["VmRSS"] - before["VmRSS"], after["VmHWM"] - before["VmHWM"]
    assert grown < HEADROOM, (before, after)
    assert peak < HEADROOM, (before, after)
    stray = list((Path(database_url.removeprefix("sqlite+aiosqlite:///")).parent / "attachments")
                 .glob(".incoming-*"))
    assert stray == []
