"""The partners' circuits, shared by every dispatcher on the database.

Each transition is one conditional statement, so two dispatchers that see the partner
fail at the same moment open the circuit once, and the probe of an interval is taken by
exactly one of them (the row is locked while it decides).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.circuit import CircuitRecord, CircuitState, ProbeTurn
from adapter.persistence.dialect import upsert
from adapter.persistence.tables import partner_circuits as circuits

CLOSED, HALF_OPEN, OPEN = CircuitState.CLOSED.value, CircuitState.HALF_OPEN.value, \
    CircuitState.OPEN.value


def _record(row: object) -> CircuitRecord:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    values.pop("changed_by", None)
    return CircuitRecord(**{**values, "state": CircuitState(values["state"])})


class SqlCircuits:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def all(self) -> list[CircuitRecord]:
        rows = await self.conn.execute(select(circuits).order_by(circuits.c.partner))
        return [_record(row) for row in rows]

    async def get(self, partner: str) -> CircuitRecord | None:
        row = (await self.conn.execute(
            select(circuits).where(circuits.c.partner == partner))).first()
        return _record(row) if row else None

    async def open(self, partner: str, *, now: datetime, probe_after: datetime, failures: int,
                   error_code: str, worker: str) -> bool:
        """Open a closed (or never seen) circuit; False when it was open already."""
        values = {"partner": partner, "state": OPEN, "failures": failures, "changed_at": now,
                  "probe_after": probe_after, "opened_at": now, "last_error_code": error_code,
                  "changed_by": worker}
        stmt = upsert(self.conn, circuits).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[circuits.c.partner],
            set_={name: stmt.excluded[name] for name in values if name != "partner"},
            where=circuits.c.state == CLOSED,
        ).returning(circuits.c.partner)
        return (await self.conn.execute(stmt)).first() is not None

    async def take_probe(self, partner: str, *, now: datetime, interval: timedelta,
                         worker: str) -> ProbeTurn:
        """The interval's one probe, if nobody took it; or word that the circuit closed."""
        row = (await self.conn.execute(
            select(circuits.c.state, circuits.c.probe_after)
            .where(circuits.c.partner == partner).with_for_update())).first()
        if row is None or row.state == CLOSED:
            return ProbeTurn(closed=True)
        if row.probe_after is not None and row.probe_after > now:
            return ProbeTurn(wait_until=row.probe_after)
        await self.conn.execute(
            update(circuits).where(circuits.c.partner == partner)
            .values(state=HALF_OPEN, probe_after=now + interval, changed_at=now,
                    changed_by=worker))
        return ProbeTurn(probe=True)

    async def probe_failed(self, partner: str, *, now: datetime, error_code: str) -> None:
        """Back to open; the next probe waits for the interval the taken probe set."""
        await self.conn.execute(
            update(circuits).where(circuits.c.partner == partner, circuits.c.state != CLOSED)
            .values(state=OPEN, changed_at=now, last_error_code=error_code,
                    failures=circuits.c.failures + 1))

    async def close(self, partner: str, *, now: datetime, worker: str) -> datetime | None:
        """Close an open circuit; when it had opened, or None if it was closed already."""
        result = await self.conn.execute(
            update(circuits).where(circuits.c.partner == partner, circuits.c.state != CLOSED)
            .values(state=CLOSED, failures=0, changed_at=now, probe_after=None,
                    changed_by=worker)
            .returning(circuits.c.opened_at))
        row = result.first()
        if row is None:
            return None
        opened: datetime | None = row.opened_at
        return opened or now
