"""Objects waiting in a state since a moment: what the overdue report's rules look for.

A rule (``domain.overdue.WaitingSource``) names a subject, a state column and its waiting
states, and the column that says since when. This module knows, per subject, which table
holds it and how its rows name the timeline's object. A new workflow whose objects can be
overdue adds its subject here (one line) and its rules to the report.

One statement per waiting state, each ``state = 's' AND since <= :cut``, oldest first, cut
at the limit: a state with an index of its own (the agreements' (status, since), the
outbox's due and dead rows) is read through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.overdue import Waiting, WaitingSource
from adapter.persistence.outbox import inline
from adapter.persistence.tables import agreements, outbox


@dataclass(frozen=True)
class Subject:
    table: Table
    object_type: ColumnElement[str]
    object_id: ColumnElement[str]
    message_id: ColumnElement[str | None] | None = None
    message_type: ColumnElement[str | None] | None = None


SUBJECTS: dict[str, Subject] = {
    "agreement": Subject(agreements, literal("agreement"), agreements.c.agreement_no),
    "outbound_message": Subject(outbox, outbox.c.object_type, outbox.c.object_id,
                                outbox.c.message_id, outbox.c.message_type),
}


class SqlWaiting:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def since(self, source: WaitingSource, *, until: datetime,
                    limit: int) -> list[Waiting]:
        """Objects of ``source`` waiting since ``until`` or earlier, oldest first, at most
        ``limit`` per state."""
        rows = await self.conn.execute(_since(source), {"until": until, "limit": limit})
        found = [Waiting(**row._mapping) for row in rows]
        return sorted(found, key=lambda w: w.since)

    async def count(self, searches: Sequence[tuple[WaitingSource, datetime]], *,
                    cap: int) -> list[int]:
        """For each (source, until): how many wait since ``until`` or earlier, each state
        counted up to ``cap``; all in one statement."""
        if not searches:
            return []
        statement = _counts(tuple(source for source, _ in searches), cap)
        row = (await self.conn.execute(
            statement, {f"until_{n}": until for n, (_, until) in enumerate(searches)})).one()
        return [int(value) for value in row]


# Built once per source (and cap): building and keying a select cost more than running it.
@cache
def _since(source: WaitingSource) -> Any:
    subject = SUBJECTS[source.subject]
    state, since = _columns(source)
    parts = [
        select(subject.object_type.label("object_type"),
               subject.object_id.label("object_id"), since.label("since"),
               state.label("state"), _or_null(subject.message_id, "message_id"),
               _or_null(subject.message_type, "message_type"))
        .where(state == inline(value), since <= bindparam("until"))
        .order_by(since).limit(bindparam("limit"))
        .subquery().select()
        for value in source.states
    ]
    return union_all(*parts)


@cache
def _counts(sources: tuple[WaitingSource, ...], cap: int) -> Any:
    return select(*(_count(source, f"until_{n}", cap) for n, source in enumerate(sources)))


def _count(source: WaitingSource, until: str, cap: int) -> Any:
    state, since = _columns(source)
    counts = [
        select(func.count()).select_from(
            select(since).where(state == inline(value), since <= bindparam(until, type_=since.type))
            .limit(cap).subquery())
        .scalar_subquery()
        for value in source.states
    ]
    return sum(counts[1:], counts[0])


def _columns(source: WaitingSource) -> tuple[ColumnElement[str], ColumnElement[datetime]]:
    table = SUBJECTS[source.subject].table
    return table.c[source.state_column], table.c[source.since_column]


def _or_null(column: ColumnElement[str | None] | None, name: str) -> Any:
    return (column if column is not None else literal(None)).label(name)
