"""The buyer lookup's cache (C-3): a repeat is served without a second call; failures and
registration-serial queries are never cached; entries expire."""

from __future__ import annotations

import pytest

from adapter.domain.buyer import BuyerLookupUnavailable, BuyerQuery, DirectoryBuyer, LookupReply
from adapter.service_layer.buyers import CachedDirectory

USCC = "91350200MA2Y0Q1X9G"


class Counting:
    def __init__(self) -> None:
        self.calls: list[BuyerQuery] = []
        self.down = False

    async def lookup(self, query: BuyerQuery) -> LookupReply:
        self.calls.append(query)
        if self.down:
            raise BuyerLookupUnavailable("down")
        return LookupReply("m", 1, (DirectoryBuyer("US0012345", "Pacific Home Goods Inc.", "USA", "x"),))

    async def close(self) -> None:
        return None


async def test_a_repeat_is_served_from_the_cache_until_it_expires() -> None:
    now = [0.0]
    inner = Counting()
    cached = CachedDirectory(inner, ttl_seconds=10, max_entries=10, clock=lambda: now[0])
    query = BuyerQuery(uscc=USCC, name="Pacific")
    first = await cached.lookup(query)
    assert await cached.lookup(BuyerQuery(uscc=USCC, name="Pacific")) == first
    assert len(inner.calls) == 1
    now[0] = 11.0
    await cached.lookup(query)
    assert len(inner.calls) == 2


async def test_failures_and_serial_queries_are_not_cached() -> None:
    inner = Counting()
    cached = CachedDirectory(inner, ttl_seconds=10, max_entries=10)
    inner.down = True
    with pytest.raises(BuyerLookupUnavailable):
        await cached.lookup(BuyerQuery(uscc=USCC, code="US0012345"))
    inner.down = False
    await cached.lookup(BuyerQuery(uscc=USCC, code="US0012345"))
    serial = BuyerQuery(uscc=USCC, registration_serial="BR202603120000000417")
    await cached.lookup(serial)
    await cached.lookup(serial)
    assert len(inner.calls) == 4


def test_a_query_needs_a_criterion() -> None:
    with pytest.raises(Exception, match="no code"):
        BuyerQuery(uscc=USCC)
