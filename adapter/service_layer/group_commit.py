"""Documents that arrive together commit together: one transaction, one commit, for a group.

Each document still gets its own acknowledgement, sent only after the commit that stored
it. If anything unexpected breaks a group's transaction, its documents are retried one by
one, so one bad document cannot fail the others.

One drainer commits at a time while it keeps up: whatever arrives during its commit
waits and goes in the next group, so groups grow with the load and the cost per document
falls. Only when more than a full group is waiting (the drainer is falling behind, or its
transaction is stuck behind a lock) does another drainer start, up to ``max_parallel``.

When the database is away, nobody waits for it: a group whose transaction fails with
:class:`StoreUnavailable` is answered with that error at once (nothing of it was stored),
so is every document queued behind it, and a document still queued at its ``deadline``
is taken out of the queue and answered the same way. The next document starts afresh.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from adapter.domain.errors import StoreUnavailable
from adapter.service_layer.unit_of_work import UnitOfWork, UnitsOfWork

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    def __init__(self, uows: UnitsOfWork,
                 apply: Callable[[UnitOfWork, list[Item]], Awaitable[list[Result]]], *,
                 max_group: int = 64, max_parallel: int = 4,
                 deadline: float | None = None) -> None:
        self.uows = uows
        self.apply = apply
        self.max_group = max_group
        self.deadline = deadline
        self.max_parallel = 1 if uows.single_writer else max_parallel
        self._queue: deque[tuple[Item, asyncio.Future[Result]]] = deque()
        self._queued_at: deque[float] = deque()  # beside the queue: when each entry came
        self._sweeper: asyncio.TimerHandle | None = None
        self._drainers: set[asyncio.Task[None]] = set()

    async def submit(self, item: Item) -> Result:
        """The item's result once its group committed; :class:`StoreUnavailable` if the
        database failed it or it was still queued at the deadline."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._queue.append((item, future))
        self._queued_at.append(loop.time())
        if self.deadline is not None and self._sweeper is None:
            self._sweeper = loop.call_later(self.deadline, self._sweep)
        if not self._drainers or (len(self._drainers) < self.max_parallel
                                  and len(self._queue) > self.max_group):
            drainer = loop.create_task(self._drain())
            self._drainers.add(drainer)  # a reference, so the task cannot be collected mid-flight
            drainer.add_done_callback(self._drainers.discard)
        return await future

    def _take(self, count: int) -> list[tuple[Item, asyncio.Future[Result]]]:
        taken = [self._queue.popleft() for _ in range(count)]
        for _ in range(count):
            self._queued_at.popleft()
        return taken

    def _sweep(self) -> None:
        """One timer for the whole queue, not one per document: the oldest are at the
        front, so it answers those past the deadline and sleeps until the next one is due.
        A document already inside a transaction is bounded by the statement timeout, and
        its outcome, whichever it is, is the true answer."""
        self._sweeper = None
        assert self.deadline is not None
        now = asyncio.get_running_loop().time()
        expired = 0
        while expired < len(self._queued_at) and now - self._queued_at[expired] >= self.deadline:
            expired += 1
        for _, future in self._take(expired):
            _settle(future, error=StoreUnavailable(
                f"no turn at the database within {self.deadline} s"))
        if self._queue:
            due = self._queued_at[0] + self.deadline - now
            self._sweeper = asyncio.get_running_loop().call_later(max(due, 0.01), self._sweep)

    async def _drain(self) -> None:
        """Commit groups on one held connection while documents keep coming.

        After a failed group the connection is given back (it may be the cause) and a fresh
        one taken for the next group.
        """
        me = asyncio.current_task()
        try:
            while True:
                async with self.uows.held() as held:
                    while self._queue:
                        group = self._take(min(self.max_group, len(self._queue)))
                        if not await self._commit(held, group):
                            break
                    else:
                        # Leave the set in the same step that sees the queue empty, before the
                        # connection's release awaits, so a document queued right after always
                        # finds room to start a drainer.
                        self._drainers.discard(me)
                        return
        except StoreUnavailable as error:
            self._fail_queued(error)
        except Exception as error:  # never leave a waiter without an answer
            log.exception("group commit stopped")
            self._fail_queued(error)
        finally:
            self._drainers.discard(me)

    def _fail_queued(self, error: BaseException) -> None:
        """No connection to be had: everyone queued hears so now rather than at a timeout."""
        for _, future in self._take(len(self._queue)):
            _settle(future, error=error)

    async def _commit(self, held: UnitsOfWork,
                      group: list[tuple[Item, asyncio.Future[Result]]]) -> bool:
        """The group in one transaction; if that fails, each document in its own. True if
        the group committed whole."""
        try:
            async with held.begin() as uow:
                results = await self.apply(uow, [item for item, _ in group])
                await uow.commit()
        except StoreUnavailable as error:
            for _, future in group:
                _settle(future, error=error)
            return False
        except Exception:
            log.warning("group of %d failed; committing its documents one by one", len(group),
                        exc_info=True)
            if len(group) == 1:
                _settle(group[0][1], error=_current_error())
            else:
                for item, future in group:
                    await self._alone(item, future)
            return False
        for (_, future), result in zip(group, results, strict=True):
            _settle(future, result=result)
        return True

    async def _alone(self, item: Item, future: asyncio.Future[Result]) -> None:
        try:
            async with self.uows.begin() as uow:
                [result] = await self.apply(uow, [item])
                await uow.commit()
        except Exception:
            log.warning("document failed on its own", exc_info=True)
            _settle(future, error=_current_error())
            return
        _settle(future, result=result)


def _current_error() -> BaseException:
    import sys

    return sys.exc_info()[1] or RuntimeError("group commit failed")


def _settle(future: asyncio.Future[Result], *, result: Result | None = None,
            error: BaseException | None = None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]
