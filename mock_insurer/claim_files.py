"""The insurer fetching a claim's files (C-10, C-8) and checking every digest.

A claim document (X-OUT-7) lists its sealed shipment report and each attachment with name,
media type, size, SHA-256 and the URL the hub serves it at. When the insurer takes in a
claim for the first time it GETs every URL with its partner credential (the one it pushes
with), hashes the bytes as they come, and records per file whether the digest and size
match what the document said. ``GET /admin/claim-files[/{business_serial}]`` shows it, so
a test (or a person at the demo) can see that every byte arrived unchanged.

A fetch that fails for a connection or a 5xx is tried again a few times; a 4xx is final.
The URL must be the hub's own (``hub_url`` when set) or loopback: the insurer does not
follow a document to an arbitrary host.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from lxml import etree

from mock_insurer.push import DEFAULT_PASSWORD, DEFAULT_USER, basic_auth

log = logging.getLogger(__name__)
ATTEMPTS = 3
RETRY_SECONDS = 0.3
TIMEOUT_SECONDS = 30.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class FileCheck:
    kind: str
    """``report`` or ``attachment``."""
    file_id: str
    name: str
    url: str
    expected_sha256: str
    expected_size: int | None
    outcome: str
    """``verified``, ``digest_mismatch``, ``size_mismatch``, ``http_<status>``, ``unreachable``
    or ``foreign_host``."""
    sha256: str | None = None
    size: int | None = None
    media_type: str | None = None

    @property
    def verified(self) -> bool:
        return self.outcome == "verified"

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.file_id, "name": self.name, "url": self.url,
                "expected_sha256": self.expected_sha256, "expected_size": self.expected_size,
                "outcome": self.outcome, "sha256": self.sha256, "size": self.size,
                "media_type": self.media_type, "verified": self.verified}


@dataclass(frozen=True)
class Wanted:
    kind: str
    file_id: str
    name: str
    url: str
    sha256: str
    size: int | None


@dataclass
class ClaimFiles:
    business_serial: str
    claim_no: str
    checked_at: datetime
    files: list[FileCheck]

    @property
    def all_verified(self) -> bool:
        return bool(self.files) and all(check.verified for check in self.files)

    def as_json(self) -> dict[str, Any]:
        return {"business_serial": self.business_serial, "claim_no": self.claim_no,
                "checked_at": self.checked_at.isoformat(), "all_verified": self.all_verified,
                "files": [check.as_json() for check in self.files]}


def wanted_files(document: etree._Element) -> list[Wanted]:
    """What the claim document says should be fetched: the report, then each attachment."""
    body = document.find("{*}Body")
    if body is None:
        return []
    found: list[Wanted] = []
    report = body.find("{*}ShipmentReport")
    if report is not None:
        found.append(Wanted("report", "report", "出运数据报告", report.findtext("{*}Url") or "",
                            report.findtext("{*}Sha256") or "", None))
    for item in body.iterfind("{*}Attachments/{*}Attachment"):
        size = item.findtext("{*}Size")
        found.append(Wanted("attachment", item.get("id") or "", item.findtext("{*}Name") or "",
                            item.findtext("{*}Url") or "", item.findtext("{*}Sha256") or "",
                            int(size) if size and size.isdigit() else None))
    return found


@dataclass
class ClaimFileFetcher:
    """Fetches and verifies; keeps each claim submission's result by business serial."""

    user: str = DEFAULT_USER
    password: str = DEFAULT_PASSWORD
    hub_url: Callable[[], str | None] = lambda: None
    """Where the hub is, as the insurer currently knows it (the play side may learn it late)."""
    results: dict[str, ClaimFiles] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def received(self, business_serial: str, document: bytes) -> None:
        """A claim taken in for the first time: fetch its files in the background."""
        task = asyncio.get_running_loop().create_task(self.check(business_serial, document))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def check(self, business_serial: str, document: bytes) -> ClaimFiles:
        root = etree.fromstring(document, etree.XMLParser(resolve_entities=False, no_network=True))
        claim_no = root.findtext("{*}Body/{*}ClaimNo") or ""
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            checks = [await self._fetch(session, item) for item in wanted_files(root)]
        result = ClaimFiles(business_serial, claim_no, datetime.now(UTC), checks)
        self.results[business_serial] = result
        log.info("claim %s: %d files, all verified: %s", business_serial, len(checks),
                 result.all_verified)
        return result

    async def _fetch(self, session: aiohttp.ClientSession, item: Wanted) -> FileCheck:
        if not self._trusted(item.url):
            return _check(item, "foreign_host")
        outcome = _check(item, "unreachable")
        for attempt in range(ATTEMPTS):
            if attempt:
                await asyncio.sleep(RETRY_SECONDS * attempt)
            try:
                outcome = await self._once(session, item)
            except (TimeoutError, aiohttp.ClientError, OSError):
                outcome = _check(item, "unreachable")
                continue
            if not outcome.outcome.startswith("http_5"):
                break
        return outcome

    async def _once(self, session: aiohttp.ClientSession, item: Wanted) -> FileCheck:
        headers = {"Authorization": basic_auth(self.user, self.password)}
        async with session.get(item.url, headers=headers) as response:
            if response.status != 200:
                return _check(item, f"http_{response.status}")
            digest, size = hashlib.sha256(), 0
            async for chunk in response.content.iter_chunked(64 * 1024):
                digest.update(chunk)
                size += len(chunk)
            media_type = response.content_type
        sha256 = digest.hexdigest()
        if sha256 != item.sha256.lower():
            outcome = "digest_mismatch"
        elif item.size is not None and size != item.size:
            outcome = "size_mismatch"
        else:
            outcome = "verified"
        return _check(item, outcome, sha256=sha256, size=size, media_type=media_type)

    def _trusted(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return False
        hub_url = self.hub_url()
        if hub_url is not None and urlsplit(hub_url).netloc == parts.netloc:
            return True
        return parts.hostname in LOOPBACK

    def summary(self) -> dict[str, Any]:
        return {"claims": [result.as_json() for result in self.results.values()]}

    def reset(self) -> None:
        self.results.clear()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _check(item: Wanted, outcome: str, **found: Any) -> FileCheck:
    return FileCheck(item.kind, item.file_id, item.name, item.url, item.sha256, item.size,
                     outcome, **found)
