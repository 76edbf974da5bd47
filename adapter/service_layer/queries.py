"""What the portal lists and shows, read through units of work (no state changes here)."""

from __future__ import annotations

from datetime import datetime

from adapter.domain.agreement import Agreement, AgreementStatus
from adapter.domain.timeline import TimelineRecord
from adapter.service_layer.unit_of_work import UnitsOfWork


async def agreement_of(uows: UnitsOfWork, agreement_no: str, uscc: str) -> Agreement | None:
    """The enterprise's agreement; another enterprise's is not found."""
    async with uows.reading() as uow:
        return await uow.agreements.get(agreement_no, uscc=uscc)


async def agreements_page(uows: UnitsOfWork, uscc: str, *, status: AgreementStatus | None,
                          limit: int, after: tuple[datetime, str] | None) -> list[Agreement]:
    async with uows.reading() as uow:
        return await uow.agreements.page(uscc, status=status.value if status else None,
                                         limit=limit, after=after)


async def timeline_of(uows: UnitsOfWork, object_type: str, object_id: str) -> list[TimelineRecord]:
    async with uows.reading() as uow:
        return await uow.timeline.for_object(object_type, object_id)
