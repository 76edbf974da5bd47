"""schemathesis against the hub's own OpenAPI document: no 500, every answer as documented.

The hub runs as its own process (an SQLite file, no dispatcher) and schemathesis' own
runner drives it, with every check on. Four rules cannot be written in a schema and are
explained instead of tested for "a schema-valid request is accepted": a seal id must
name one of the enterprise's seals, a paging cursor must come from a previous page, a
mobile number must be one the numbering plan assigns (not any eleven digits), and a
registered address must name real GB/T 2260 divisions, each under the one before, and a
risk-article filter must name a country of the ISO list and an industry of its list, a
buyer search needs a code or a name (either will do), and a new buyer's country must be
one of the ISO list. All are answered 422 naming the field, as documented. The buyer search
asks the insurer while it waits, so the hub runs against the mock insurer (a process too).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.config import REPO_ROOT, Settings
from tests.harness import portal_token

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
SEMANTIC_ONLY = ("^/portal/v1/(agreements|insurance/(applications|policies|inquiries)"
                 "|insurance/applications/[^/]+/(sms-code|submission)|messages|login|login/return"
                 "|risk-articles|risk-articles/categories/[^/]+|claims/buyers|claim-results)$")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.1)


@pytest.fixture(scope="module")
def insurer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The mock insurer as its own process: the buyer search's answers come from it."""
    port, admin = _free_port(), _free_port()
    log = tmp_path_factory.mktemp("insurer") / "insurer.log"
    with log.open("w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "mock_insurer", "serve", "--port", str(port),
                                    "--admin-port", str(admin)], cwd=REPO_ROOT,
                                   stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_for(f"http://127.0.0.1:{admin}/admin/fault")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, insurer: str) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("schemathesis")
    port = _free_port()
    env = {**os.environ, "HUB_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'hub.sqlite'}",
           "HUB_INSURER__REST_BASE_URL": f"{insurer}/api/v1/documents",
           "HUB_PORT": str(port), "HUB_DISPATCHER__ENABLED": "false", "HUB_LOG_JSON": "false",
           "HUB_DEMO": "true",
           # conformance, not rate: schemathesis' hundreds of writes must reach the handlers
           "HUB_RATE_LIMITS__PORTAL_WRITES": "1000000/minute"}
    log = folder / "hub.log"
    with log.open("w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "adapter", "serve"], cwd=REPO_ROOT, env=env,
                                   stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/health/live")
        yield url, log
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_schemathesis(url: str, token: str, *selection: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCHEMATHESIS, "run", f"{url}/openapi.json", "--checks", "all", "--max-examples", "30",
         "--header", f"Authorization: Bearer {token}", "--no-color", "--generation-deterministic",
         *selection],
        capture_output=True, text=True, timeout=600, cwd=REPO_ROOT)


def _bearer(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


PORTAL = _bearer(portal_token(Settings(), uscc="91350200MA2Y0Q1X9G", name="厦门鹭江外贸有限公司"))
OPERATOR = Settings().operator_token.get_secret_value()


@pytest.mark.parametrize("token, selection", [
    (PORTAL, ("--exclude-path-regex", f"^/ops/|{SEMANTIC_ONLY}")),
    (PORTAL, ("--include-path-regex", SEMANTIC_ONLY, "--exclude-checks", "positive_data_acceptance")),
    (OPERATOR, ("--include-path-regex", "^/ops/")),
], ids=["portal", "portal-semantic-rules", "operator"])
@pytest.mark.timeout(600)  # some sixty routes, thirty examples each, every check
def test_every_route_answers_as_documented(hub, token, selection) -> None:
    url, log = hub
    result = run_schemathesis(url, token, *selection)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "Tested:" in result.stdout
    assert "unexpected error" not in log.read_text()


def test_the_document_lists_every_route_and_its_error_codes(hub) -> None:
    url, _log = hub
    with urllib.request.urlopen(f"{url}/openapi.json") as response:
        document = json.load(response)
    assert len(document["paths"]) >= 20
    assert {"E-FIELD-REQUIRED", "E-SEAL-EXPIRED", "E-AUTHORIZATION-DUPLICATE"} <= set(document["x-error-codes"])
