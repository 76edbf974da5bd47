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
The selections run side by side, one schemathesis process each, and together cover every
operation of the document (the test counts them).
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


def schemathesis_command(url: str, token: str, *selection: str) -> list[str]:
    return [SCHEMATHESIS, "run", f"{url}/openapi.json", "--checks", "all", "--max-examples", "30",
            "--header", f"Authorization: Bearer {token}", "--no-color", "--generation-deterministic",
            *selection]


def run_side_by_side(url: str, runs: dict[str, tuple[str, tuple[str, ...]]]
                     ) -> dict[str, tuple[int, str]]:
    """Each selection in its own schemathesis process, all at once: generating the cases is
    most of the time and runs on one core per process, so two cores halve the wait."""
    started = {name: subprocess.Popen(schemathesis_command(url, token, *selection), cwd=REPO_ROOT,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for name, (token, selection) in runs.items()}
    finished: dict[str, tuple[int, str]] = {}
    for name, process in started.items():
        try:
            out, _ = process.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
        finished[name] = (process.returncode, out)
    return finished


def _bearer(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


PORTAL = _bearer(portal_token(Settings(), uscc="91350200MA2Y0Q1X9G", name="厦门鹭江外贸有限公司"))
OPERATOR = Settings().operator_token.get_secret_value()


CLAIMS = "^/portal/v1/claims/"
RUNS = {
    # the portal's routes in two halves (the claims' and the rest), the routes whose rules a
    # schema cannot state, and the operator's
    "portal-claims": (PORTAL, ("--include-path-regex", CLAIMS, "--exclude-path-regex", SEMANTIC_ONLY)),
    "portal-rest": (PORTAL, ("--exclude-path-regex", f"^/ops/|{CLAIMS}|{SEMANTIC_ONLY}")),
    "portal-semantic-rules": (PORTAL, ("--include-path-regex", SEMANTIC_ONLY,
                                       "--exclude-checks", "positive_data_acceptance")),
    "operator": (OPERATOR, ("--include-path-regex", "^/ops/")),
}


def _selected(out: str) -> int:
    line = next(line for line in out.splitlines() if "Operations:" in line)
    return int(line.split("Operations:")[1].split("selected")[0])


@pytest.mark.timeout(900)  # some eighty routes, thirty examples each, every check
def test_every_route_answers_as_documented(hub) -> None:
    url, log = hub
    results = run_side_by_side(url, RUNS)
    for name, (code, out) in results.items():
        assert code == 0, f"{name}:\n{out[-6000:]}"
        assert "Tested:" in out, f"{name}:\n{out[-3000:]}"
    with urllib.request.urlopen(f"{url}/openapi.json") as response:
        paths = json.load(response)["paths"]
    operations = sum(len([m for m in item if m in ("get", "post", "put", "patch", "delete")])
                     for item in paths.values())
    assert sum(_selected(out) for _code, out in results.values()) == operations  # none left out
    assert "unexpected error" not in log.read_text()


def test_the_document_lists_every_route_and_its_error_codes(hub) -> None:
    url, _log = hub
    with urllib.request.urlopen(f"{url}/openapi.json") as response:
        document = json.load(response)
    assert len(document["paths"]) >= 20
    assert {"E-FIELD-REQUIRED", "E-SEAL-EXPIRED", "E-AUTHORIZATION-DUPLICATE"} <= set(document["x-error-codes"])
