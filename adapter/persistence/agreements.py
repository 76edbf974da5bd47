"""Agreement rows: load for a decision, save a decided state, list for the portal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.agreement import AgreementStatus, SignedAgreement
from adapter.persistence.dialect import naive_utc, upsert
from adapter.persistence.tables import agreements

# States in which an agreement still binds the enterprise: only one such per enterprise.
LIVE = {AgreementStatus.SIGNING, AgreementStatus.SIGNED, AgreementStatus.TERMINATING,
        AgreementStatus.TERMINATION_FAILED}

_LISTED = (agreements.c.agreement_no, agreements.c.uscc, agreements.c.enterprise_name,
           agreements.c.status, agreements.c.signer_name, agreements.c.seal_id,
           agreements.c.seal_name, agreements.c.signed_at, agreements.c.stamped_at,
           agreements.c.refusal_reason, agreements.c.termination_requested_at,
           agreements.c.terminated_at, agreements.c.termination_reason, agreements.c.updated_at)


async def add(conn: AsyncConnection, signed: SignedAgreement, *, seal_name: str | None = None,
              document: bytes | None = None) -> bool:
    """Insert in 保险公司签约中; False when the enterprise already has a live agreement."""
    stmt = upsert(conn, agreements).values(
        agreement_no=signed.agreement_no, uscc=signed.enterprise.uscc, live_uscc=signed.enterprise.uscc,
        enterprise_name=signed.enterprise.name, org_code=signed.enterprise.org_code,
        status=AgreementStatus.SIGNING.value, signer_name=signed.signer_name,
        seal_id=signed.seal.seal_id, seal_name=seal_name, signed_at=signed.signed_at,
        updated_at=signed.signed_at, document=document,
        document_status=AgreementStatus.SIGNING.value if document else None,
    ).on_conflict_do_nothing(index_elements=[agreements.c.live_uscc]).returning(agreements.c.agreement_no)
    return (await conn.execute(stmt)).first() is not None


# Built once: receipts run these on the inbound hot path and only bind values.
_FOR_UPDATE = (
    select(agreements.c.agreement_no, agreements.c.uscc, agreements.c.status,
           agreements.c.enterprise_name, agreements.c.org_code)
    .where(agreements.c.agreement_no == bindparam("number")).with_for_update()
)


@cache
def _status_update(fields: frozenset[str]) -> Any:
    values = {name: bindparam(name, type_=agreements.c[name].type) for name in fields}
    return update(agreements).where(agreements.c.agreement_no == bindparam("number")).values(values)


@cache
def _conditional_move(fields: frozenset[str]) -> Any:
    values = {name: bindparam(name, type_=agreements.c[name].type) for name in fields}
    return (update(agreements)
            .where(agreements.c.agreement_no == bindparam("number"),
                   agreements.c.uscc == bindparam("owner"),
                   agreements.c.status == bindparam("expected"))
            .values(values).returning(agreements.c.agreement_no))


async def move_if(conn: AsyncConnection, agreement_no: str, uscc: str, *, expected: AgreementStatus,
                  to: AgreementStatus, at: datetime, **fields: Any) -> bool:
    """Move the enterprise's agreement to ``to`` only if it is still ``expected``: one statement."""
    values: dict[str, Any] = {"status": to.value, "updated_at": at, **fields}
    if to not in LIVE:
        values["live_uscc"] = None
    result = await conn.execute(_conditional_move(frozenset(values)),
                                {"number": agreement_no, "owner": uscc,
                                 "expected": expected.value, **values})
    return result.first() is not None


@dataclass(frozen=True, slots=True)
class Move:
    """One receipt's move: from ``expected`` to ``to``; fields left None keep their value."""

    agreement_no: str
    uscc: str
    expected: AgreementStatus
    to: AgreementStatus
    at: datetime
    stamped_at: datetime | None = None
    insurer_seal_serial: str | None = None
    refusal_reason: str | None = None
    terminated_at: datetime | None = None


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


