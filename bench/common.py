"""Shared bits of the benchmarks: the benchmark database, child processes, the load driver, tables.

Benchmarks never touch the test database: PostgreSQL runs use their own database
(``hub_bench``, created and migrated here, emptied before every run); SQLite runs use a
fresh file in a temporary directory.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import os
import pstats
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

BENCH_DB = "hub_bench"
PG_ADMIN_DSN = os.environ.get("HUB_BENCH_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


def postgres_dsn(database: str) -> str:
    """asyncpg's DSN of ``database`` on the admin DSN's server."""
    return PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{database}"


def postgres_url(database: str) -> str:
    """The hub's (SQLAlchemy's) URL of the same database."""
    return postgres_dsn(database).replace("postgresql://", "postgresql+asyncpg://", 1)


PG_BENCH_DSN = postgres_dsn(BENCH_DB)
PG_BENCH_URL = postgres_url(BENCH_DB)


# --- the benchmark database ------------------------------------------------------------


async def prepare_database(kind: str) -> str:
    """A migrated, empty hub database of ``kind`` (sqlite|postgres); returns its SQLAlchemy URL."""
    from adapter.persistence.migrate import upgrade

    if kind == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="hub_bench_"))
        _scratch.append(directory)
        url = f"sqlite+aiosqlite:///{directory / 'hub.sqlite'}"
        await asyncio.to_thread(upgrade, url)
        return url
    await prepare_postgres(BENCH_DB)
    return PG_BENCH_URL


async def prepare_postgres(database: str) -> None:
    """PostgreSQL database ``database``: created if missing (through the admin DSN), migrated
    by the hub's migrations, every table emptied, statistics fresh."""
    import asyncpg

    from adapter.persistence.migrate import upgrade
    from adapter.persistence.tables import metadata

    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    await asyncio.to_thread(upgrade, postgres_url(database))
    conn = await asyncpg.connect(postgres_dsn(database))
    try:
        tables = ", ".join(table.name for table in metadata.sorted_tables)
        await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY")
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


_enterprises = itertools.count(1)


async def sign_agreements(url: str, numbers: Sequence[str], *, batch: int = 250) -> tuple[float, dict[str, str]]:
    """Sign every agreement the way the hub does (``service_layer.agreement.sign``: 保险公司签约中,
    its X-OUT-1 in the outbox, the timeline), ``batch`` per transaction. Each agreement gets
    an enterprise of its own (one live agreement per enterprise). Returns the seconds taken
    and each agreement's USCC."""
    from adapter.persistence.database import Database
    from tests.harness import sign_many, uscc_for

    usccs = {number: uscc_for(next(_enterprises)) for number in numbers}
    db = Database(url)
    started = time.perf_counter()
    try:
        for start in range(0, len(numbers), batch):
            await sign_many(db, [(number, usccs[number]) for number in numbers[start:start + batch]])
    finally:
        await db.dispose()
    return time.perf_counter() - started, usccs


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def sqlite_path(url: str) -> str:
    return url.split(":///", 1)[1]


# --- child processes -------------------------------------------------------------------


_children: list[subprocess.Popen[str]] = []
_scratch: list[Path] = []
"""Temporary files and directories removed at exit (set BENCH_KEEP=1 to keep them)."""


