"""Message board use cases (§七 调查问卷, Q-1): submit a message, list the enterprise's own,
and let operators read everyone's.

No document goes to the insurer: the manual's board is read by the people who run the
service, through the operator API. A message is numbered by the hub and never changed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from adapter.domain.exchange import utcnow
from adapter.domain.identity import Identity
from adapter.domain.message_board import Area, BoardMessage, BoardMessageNotFound
from adapter.service_layer.unit_of_work import UnitsOfWork

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class MessageRequest:
    """What the enterprise typed (the region already checked against the cascade at the edge)."""

    company_name: str
    area: Area
    contact_name: str
    contact_mobile: str
    contact_email: str | None
    content: str


def message_number(now: datetime) -> str:
    """留言编号: LY, the date, then 10 random digits, so numbers say nothing about how many
    other enterprises wrote that day."""
    return f"LY{now:%Y%m%d}{secrets.randbelow(10 ** 10):010d}"


async def submit(uows: UnitsOfWork, identity: Identity, request: MessageRequest, *,
                 clock: Clock = utcnow) -> BoardMessage:
    """提交: the message is stored under the token's enterprise, with who wrote it."""
    async with uows.begin() as uow:
        now = clock()
        message = BoardMessage(
            message_no=message_number(now), uscc=identity.uscc,
            company_name=request.company_name, area=request.area,
            contact_name=request.contact_name, contact_mobile=request.contact_mobile,
            contact_email=request.contact_email, content=request.content,
            submitted_by=identity.user_name, card_type=identity.card_type.value,
            submitted_at=now)
        await uow.messages.add(message)
        await uow.commit()
    return message


async def message_of(uows: UnitsOfWork, identity: Identity, message_no: str) -> BoardMessage:
    """The enterprise's message; another enterprise's is not found (404)."""
    async with uows.reading() as uow:
        found = await uow.messages.get(message_no, uscc=identity.uscc)
    if found is None:
        raise BoardMessageNotFound(f"message {message_no}")
    return found


async def page(uows: UnitsOfWork, identity: Identity, limit: int,
               after: tuple[datetime, str] | None) -> list[BoardMessage]:
    """One page of the enterprise's messages, newest first (``limit`` + 1 asks if more follow)."""
    async with uows.reading() as uow:
        return await uow.messages.page(identity.uscc, limit=limit, after=after)


async def for_operators(uows: UnitsOfWork, *, limit: int,
                        before_id: int | None) -> list[tuple[int, BoardMessage]]:
    """Every enterprise's messages, newest first, below a row id."""
    async with uows.reading() as uow:
        return await uow.messages.recent(limit=limit, before_id=before_id)
