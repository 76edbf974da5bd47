"""Outside demo mode the hub refuses to start on published or empty secrets, naming them;
demo mode starts and says so in one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from adapter.config import REPO_ROOT, Settings
from adapter.deployment import unsafe_settings

SAFE = {"HUB_IDENTITY__JWT_KEY": "k" * 40, "HUB_OPERATOR_TOKEN": "a-long-operator-token",
        "HUB_INBOUND__PASSWORD": "an-insurer-password", "HUB_INSURER__PASSWORD": "a-hub-password",
        "HUB_SMS__CODE_KEY": "an-sms-code-key"}


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    base = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    return {**base, "HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite'}",
            "HUB_PORT": str(_free_port()), "HUB_DISPATCHER__ENABLED": "false",
            "HUB_LOG_JSON": "false", **values}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "adapter", command], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=20, check=False)


@pytest.mark.parametrize("command", ["serve", "dispatch"])
def test_the_published_demo_secrets_stop_serve_and_dispatch(tmp_path: Path, command: str) -> None:
    done = _run(command, _env(tmp_path))
    assert done.returncode != 0
    for setting in ("HUB_IDENTITY__JWT_KEY", "HUB_OPERATOR_TOKEN", "HUB_INBOUND__PASSWORD",
                    "HUB_INSURER__PASSWORD"):
        assert f"{setting} is the published demo value" in done.stderr
    assert not (tmp_path / "hub.sqlite").exists()  # refused before touching the database


def test_empty_secrets_and_a_short_token_key_are_named(tmp_path: Path) -> None:
    done = _run("serve", _env(tmp_path, **{**SAFE, "HUB_OPERATOR_TOKEN": "",
                                           "HUB_INBOUND__PASSWORD": " ",
                                           "HUB_IDENTITY__JWT_KEY": "x" * 31}))
    assert done.returncode != 0
    assert "HUB_OPERATOR_TOKEN is empty" in done.stderr
    assert "HUB_INBOUND__PASSWORD is empty" in done.stderr
    assert "HUB_IDENTITY__JWT_KEY is shorter than 32 bytes" in done.stderr
    assert "HUB_SMS__CODE_KEY" not in done.stderr


def test_own_secrets_pass_the_check() -> None:
    assert unsafe_settings(Settings(identity={"jwt_key": "k" * 32}, operator_token="t", sms={"code_key": "c"}, inbound={"password": "p"}, insurer={"password": "h"})) == []


def _serve_until_live(env: dict[str, str]) -> tuple[str, str]:
    process = subprocess.Popen([sys.executable, "-m", "adapter", "serve"], cwd=REPO_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{env['HUB_PORT']}/health/live", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise AssertionError("the hub did not start")
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    return out, err


@pytest.mark.slow
def test_demo_mode_starts_on_the_demo_secrets_with_one_warning(tmp_path: Path) -> None:
    _out, err = _serve_until_live(_env(tmp_path, HUB_DEMO="true"))
    warnings = [line for line in err.splitlines() if "WARNING" in line]
    assert len(warnings) == 1
    assert "demo mode" in warnings[0] and "HUB_OPERATOR_TOKEN" in warnings[0]


@pytest.mark.slow
def test_a_hub_with_its_own_secrets_starts_without_a_warning(tmp_path: Path) -> None:
    _out, err = _serve_until_live(_env(tmp_path, **SAFE))
    assert "WARNING" not in err