@atexit.register
def _clean_up() -> None:
    """Never leave a server behind, even when a benchmark fails half way; remove scratch files."""
    for process in _children:
        if process.poll() is None:
            process.kill()
            process.wait()
    if os.environ.get("BENCH_KEEP"):
        return
    for path in _scratch:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Child:
    """A server in its own process; its stderr goes to a file, shown if it fails."""

    name: str
    process: subprocess.Popen[str]
    log_path: Path
    ready_line: str

    def stop(self, timeout: float = 20.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def start_child(name: str, args: Sequence[str], ready_prefix: str, *, timeout: float = 30.0,
                env: dict[str, str] | None = None) -> Child:
    """Start ``args`` and wait until it prints a line starting with ``ready_prefix``."""
    log_path = Path(tempfile.mkstemp(prefix=f"bench_{name}_", suffix=".log")[1])
    log_file = log_path.open("w")
    process = subprocess.Popen(list(args), cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=log_file,
                               text=True, env={**os.environ, **(env or {})})
    log_file.close()
    _children.append(process)
    _scratch.append(log_path)
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith(ready_prefix):
            return Child(name, process, log_path, line.strip())
    process.kill()
    process.wait()
    raise RuntimeError(f"{name} did not start:\n{log_path.read_text(errors='replace')[-3000:]}")


# --- measuring ---------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int | str) -> float:
    """User + system CPU seconds of one process (and its threads), from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _postgres_cpu() -> dict[str, float]:
    """CPU seconds of every PostgreSQL server process (backends included), by pid."""
    found: dict[str, float] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() not in ("postgres", "postmaster"):
                        continue
            except OSError:
                continue
            found[entry] = _proc_cpu(entry)
    return found


def _machine_busy() -> tuple[float, float]:
    """CPU seconds the whole machine spent in processes, and in interrupts (loopback
    networking lands there, attributed to no process), from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + steal) / CLOCK_TICKS, (irq + softirq) / CLOCK_TICKS


class CpuMeter:
    """CPU used over one run by: ``server`` (the child process under test), ``bench`` (this
    process: the load client, or the dispatcher) and ``pg`` (all PostgreSQL processes)."""

    def __init__(self, server_pid: int | None = None, *, postgres: bool = True) -> None:
        self.server_pid = server_pid
        self.postgres = postgres

    def sample(self) -> dict[str, object]:
        processes, interrupts = _machine_busy()
        sample: dict[str, object] = {"bench": time.process_time(), "machine": processes,
                                     "irq": interrupts}
        if self.postgres:
            sample["pg"] = _postgres_cpu()
        if self.server_pid:
            sample["server"] = _proc_cpu(self.server_pid)
        return sample

    @staticmethod
    def used(before: dict[str, object], after: dict[str, object]) -> dict[str, float]:
        """CPU seconds per component between two samples. A PostgreSQL backend that ended in
        between is missed (its pid is gone), so ``pg`` is a lower bound when connections churn."""
        used: dict[str, float] = {}
        for name, value in after.items():
            if isinstance(value, dict):
                earlier = before.get(name) or {}
                assert isinstance(earlier, dict)
                used[name] = sum(cpu - earlier.get(pid, 0.0) for pid, cpu in value.items())
            else:
                used[name] = float(value) - float(before[name])  # type: ignore[arg-type]
        return used


