"""Agreement rows: load an aggregate for a decision, save the decided state, list for the portal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.agreement import LIVE, Agreement, AgreementStatus, Enterprise
from adapter.persistence.dialect import naive_utc, upsert
from adapter.persistence.tables import agreements
from adapter.service_layer.unit_of_work import ExpectedMove

_LOADED = (agreements.c.agreement_no, agreements.c.uscc, agreements.c.enterprise_name,
           agreements.c.org_code, agreements.c.status, agreements.c.signer_name,
           agreements.c.seal_id, agreements.c.seal_name, agreements.c.signed_at,
           agreements.c.updated_at, agreements.c.stamped_at, agreements.c.insurer_seal_serial,
           agreements.c.refusal_reason, agreements.c.termination_requested_at,
           agreements.c.terminated_at, agreements.c.termination_reason)
_SAVED = ("status", "updated_at", "stamped_at", "insurer_seal_serial", "refusal_reason",
          "termination_requested_at", "terminated_at", "termination_reason")
# Built once: receipts run these on the inbound hot path and only bind values.
_GET = select(*_LOADED).where(agreements.c.agreement_no == bindparam("number"))
_FOR_UPDATE = _GET.with_for_update()
_FOR_UPDATE_MANY = (select(*_LOADED)
                    .where(agreements.c.agreement_no.in_(bindparam("numbers", expanding=True)))
                    .order_by(agreements.c.agreement_no).with_for_update())
_SAVE = (update(agreements).where(agreements.c.agreement_no == bindparam("number"))
         .values({name: bindparam(name, type_=agreements.c[name].type)
                  for name in (*_SAVED, "live_uscc")}))


def _aggregate(row: Row[Any] | Any) -> Agreement:
    return Agreement(
        row.agreement_no, Enterprise(row.enterprise_name, row.uscc, row.org_code),
        AgreementStatus(row.status), row.signer_name, row.seal_id, row.signed_at, row.updated_at,
        seal_name=row.seal_name, stamped_at=row.stamped_at,
        insurer_seal_serial=row.insurer_seal_serial, refusal_reason=row.refusal_reason,
        termination_requested_at=row.termination_requested_at, terminated_at=row.terminated_at,
        termination_reason=row.termination_reason)


class SqlAgreements:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, agreement: Agreement, *, document: bytes | None) -> bool:
        """Insert; False when the enterprise already has a live agreement (unique live_uscc)."""
        stmt = upsert(self.conn, agreements).values(
            agreement_no=agreement.agreement_no, uscc=agreement.uscc, live_uscc=agreement.uscc,
            enterprise_name=agreement.enterprise.name, org_code=agreement.enterprise.org_code,
            status=agreement.status.value, signer_name=agreement.signer_name,
            seal_id=agreement.seal_id, seal_name=agreement.seal_name,
            signed_at=agreement.signed_at, updated_at=agreement.updated_at, document=document,
            document_status=agreement.status.value if document else None,
        ).on_conflict_do_nothing(index_elements=[agreements.c.live_uscc]).returning(
            agreements.c.agreement_no)
        return (await self.conn.execute(stmt)).first() is not None

    async def get(self, agreement_no: str, *, uscc: str | None = None) -> Agreement | None:
        row = (await self.conn.execute(_GET, {"number": agreement_no})).first()
        if row is None or (uscc is not None and row.uscc != uscc):
            return None
        return _aggregate(row)

    async def for_update(self, agreement_no: str) -> Agreement | None:
        row = (await self.conn.execute(_FOR_UPDATE, {"number": agreement_no})).first()
        return _aggregate(row) if row else None

    async def for_update_many(self, agreement_nos: Sequence[str]) -> dict[str, Agreement]:
        if not agreement_nos:
            return {}
        rows = await self.conn.execute(_FOR_UPDATE_MANY, {"numbers": sorted(set(agreement_nos))})
        return {row.agreement_no: _aggregate(row) for row in rows}

    async def live_of(self, uscc: str) -> Agreement | None:
        row = (await self.conn.execute(select(*_LOADED).where(agreements.c.live_uscc == uscc))).first()
        return _aggregate(row) if row else None

    async def save(self, agreement: Agreement) -> None:
        values: dict[str, Any] = {name: getattr(agreement, name) for name in _SAVED}
        values["status"] = agreement.status.value
        values["live_uscc"] = agreement.uscc if agreement.is_live else None
        await self.conn.execute(_SAVE, {"number": agreement.agreement_no, **values})

    async def move_many(self, moves: Sequence[ExpectedMove]) -> set[str]:
        """One statement on PostgreSQL (``UPDATE … FROM unnest(…)``); one per move on SQLite,
        which has no arrays to bind."""
        if not moves:
            return set()
        if self.conn.dialect.name == "postgresql":
            result = await self.conn.execute(_MOVE_MANY_PG, _move_arrays(moves))
            return {row.agreement_no for row in result}
        moved = set()
        for move in moves:
            if (await self.conn.execute(_MOVE_ONE, _move_values(move))).first() is not None:
                moved.add(move.agreement_no)
        return moved

    async def document(self, agreement_no: str) -> tuple[bytes | None, str | None]:
        row = (await self.conn.execute(select(agreements.c.document, agreements.c.document_status)
                                       .where(agreements.c.agreement_no == agreement_no))).first()
        return (row.document, row.document_status) if row else (None, None)

    async def store_document(self, agreement_no: str, pdf: bytes, status: str) -> None:
        await self.conn.execute(update(agreements).where(agreements.c.agreement_no == agreement_no)
                                .values(document=pdf, document_status=status))

    async def page(self, uscc: str, *, status: str | None, limit: int,
                   after: tuple[datetime, str] | None) -> list[Agreement]:
        """Newest first, keyset-paged over the (uscc, signed_at) index."""
        query = select(*_LOADED).where(agreements.c.uscc == uscc)
        if status:
            query = query.where(agreements.c.status == status)
        if after:
            signed_at, agreement_no = after
            query = query.where(or_(agreements.c.signed_at < signed_at,
                                    and_(agreements.c.signed_at == signed_at,
                                         agreements.c.agreement_no < agreement_no)))
        query = query.order_by(agreements.c.signed_at.desc(),
                               agreements.c.agreement_no.desc()).limit(limit)
        return [_aggregate(row) for row in await self.conn.execute(query)]


_MOVE_MANY_PG = text("""
UPDATE agreements AS a SET
    status = m.status, updated_at = m.updated_at,
    live_uscc = CASE WHEN m.keeps_live THEN a.live_uscc ELSE NULL END,
    stamped_at = COALESCE(m.stamped_at, a.stamped_at),
    insurer_seal_serial = COALESCE(m.insurer_seal_serial, a.insurer_seal_serial),
    refusal_reason = COALESCE(m.refusal_reason, a.refusal_reason),
    terminated_at = COALESCE(m.terminated_at, a.terminated_at)
