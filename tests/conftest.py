"""Shared fixtures: a real database (SQLite file and PostgreSQL), the hub on loopback."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from adapter.config import REPO_ROOT
from adapter.persistence.database import Database
from adapter.persistence.migrate import upgrade
from adapter.persistence.tables import metadata

POSTGRES_URL = os.environ.get("HUB_TEST_POSTGRES_URL",
                              "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
_migrated: set[str] = set()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--databases", default="sqlite,postgres",
                     help="which databases the database tests run on")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_kind" in metafunc.fixturenames:
        kinds = metafunc.config.getoption("--databases").split(",")
        metafunc.parametrize("database_kind", kinds, scope="function")


def database_url(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite'}"
    return POSTGRES_URL


async def _fresh_postgres() -> None:
    if POSTGRES_URL not in _migrated:
        await asyncio.to_thread(upgrade, POSTGRES_URL)
        _migrated.add(POSTGRES_URL)
    db = Database(POSTGRES_URL)
    tables = ", ".join(table.name for table in metadata.sorted_tables)
    async with db.transaction() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY"))
    await db.dispose()


@pytest.fixture
async def db_url(database_kind: str, tmp_path: Path) -> str:
    """A migrated, empty database of the requested kind."""
    url = database_url(database_kind, tmp_path)
    if database_kind == "sqlite":
        await asyncio.to_thread(upgrade, url)
    else:
        await _fresh_postgres()
    return url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


def run_repo_command(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout,
                          check=False)
