"""Hot reads straight on asyncpg: a SELECT compiled once by SQLAlchemy, run by the driver.

The risk search (风险信息查询) is the portal's most asked read and a few milliseconds of it
were the hub's own: SQLAlchemy's execution of a cached statement (its execution context,
the greenlet bridge, result rows built column by column) costs about 0.5 ms of CPU per
statement on the benchmark machine, asyncpg's own prepared statement 0.13 ms
(bench/README.md). So a statement asked that often is compiled once here, to its SQL text
and the order of its parameters, with the bind and result processors of its column types
(:class:`~adapter.persistence.tables.UtcDateTime` among them, so values come and go exactly
as through SQLAlchemy), and run with ``fetch`` on the connection the unit of work holds.

Only on an autocommit connection (a reading unit of work on PostgreSQL): no transaction is
open there for SQLAlchemy to have begun, so a statement run beside it sees what it would
have seen through it. Anywhere else :func:`fetch` runs the statement through SQLAlchemy.
Driver errors need no translation: the unit of work already counts asyncpg's connection
errors as the outage they are.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import CompoundSelect, Select

Processor = Callable[[Any], Any] | None
Statement = Select[Any] | CompoundSelect[Any]


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    names: tuple[str, ...]
    defaults: Mapping[str, Any]
    binds: tuple[Processor, ...]
    results: tuple[tuple[int, Callable[[Any], Any]], ...]
    row: Callable[..., Any]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        values = [params[name] if name in params else self.defaults[name] for name in self.names]
        return [value if process is None else process(value)
                for value, process in zip(values, self.binds, strict=True)]

    def rows(self, records: Sequence[Any]) -> list[Any]:
        if not self.results:
            return [self.row(*record) for record in records]
        shaped = []
        for record in records:
            values = list(record)
            for position, process in self.results:
                values[position] = process(values[position])
            shaped.append(self.row(*values))
        return shaped


@lru_cache(maxsize=512)
def compile_for_driver(statement: Statement, dialect: Dialect) -> Compiled:
    """The statement's text with ``$n`` parameters and what its types do to values."""
    compiled: Any = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise ValueError("a statement rendered at execution cannot be compiled once")
    binds = tuple(compiled.binds[name].type.bind_processor(dialect) for name in names)
    columns = list(statement.selected_columns)
    results = tuple((position, process) for position, column in enumerate(columns)
                    if (process := column.type.result_processor(dialect, None)) is not None)
    row = namedtuple("row", [column.key for column in columns])  # type: ignore[misc]
    defaults = {name: compiled.binds[name].value for name in names}
    return Compiled(str(compiled), names, defaults, binds, results, row)


def on_driver(conn: AsyncConnection) -> bool:
    """A PostgreSQL connection in autocommit: nothing SQLAlchemy began is open on it."""
    options = conn.sync_connection.get_execution_options() if conn.sync_connection else {}
    return conn.dialect.name == "postgresql" and options.get("isolation_level") == "AUTOCOMMIT"


async def fetch(conn: AsyncConnection, statement: Statement, params: Mapping[str, Any]
                ) -> Sequence[Any]:
    """The statement's rows (attributes named as its columns), by the driver where it may."""
    if not on_driver(conn):
        return list(await conn.execute(statement, dict(params)))
    compiled = compile_for_driver(statement, conn.dialect)
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    return compiled.rows(await driver.fetch(compiled.sql, *compiled.arguments(params)))