FROM unnest(CAST(:numbers AS varchar[]), CAST(:owners AS varchar[]), CAST(:expected AS varchar[]),
            CAST(:statuses AS varchar[]), CAST(:updated AS timestamp[]), CAST(:keeps AS boolean[]),
            CAST(:stamped AS timestamp[]), CAST(:serials AS varchar[]), CAST(:reasons AS text[]),
            CAST(:terminated AS timestamp[]))
     AS m(agreement_no, uscc, expected, status, updated_at, keeps_live, stamped_at,
          insurer_seal_serial, refusal_reason, terminated_at)
WHERE a.agreement_no = m.agreement_no AND a.uscc = m.uscc AND a.status = m.expected
RETURNING a.agreement_no
""")
# The same move for one agreement, as SQLite runs it.
_MOVE_ONE = text("""
UPDATE agreements SET
    status = :status, updated_at = :updated,
    live_uscc = CASE WHEN :keeps THEN live_uscc ELSE NULL END,
    stamped_at = COALESCE(:stamped, stamped_at),
    insurer_seal_serial = COALESCE(:serial, insurer_seal_serial),
    refusal_reason = COALESCE(:reason, refusal_reason),
    terminated_at = COALESCE(:terminated, terminated_at)
WHERE agreement_no = :number AND uscc = :owner AND status = :expected
RETURNING agreement_no
""").bindparams(*(bindparam(name, type_=agreements.c[column].type) for name, column in (
    ("updated", "updated_at"), ("stamped", "stamped_at"), ("terminated", "terminated_at"))))


def _move_values(move: ExpectedMove) -> dict[str, Any]:
    facts = move.facts
    return {"number": move.agreement_no, "owner": move.uscc, "expected": move.expected.value,
            "status": move.to.value, "updated": move.at, "keeps": move.to in LIVE,
            "stamped": facts.stamped_at, "serial": facts.insurer_seal_serial,
            "reason": facts.refusal_reason, "terminated": facts.terminated_at}


def _move_arrays(moves: Sequence[ExpectedMove]) -> dict[str, list[Any]]:
    return {
        "numbers": [m.agreement_no for m in moves], "owners": [m.uscc for m in moves],
        "expected": [m.expected.value for m in moves], "statuses": [m.to.value for m in moves],
        "updated": [naive_utc(m.at) for m in moves], "keeps": [m.to in LIVE for m in moves],
        "stamped": [naive_utc(m.facts.stamped_at) for m in moves],
        "serials": [m.facts.insurer_seal_serial for m in moves],
        "reasons": [m.facts.refusal_reason for m in moves],
        "terminated": [naive_utc(m.facts.terminated_at) for m in moves],
    }
