"""Agreement rows: load for a decision, save a decided state, list for the portal."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.agreement import AgreementStatus, SignedAgreement
from adapter.persistence.dialect import upsert
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
