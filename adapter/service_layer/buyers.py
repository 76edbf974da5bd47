"""Buyer use cases (C-3 买方信息): search the insurer's buyer list, register a new buyer, and
name a buyer on a claim.

The search is a question to the insurer while a person waits: :class:`BuyerDirectory` is
the port (implemented over SOAP or REST in ``outbound/buyer_lookup.py``, built by the app),
and :class:`CachedDirectory` keeps each query's answer for a while. When the insurer does
not answer in its time budget the directory raises ``BuyerLookupUnavailable`` (503).

Registering a new buyer (新建买家信息, X-OUT-8 create, :func:`register`) goes through the
outbox like every other send: the buyer row (登记中, named by its registration serial), the
document and the timeline commit together, and the insurer gets it when it is reachable.
The row learns the insurer's 买方代码 by asking the directory for that serial
(``refresh_codes``, run whenever the enterprise lists its buyers or a claim names one); it
is then 已登记 and its reference becomes the code.

A claim names a buyer by code or serial::

    buyer = await buyers.resolve(uows, portal.buyers, identity, reference)
    buyer.reference, buyer.english_name, buyer.code   # code None while 登记中
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from adapter.domain import messages
from adapter.domain.agreement import Enterprise
from adapter.domain.buyer import (
    Buyer,
    BuyerCodeFormat,
    BuyerLookupUnavailable,
    BuyerNeedsAgreement,
    BuyerNotFound,
    BuyerQuery,
    BuyerRegistration,
    BuyerStatus,
    LookupReply,
    buyer_code,
)
from adapter.domain.claim import ClaimNeedsAgreement
from adapter.domain.exchange import utcnow
from adapter.domain.identity import Identity
from adapter.domain.timeline import TimelineEntry
from adapter.mappings.registry import render
from adapter.service_layer.claim import require_signed
from adapter.service_layer.parties import Parties
from adapter.service_layer.unit_of_work import UnitOfWork, UnitsOfWork

OBJECT = "claim_buyer"
Clock = Callable[[], datetime]


class BuyerDirectory(Protocol):
    """The insurer's list of foreign buyers (X-OUT-8 lookup)."""

    async def lookup(self, query: BuyerQuery) -> LookupReply:
        """The matching buyers; ``BuyerLookupUnavailable`` when the insurer is down or slow."""

    async def close(self) -> None: ...


