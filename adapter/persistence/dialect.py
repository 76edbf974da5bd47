"""The places that know which SQL flavour the engine speaks: upserts and array-bound rows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

_POSTGRESQL = postgresql.asyncpg.dialect()  # type: ignore[no-untyped-call]


def upsert(conn: AsyncConnection, table: Table) -> Any:
    """An INSERT that supports ``on_conflict_do_*`` on PostgreSQL and SQLite alike."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def unnest_rows(table: Table, names: Sequence[str]) -> str:
    """``SELECT … FROM unnest(…)`` yielding rows of ``names``, one array parameter per column.

    On PostgreSQL a group of rows travels as one parameter set of arrays, which the driver
    encodes in C, instead of one parameter set per row that the ORM layer processes in Python.
    Bind the arrays with :func:`column_arrays`.
    """
    arrays = ", ".join(f"CAST(:{name} AS {_unbounded(table, name)}[])" for name in names)
    return f"SELECT * FROM unnest({arrays}) AS u({', '.join(names)})"


def _unbounded(table: Table, name: str) -> str:
    """The column's type without its length: a cast to VARCHAR(n) would silently cut a longer
    value, where the INSERT into the column refuses it."""
    return re.sub(r"\(\d+\)", "", table.c[name].type.compile(dialect=_POSTGRESQL))


def column_arrays(names: Sequence[str], rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """The parameters of :func:`unnest_rows`: one list per column, datetimes as naive UTC."""
    return {name: [naive_utc(row[name]) for row in rows] for name in names}


def naive_utc(value: Any) -> Any:
    """An aware datetime as the naive UTC the columns hold; anything else as it is. Array
    parameters bypass the column types that do this for single values."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value
