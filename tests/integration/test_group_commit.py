"""Documents that arrive together commit together, and one bad one cannot fail the others."""

from __future__ import annotations

import asyncio

from adapter.persistence.unit_of_work import SqlUnitsOfWork
from adapter.service_layer.group_commit import GroupCommit


async def test_concurrent_items_share_transactions_and_a_failing_one_fails_alone(db) -> None:
    groups: list[list[int]] = []

    async def apply(uow, items: list[int]) -> list[int]:
        groups.append(list(items))
        await uow.outbox.counts()  # the transaction really touches the database
        if 13 in items:
            raise RuntimeError("item 13 is broken")
        return [item * 2 for item in items]

    grouped = GroupCommit(SqlUnitsOfWork(db), apply, max_group=8, max_parallel=2)
    outcomes = await asyncio.gather(*(grouped.submit(i) for i in range(40)), return_exceptions=True)

    assert [o for i, o in enumerate(outcomes) if i != 13] == [i * 2 for i in range(40) if i != 13]
    assert isinstance(outcomes[13], RuntimeError)
    assert any(len(group) > 1 for group in groups), "concurrent items were never grouped"
    assert [13] in groups, "the failing group was not retried item by item"


async def test_groups_run_one_at_a_time_on_sqlite_and_side_by_side_on_postgres(db) -> None:
    running = 0
    most = 0

    async def apply(uow, items: list[int]) -> list[int]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        return items

    grouped = GroupCommit(SqlUnitsOfWork(db), apply, max_group=5, max_parallel=4)
    await asyncio.gather(*(grouped.submit(i) for i in range(20)))
    assert most == (1 if db.is_sqlite else 4)


async def test_one_group_commits_at_a_time_while_it_keeps_up_and_the_next_takes_what_waited(db) -> None:
    running = 0
    most = 0
    groups: list[list[int]] = []
    committing = asyncio.Event()

    async def apply(uow, items: list[int]) -> list[int]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        groups.append(list(items))
        committing.set()
        await asyncio.sleep(0.01)
        running -= 1
        return items

    grouped = GroupCommit(SqlUnitsOfWork(db), apply, max_group=16, max_parallel=4)
    first = asyncio.ensure_future(grouped.submit(0))
    await committing.wait()  # the first document's commit is under way
    rest = await asyncio.gather(*(grouped.submit(i) for i in range(1, 13)))
    assert [await first, *rest] == list(range(13))
    assert most == 1, "a second drainer started though less than a full group was waiting"
    assert groups == [[0], list(range(1, 13))]