@dataclass
class Result:
    label: str
    count: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    note: str = ""
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds per component over the run (see :class:`CpuMeter`)."""

    def cpu_note(self) -> str:
        if not self.cpu:
            return ""
        parts = []
        order = ["server", "mock", "bench", "pg"]
        for name in sorted(self.cpu, key=lambda key: order.index(key) if key in order else len(order)):
            if name in ("machine", "irq"):
                continue
            used = self.cpu[name]
            parts.append(f"{name} {used / self.count * 1000:.2f} ms ({used / self.seconds:.0%})")
        text = "cpu " + ", ".join(parts)
        if "machine" in self.cpu:
            others = self.others_share
            text += (f", kernel irq {self.cpu['irq'] / self.seconds:.0%}; other processes {others:.0%}"
                     + (" (NOISY: run again)" if others > 0.25 else ""))
        return text

    @property
    def others_share(self) -> float:
        """Share of one core that processes outside the measurement used during the run."""
        if "machine" not in self.cpu or not self.seconds:
            return 0.0
        known = sum(used for name, used in self.cpu.items() if name not in ("machine", "irq"))
        return max(0.0, self.cpu["machine"] - known) / self.seconds

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else float("nan")

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 99) * 1000


async def drive(label: str, url: str, bodies: Sequence[bytes], *, concurrency: int,
                headers: dict[str, str], expect: bytes | None = None,
                meter: CpuMeter | None = None, status_expected: int = 200) -> Result:
    """POST every body once with ``concurrency`` requests in flight; time each one."""
    import aiohttp

    latencies: list[float] = []
    errors: list[str] = []
    next_index = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal next_index
        while next_index < len(bodies):
            body = bodies[next_index]
            next_index += 1
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                answer = await response.read()
                status = response.status
            latencies.append(time.perf_counter() - started)
            if status != status_expected or (expect is not None and expect not in answer):
                errors.append(f"HTTP {status}: {answer[:300]!r}")

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        before = meter.sample() if meter else {}
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
        after = meter.sample() if meter else {}
    if errors:
        print(f"  ! {label}: {len(errors)} unexpected answers, first: {errors[0]}", file=sys.stderr)
    cpu = CpuMeter.used(before, after) if meter else {}
    return Result(label, len(bodies), seconds, latencies, len(errors), cpu=cpu)


# --- output ----------------------------------------------------------------------------


def print_table(title: str, results: Sequence[Result], *,
                ratio_to: Callable[[Result], Result | None] | None = None) -> None:
    """The figures, one row per run; then what each run cost, one line per run."""
    print(f"\n{title}")
    width = max(len(result.label) for result in results)
    header = (f"  {'run':<{width}} {'n':>6} {'msg/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'err':>4} "
              f"{'vs ceiling':>10}")
    print(header)
    print("  " + "-" * (len(header) - 2))
    for result in results:
        ceiling = ratio_to(result) if ratio_to else None
        ratio = f"{result.rate / ceiling.rate:.2f}x" if ceiling and ceiling is not result else ""
        print(f"  {result.label:<{width}} {result.count:>6} {result.rate:>7.0f} {result.p50_ms:>7.1f} "
              f"{result.p99_ms:>7.1f} {result.errors:>4} {ratio:>10}")
    print("  per message:")
    for result in results:
        details = "; ".join(text for text in (result.note, result.cpu_note()) if text)
        print(f"  {result.label:<{width}} {details}")


def _bucket(filename: str, function: str) -> str:
    """Which library (or part of the hub) a profiled function belongs to."""
    if filename == "~":  # built-ins: name them by what they are
        if "socket" in function or "select" in function or "epoll" in function:
            return "socket/epoll syscalls"
        if "greenlet" in function:
            return "greenlet (SQLAlchemy async bridge)"
        if "lxml" in function:
            return "lxml (C)"
        return "builtins"
    path = filename.replace("\\", "/")
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1].split("/", 1)[0].split(".")[0]
    if "/work/" in path and "/adapter/" in path:
        return "adapter/" + path.split("/adapter/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/lib/python3" in path:
        return "stdlib " + path.rsplit("/lib/python3", 1)[1].split("/", 2)[1].removesuffix(".py")
    return path.rsplit("/", 1)[-1]


def print_profile_buckets(path: str | Path, *, per: int = 1, top: int = 18) -> None:
    """Own time (tottime) summed per library, per message: where the CPU goes."""
    stats = pstats.Stats(str(path))
    buckets: dict[str, float] = {}
    total = 0.0
    for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        name = _bucket(filename, function)
        buckets[name] = buckets.get(name, 0.0) + tottime
        total += tottime
    print(f"\nprofile: own time (tottime) by library, {total:.2f}s total, per message (n={per})")
    for name, seconds in sorted(buckets.items(), key=lambda item: -item[1])[:top]:
        print(f"  {name:<40} {seconds / per * 1000:7.3f} ms  {seconds / total:6.1%}")


def print_profile(path: str | Path, *, top: int = 25, sort: str = "tottime") -> None:
    """The heaviest functions of a cProfile dump, one line each."""
    stats = pstats.Stats(str(path))
    stats.sort_stats(sort)
    print(f"\nprofile ({sort}, top {top}) from {path}")
    stats.print_stats(top)


def verdict(name: str, value: float, target: float, *, higher_is_better: bool = True) -> str:
    ok = value >= target if higher_is_better else value <= target
    return f"  {name:<48} {value:>6.2f}  target {'≥' if higher_is_better else '≤'} {target:<5} {'OK' if ok else 'MISSED'}"
