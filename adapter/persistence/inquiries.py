"""Inquiry rows: one per serial number, the form flattened and back, with the reply."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.inquiry import (
    Division,
    Inquiry,
    InquiryContent,
    InquiryForm,
    InquiryReply,
    InquiryStatus,
    RegisteredAddress,
)
from adapter.domain.insurance import Contact
from adapter.persistence.tables import insurance_inquiries as t


def _division_values(prefix: str, division: Division | None) -> dict[str, Any]:
    return {f"{prefix}_code": division.code if division else None,
            f"{prefix}_name": division.name if division else None}


def _form_values(form: InquiryForm) -> dict[str, Any]:
    address = form.address
    return {"serial_no": form.serial_no, "uscc": form.uscc, "insurer_name": form.insurer_name,
            "company_name": form.company_name, **_division_values("province", address.province),
            **_division_values("city", address.city),
            **_division_values("district", address.district),
            "address_detail": address.detail, "contact_name": form.contact.name,
            "contact_mobile": form.contact.mobile, "contact_email": form.contact.email,
            "content": form.content.value, "other_needs": form.other_needs,
            "submitted_by": form.submitted_by, "card_type": form.card_type,
            "submitted_at": form.submitted_at}


def _state_values(inquiry: Inquiry) -> dict[str, Any]:
    reply = inquiry.reply
    return {"status": inquiry.status.value, "reply": reply.reply if reply else None,
            "reply_handler": reply.handler if reply else None,
            "reply_handler_contact": reply.handler_contact if reply else None,
            "replied_at": reply.replied_at if reply else None}


def _division(code: str | None, name: str | None) -> Division | None:
    return Division(code, name) if code and name else None


def _aggregate(row: Row[Any]) -> Inquiry:
    province = Division(row.province_code, row.province_name)
    address = RegisteredAddress(province, _division(row.city_code, row.city_name),
                                _division(row.district_code, row.district_name),
                                row.address_detail)
    form = InquiryForm(row.serial_no, row.insurer_name, row.company_name, row.uscc, address,
                       Contact(row.contact_name, row.contact_mobile, row.contact_email),
                       InquiryContent(row.content), row.other_needs, row.submitted_by,
                       row.card_type, row.submitted_at)
    reply = None if row.replied_at is None else InquiryReply(
        row.serial_no, row.uscc, row.replied_at, row.reply or "", row.reply_handler,
        row.reply_handler_contact)
    return Inquiry(form, InquiryStatus(row.status), reply)


class SqlInquiries:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, inquiry: Inquiry) -> None:
        await self.conn.execute(t.insert().values(**_form_values(inquiry.form),
                                                  **_state_values(inquiry)))

    async def get(self, serial_no: str, *, uscc: str | None = None) -> Inquiry | None:
        row = (await self.conn.execute(select(t).where(t.c.serial_no == serial_no))).first()
        if row is None or (uscc is not None and row.uscc != uscc):
            return None
        return _aggregate(row)

    async def for_update(self, serial_no: str) -> Inquiry | None:
        query = select(t).where(t.c.serial_no == serial_no).with_for_update()
        row = (await self.conn.execute(query)).first()
        return _aggregate(row) if row else None

    async def save(self, inquiry: Inquiry) -> None:
        await self.conn.execute(update(t).where(t.c.serial_no == inquiry.serial_no)
                                .values(_state_values(inquiry)))

    async def page(self, uscc: str, *, statuses: Sequence[str] | None, limit: int,
                   after: tuple[datetime, str] | None) -> list[Inquiry]:
        """Newest first over the (uscc, submitted_at) index, keyset-paged."""
        query = select(t).where(t.c.uscc == uscc)
        if statuses:
            query = query.where(t.c.status.in_(list(statuses)))
        if after:
            at, serial_no = after
            query = query.where(or_(t.c.submitted_at < at,
                                    and_(t.c.submitted_at == at, t.c.serial_no < serial_no)))
        query = query.order_by(t.c.submitted_at.desc(), t.c.serial_no.desc()).limit(limit)
        return [_aggregate(row) for row in await self.conn.execute(query)]
