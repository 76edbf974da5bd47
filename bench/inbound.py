"""Inbound benchmark: agreement stamps POSTed over REST to the hub, against a bare ceiling.

    .venv/bin/python bench/inbound.py [--db sqlite|postgres] [--n N] [--concurrency C] [--rounds R]
                                      [--profile]

R × N agreements are signed first (保险公司签约中, each with its X-OUT-1 in the outbox), so every
stamp has a real effect (→ 签约成功). The hub runs in its own process (bench/serve.py hub,
dispatcher off); this process is the client. Measured, each after a small warm-up:

  hub new        N distinct stamps, first delivery: receive → validate → inbox → state → ack
  hub duplicate  the same N documents again: answered DUPLICATE, no business effect
  hub rejected   N stamps for agreements that do not exist: stored, answered 422 REJECTED
                 (E-AGREEMENT-UNKNOWN), the cost a partner resending a bad document puts on us
  ceiling        bench/serve.py ceiling, same process layout, same documents and concurrency:
                 lxml parse + XMLSchema validate + one INSERT of the raw bytes + small ack

The three take turns R times (default 5), each round with its own N agreements; the
targets are judged on the median round. ``--profile`` runs the hub under cProfile (figures
then are slower than real) and prints where its time goes; the ceiling is skipped and one
round is run.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import tempfile
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    REPO_ROOT,
    CpuMeter,
    Result,
    drive,
    load_average,
    prepare_database,
    print_profile,
    print_profile_buckets,
    print_table,
    sign_agreements,
    start_child,
    verdict,
)

SERVE = str(REPO_ROOT / "bench" / "serve.py")
PATH = "/insurer/v1/documents/agreement-stamp"


async def check_effects(url: str, measured: int, warmup: int) -> str:
    """What the database says happened: stamped agreements, inbox rows, counted repeats."""
    from sqlalchemy import func, select

    from adapter.domain.agreement import AgreementStatus
    from adapter.persistence.database import Database
    from adapter.persistence.tables import agreements, inbound_messages

    db = Database(url)
    try:
        async with db.reading() as conn:
            stamped = (await conn.execute(select(func.count()).select_from(agreements)
                                          .where(agreements.c.status == AgreementStatus.SIGNED.value))).scalar()
            rows, repeats = (await conn.execute(select(func.count(), func.sum(inbound_messages.c.duplicates))
                                                .where(inbound_messages.c.status == "processed"))).one()
    finally:
        await db.dispose()
    expected = measured + warmup
    ok = stamped == expected and rows == expected and repeats == expected
    return (f"  check: {stamped} agreements 签约成功, {rows} inbox rows, {repeats} duplicates counted "
            f"(expected {expected} each) {'OK' if ok else 'MISMATCH'}")


async def run(args: argparse.Namespace) -> None:
    from tests.harness import INSURER_AUTH, stamp_document

    rounds = 1 if args.profile else args.rounds
    url = await prepare_database(args.db)
    warm = [f"AG-WARM-{i:05d}" for i in range(args.warmup)]
    numbers = [[f"AG-BENCH-{r}-{i:06d}" for i in range(args.n)] for r in range(rounds)]
    signing, usccs = await sign_agreements(url, warm + [number for batch in numbers for number in batch])
    warm_docs = [stamp_document(number, uscc=usccs[number]) for number in warm]
    docs = [[stamp_document(number, uscc=usccs[number]) for number in batch] for batch in numbers]
    unknown = [[stamp_document(f"AG-NONE-{r}-{i:06d}", uscc=usccs[warm[0]]) for i in range(args.n)]
               for r in range(rounds)]
    size = sum(map(len, docs[0])) / len(docs[0])
    print(f"inbound REST, {args.db}: n={args.n} concurrency={args.concurrency} warm-up={args.warmup} "
          f"rounds={rounds}, document ~{size:.0f} B; {len(warm) + rounds * args.n} agreements signed in "
          f"{signing:.1f}s; load {load_average()}")
    headers = {**INSURER_AUTH, "Content-Type": "application/xml"}
    c = args.concurrency
    postgres = args.db == "postgres"

    profile_path = tempfile.mkstemp(prefix="bench_hub_", suffix=".prof")[1] if args.profile else None
    hub_args = [sys.executable, SERVE, "hub", "--db", url, "--log-level", args.log_level]
    if profile_path:
        hub_args += ["--profile", profile_path]
    hub = start_child("hub", hub_args, "READY")
    base = hub.ready_line.split()[1]
    target = base + PATH
    meter = CpuMeter(hub.process.pid, postgres=postgres)
    ceiling_child = None if profile_path else start_child(
        "ceiling", [sys.executable, SERVE, "ceiling", "--db", url], "READY")

    async def pool_counts() -> dict[str, int]:
        async with aiohttp.ClientSession() as session, session.get(f"{base}/_bench/pool") as answer:
            return await answer.json()  # type: ignore[no-any-return]

    async def measured(label: str, documents: list[bytes], expect: bytes,
                       status: int = 200) -> Result:
        before = await pool_counts()
        result = await drive(label, target, documents, concurrency=c, headers=headers, expect=expect,
                             meter=meter, status_expected=status)
        after = await pool_counts()
        per = {name: (after[name] - before[name]) / len(documents) for name in after}
        trips = per["statement"] + per["begin"] + per["commit"] + per["rollback"]
        unit = "calls to aiosqlite's thread" if args.db == "sqlite" else "round trips"
        result.note = (f"db {trips:.1f} {unit} ({per['statement']:.1f} statements + "
                       f"BEGIN/COMMIT), {per['connect']:.3f} new connections")
        return result

    async def ceiling_run(documents: list[bytes]) -> Result | None:
        if ceiling_child is None:
            return None
        store = "aiosqlite INSERT+commit" if args.db == "sqlite" else "asyncpg INSERT"
        result = await drive(f"ceiling (parse+XSD+{store})", ceiling_child.ready_line.split()[1] + PATH,
                             documents, concurrency=c, headers=headers, expect=b"ACCEPTED",
                             meter=CpuMeter(ceiling_child.process.pid, postgres=postgres))
        result.note = "db 1 INSERT + COMMIT under one lock" if args.db == "sqlite" else \
            "db 1 round trip (autocommit INSERT)"
        return result

    async def next_profile_segment() -> None:
        if profile_path:
            hub.process.send_signal(signal.SIGUSR1)
            await asyncio.sleep(0.3)

    measured_rounds: list[tuple[Result, Result, Result | None, Result]] = []
    try:
        await drive("warm-up", target, warm_docs, concurrency=c, headers=headers, expect=b"ACCEPTED")
        await drive("warm-up", target, warm_docs, concurrency=c, headers=headers, expect=b"DUPLICATE")
        if ceiling_child:
            await drive("warm-up", ceiling_child.ready_line.split()[1] + PATH, warm_docs, concurrency=c,
                        headers=headers, expect=b"ACCEPTED")
        await next_profile_segment()  # segment 0: start-up and warm-up, not shown
        # Hub and ceiling take turns, round after round: a machine that drifts during the run
        # shifts both sides of a round's ratio alike.
        for batch, refused in zip(docs, unknown, strict=True):
            new = await measured("hub new (stamp -> signed)", batch, b"ACCEPTED")
            await next_profile_segment()  # segment 1: the new documents
            dup = await measured("hub duplicate (same documents)", batch, b"DUPLICATE")
            await next_profile_segment()  # segment 2: the duplicates
            bad = await measured("hub rejected (unknown agreement)", refused, b"E-AGREEMENT-UNKNOWN",
                                 status=422)
            measured_rounds.append((new, dup, await ceiling_run(batch), bad))
    finally:
        hub.stop()
        if ceiling_child:
            ceiling_child.stop()
    if hub.process.returncode not in (0, None):
        print(f"hub exited with {hub.process.returncode}:\n{hub.log_tail()}", file=sys.stderr)
    check = await check_effects(url, rounds * args.n, args.warmup)

    for index, (new, dup, ceiling, bad) in enumerate(measured_rounds, start=1):
        title = f"inbound, {args.db}, round {index} of {rounds}" + (
            " — PROFILED, slower than real" if profile_path else "")
        results = [new, dup, bad] + ([ceiling] if ceiling else [])
        print_table(title, results, ratio_to=lambda _r, ceiling=ceiling: ceiling)  # type: ignore[misc]
        cpu = {r.label: r.cpu.get("server", 0.0) / r.count * 1000 for r in results}
        line = "  server CPU per message: " + ", ".join(
            f"{label.split(' (')[0]} {ms:.2f} ms" for label, ms in cpu.items())
        print(line)
    print(check)
    print_verdicts(measured_rounds)
    if profile_path:
        for segment, label in ((1, "new documents"), (2, "duplicates"), (3, "rejected")):
            dump = f"{profile_path}.{segment}"
            print(f"\n=== hub profile: {label} ===")
            print_profile_buckets(dump, per=args.n)
            print_profile(dump, top=args.top, sort="tottime")


def print_verdicts(measured_rounds: list[tuple[Result, Result, Result | None, Result]]) -> None:
    """The targets, judged on the median round; every round's ratio shown beside it."""
    def judged(name: str, ratios: list[float], target: float) -> None:
        shown = ", ".join(f"{ratio:.2f}" for ratio in ratios)
        print(verdict(f"{name} (median of {len(ratios)})", statistics.median(ratios), target)
              + f"   rounds: {shown}")

    if all(ceiling for _, _, ceiling, _ in measured_rounds):
        judged("hub new / ceiling", [new.rate / ceiling.rate
                                     for new, _, ceiling, _ in measured_rounds if ceiling], 0.6)
        judged("hub rejected / ceiling", [bad.rate / ceiling.rate
                                          for _, _, ceiling, bad in measured_rounds if ceiling], 0.5)
    judged("hub duplicate / hub new", [dup.rate / new.rate for new, dup, _, _ in measured_rounds], 1.0)


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    cli.add_argument("--n", type=int, default=2000)
    cli.add_argument("--concurrency", type=int, default=16)
    cli.add_argument("--warmup", type=int, default=100)
    cli.add_argument("--rounds", type=int, default=5,
                     help="hub new, hub duplicate and ceiling in turn, this many times")
    cli.add_argument("--log-level", default="INFO", help="the hub's log level (sw-hub serve: INFO)")
    cli.add_argument("--profile", action="store_true", help="run the hub under cProfile, print the top")
    cli.add_argument("--top", type=int, default=30)
    asyncio.run(run(cli.parse_args()))


if __name__ == "__main__":
    main()