class CachedDirectory:
    """Answers kept per query for ``ttl_seconds``; identical searches in flight share one call.

    A search by registration serial is never cached: it asks whether the insurer has given
    a code since the last time, and a cached "not yet" would hide the answer. Failures are
    not cached either, so the next search tries the insurer again.
    """

    def __init__(self, directory: BuyerDirectory, *, ttl_seconds: float, max_entries: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.directory = directory
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self.clock = clock
        self._answers: OrderedDict[BuyerQuery, tuple[float, LookupReply]] = OrderedDict()
        self._in_flight: dict[BuyerQuery, asyncio.Future[LookupReply]] = {}

    async def lookup(self, query: BuyerQuery) -> LookupReply:
        if query.registration_serial is not None or self.ttl_seconds == 0:
            return await self.directory.lookup(query)
        cached = self._answers.get(query)
        if cached is not None and self.clock() - cached[0] < self.ttl_seconds:
            return cached[1]
        pending = self._in_flight.get(query)
        if pending is not None:
            return await asyncio.shield(pending)
        return await self._ask(query)

    async def _ask(self, query: BuyerQuery) -> LookupReply:
        future: asyncio.Future[LookupReply] = asyncio.get_running_loop().create_future()
        self._in_flight[query] = future
        try:
            reply = await self.directory.lookup(query)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a lone caller leaves no "never retrieved" warning
            raise
        finally:
            del self._in_flight[query]
        future.set_result(reply)
        self._remember(query, reply)
        return reply

    def _remember(self, query: BuyerQuery, reply: LookupReply) -> None:
        self._answers[query] = (self.clock(), reply)
        self._answers.move_to_end(query)
        while len(self._answers) > self.max_entries:
            self._answers.popitem(last=False)

    async def close(self) -> None:
        await self.directory.close()


async def search(directory: BuyerDirectory, identity: Identity, *, code: str | None,
                 name: str | None) -> LookupReply:
    """【放大镜】: the insurer's buyers by code or English name fragment (cached)."""
    return await directory.lookup(BuyerQuery(uscc=identity.uscc, code=code, name=name))


@dataclass(frozen=True, slots=True)
class NewBuyer:
    """新建买家信息 as typed: English name, country (ISO alpha-3), English address."""

    english_name: str
    country: str
    address: str


def registration_serial(uscc: str, typed: NewBuyer) -> str:
    """The hub's registration serial: ``BR`` and eighteen digits taken from what was typed
    (the enterprise, and the name and address with case and spacing ignored). The insurer
    lists the buyer under it, and a claim may name the buyer by it until its code comes.

    Derived, not drawn: the same buyer saved twice (a double click, a request retried after a
    lost answer, two tabs) meets the unique key on ``(uscc, registration_serial)`` and is one
    buyer and one X-OUT-8, never two registrations the insurer would have to merge.
    """
    def plain(text: str) -> str:
        return " ".join(text.split()).casefold()

    key = "\x1f".join((uscc, plain(typed.english_name), typed.country, plain(typed.address)))
    digest = hashlib.sha256(key.encode()).digest()
    return f"BR{int.from_bytes(digest[:8]) % 10 ** 18:018d}"


async def _require_signed(uow: UnitOfWork, uscc: str) -> None:
    """The claims' own check (签约成功), refused in the buyer's words."""
    try:
        await require_signed(uow, uscc)
    except ClaimNeedsAgreement as refused:
        raise BuyerNeedsAgreement(refused.detail) from refused


async def register(uows: UnitsOfWork, identity: Identity, typed: NewBuyer, parties: Parties, *,
                   clock: Clock = utcnow) -> Buyer:
    """新建买家信息 【保存】: the buyer 登记中 and its X-OUT-8 create queued in one commit.

    The same buyer saved again answers the row already there (登记中 or 已登记) and queues
    nothing: its serial is the same (:func:`registration_serial`)."""
    enterprise = Enterprise(identity.enterprise_name, identity.uscc, identity.org_code or None)
    registration = BuyerRegistration(
        registration_serial(identity.uscc, typed), enterprise, typed.english_name, typed.country,
        typed.address, identity.user_name, clock())
    buyer = Buyer.registering(registration)
    serial = registration.registration_serial
    async with uows.begin() as uow:
        await _require_signed(uow, identity.uscc)
        if not await uow.buyers.add(buyer):
            existing = await uow.buyers.get(identity.uscc, serial)
            assert existing is not None, "the unique key that refused the row names it"
            return existing
        envelope = parties.envelope(messages.BUYER_REGISTRATION, serial)
        await uow.outbox.add(envelope, render(messages.BUYER_REGISTRATION.message_type, registration,
                                              envelope),
                             partner=parties.insurer, object_type=OBJECT, object_id=serial)
        uow.timeline.record(TimelineEntry.about(
            envelope, OBJECT, serial, "state_changed", outcome=buyer.status.value,
            detail={"from": None, "to": buyer.status.value, "by": identity.user_name,
                    "english_name": buyer.english_name, "country": buyer.country}))
        await uow.commit()
    return buyer


async def buyers_of(uows: UnitsOfWork, directory: BuyerDirectory, identity: Identity) -> list[Buyer]:
    """The enterprise's buyers, newest first, with any code the insurer has given since."""
    await refresh_codes(uows, directory, identity.uscc)
    async with uows.reading() as uow:
        return await uow.buyers.of(identity.uscc)


async def refresh_codes(uows: UnitsOfWork, directory: BuyerDirectory, uscc: str) -> int:
    """Ask the insurer for the code of each buyer still 登记中; how many got one.

    Best effort: an insurer that does not answer leaves them 登记中 for the next time.
    """
    async with uows.reading() as uow:
        waiting = [b for b in await uow.buyers.of(uscc) if b.status is BuyerStatus.REGISTERING]
    found: dict[str, str] = {}
    for buyer in waiting:
        assert buyer.registration_serial is not None
        try:
            reply = await directory.lookup(BuyerQuery(uscc=uscc,
                                                      registration_serial=buyer.registration_serial))
        except BuyerLookupUnavailable:
            break
        found.update({e.registration_serial: e.code for e in reply.buyers
                      if e.registration_serial == buyer.registration_serial})
    if found:
        await _record_codes(uows, uscc, found)
    return len(found)


async def _record_codes(uows: UnitsOfWork, uscc: str, codes: dict[str, str]) -> None:
    async with uows.begin() as uow:
        for serial, code in codes.items():
            if await uow.buyers.record_code(uscc, serial, code):
                uow.timeline.record(TimelineEntry(
                    OBJECT, serial, "state_changed", outcome=BuyerStatus.REGISTERED.value,
                    detail={"from": BuyerStatus.REGISTERING.value, "to": BuyerStatus.REGISTERED.value,
                            "code": code}))
        await uow.commit()


async def resolve(uows: UnitsOfWork, directory: BuyerDirectory, identity: Identity,
                  reference: str) -> Buyer:
    """The buyer a claim names: one of the enterprise's (by code or registration serial), or
    a code from the insurer's list, then remembered as 已选用. Unknown: ``BuyerNotFound``."""
    async with uows.reading() as uow:
        own = await uow.buyers.get(identity.uscc, reference)
    if own is not None and own.status is BuyerStatus.REGISTERING:
        await refresh_codes(uows, directory, identity.uscc)
        async with uows.reading() as uow:
            own = await uow.buyers.get(identity.uscc, reference)
    if own is not None:
        return own
    try:
        code = buyer_code(reference)
    except BuyerCodeFormat:  # no code the insurer could have given: nobody's buyer
        raise BuyerNotFound(f"no buyer {reference}", path="$.buyer_code") from None
    reply = await directory.lookup(BuyerQuery(uscc=identity.uscc, code=code))
    entry = next((e for e in reply.buyers if e.code == code), None)
    if entry is None:
        raise BuyerNotFound(f"no buyer {reference}", path="$.buyer_code")
    chosen = Buyer.chosen(identity.uscc, entry, utcnow())
    async with uows.begin() as uow:
        await uow.buyers.add(chosen)
        await uow.commit()
    return chosen