async def move_many(conn: AsyncConnection, moves: list[Move]) -> set[str]:
    """Apply each move whose agreement is still where it expects; the numbers moved.

    One statement on PostgreSQL (``UPDATE … FROM unnest(…)``); one per move on SQLite.
    Agreement numbers must be distinct (a row joined twice would be updated once, by chance).
    """
    if conn.dialect.name != "postgresql":
        return {m.agreement_no for m in moves if await move_if(
            conn, m.agreement_no, m.uscc, expected=m.expected, to=m.to, at=m.at,
            **{k: v for k, v in _fields(m).items() if v is not None})}
    result = await conn.execute(_MOVE_MANY_PG, {
        "numbers": [m.agreement_no for m in moves], "owners": [m.uscc for m in moves],
        "expected": [m.expected.value for m in moves], "statuses": [m.to.value for m in moves],
        "updated": [naive_utc(m.at) for m in moves], "keeps": [m.to in LIVE for m in moves],
        "stamped": [naive_utc(m.stamped_at) for m in moves],
        "serials": [m.insurer_seal_serial for m in moves],
        "reasons": [m.refusal_reason for m in moves],
        "terminated": [naive_utc(m.terminated_at) for m in moves],
    })
    return {row.agreement_no for row in result}


def _fields(move: Move) -> dict[str, Any]:
    return {"stamped_at": move.stamped_at, "insurer_seal_serial": move.insurer_seal_serial,
            "refusal_reason": move.refusal_reason, "terminated_at": move.terminated_at}


async def for_update(conn: AsyncConnection, agreement_no: str) -> dict[str, Any] | None:
    """The row, locked until commit on PostgreSQL so two receipts decide one after the other."""
    row = (await conn.execute(_FOR_UPDATE, {"number": agreement_no})).first()
    return dict(row._mapping) if row else None


async def set_status(conn: AsyncConnection, agreement_no: str, status: AgreementStatus, *,
                     at: datetime, **fields: Any) -> None:
    values: dict[str, Any] = {"status": status.value, "updated_at": at, **fields}
    if status not in LIVE:
        values["live_uscc"] = None
    await conn.execute(_status_update(frozenset(values)), {"number": agreement_no, **values})


async def get(conn: AsyncConnection, agreement_no: str, *, uscc: str | None = None) -> dict[str, Any] | None:
    """One agreement; with ``uscc``, only if it is that enterprise's (others get nothing)."""
    query = select(*_LISTED, agreements.c.document_status).where(
        agreements.c.agreement_no == agreement_no)
    if uscc is not None:
        query = query.where(agreements.c.uscc == uscc)
    row = (await conn.execute(query)).first()
    return dict(row._mapping) if row else None


async def live_of(conn: AsyncConnection, uscc: str) -> dict[str, Any] | None:
    row = (await conn.execute(select(*_LISTED).where(agreements.c.live_uscc == uscc))).first()
    return dict(row._mapping) if row else None


async def document(conn: AsyncConnection, agreement_no: str) -> tuple[bytes | None, str | None]:
    row = (await conn.execute(select(agreements.c.document, agreements.c.document_status)
                              .where(agreements.c.agreement_no == agreement_no))).first()
    return (row.document, row.document_status) if row else (None, None)


async def store_document(conn: AsyncConnection, agreement_no: str, pdf: bytes, status: str) -> None:
    await conn.execute(update(agreements).where(agreements.c.agreement_no == agreement_no)
                       .values(document=pdf, document_status=status))


async def page(conn: AsyncConnection, uscc: str, *, status: str | None, limit: int,
               after: tuple[datetime, str] | None) -> list[dict[str, Any]]:
    """Newest first, keyset-paged on (signed_at, agreement_no) over the (uscc, signed_at) index."""
    query = select(*_LISTED).where(agreements.c.uscc == uscc)
    if status:
        query = query.where(agreements.c.status == status)
    if after:
        signed_at, agreement_no = after
        query = query.where(or_(agreements.c.signed_at < signed_at,
                                and_(agreements.c.signed_at == signed_at,
                                     agreements.c.agreement_no < agreement_no)))
    query = query.order_by(agreements.c.signed_at.desc(), agreements.c.agreement_no.desc()).limit(limit)
    return [dict(row._mapping) for row in await conn.execute(query)]
