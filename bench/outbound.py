"""Outbound benchmark: the outbox Dispatcher draining signed agreements to the mock insurer.

    .venv/bin/python bench/outbound.py [--db sqlite|postgres] [--n N] [--concurrency C] [--rounds R]
                                       [--rest-only] [--profile rest|soap]

The mock insurer runs in its own process (``python -m mock_insurer serve``); the Dispatcher
runs in this one, with ``dispatcher.concurrency = C``. For each gateway (REST, then SOAP 1.1
through zeep): N agreements are signed (each queues its X-OUT-1 in the outbox), then
``Dispatcher.drain()`` is timed until the outbox is empty and every send is marked; the
mock's admin port must then report N distinct business serials. Latency is the per-send
time the dispatcher records (timeline event ``message_sent``, detail ``seconds``).

Each gateway has its own ceiling, same run, same mock, same concurrency, no database:
build each X-OUT-1 with bare lxml (distinct BusinessSerial), and for REST POST it with
aiohttp to {mock}/api/v1/documents/signed-agreement; for SOAP put the same document into a
SOAP 1.1 envelope built with lxml and POST that to {mock}/soap with its SOAPAction. Both
send Basic hub/hub-secret and parse the acknowledgement.

Each round runs the REST dispatcher, its ceiling, the SOAP dispatcher, its ceiling, R times
(default 5); each target is judged on the median round. ``--profile rest|soap`` runs that
drain under cProfile (slower than real, one round) and prints where the dispatcher's time
goes.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from lxml import etree

from bench.common import (
    CpuMeter,
    Result,
    free_port,
    load_average,
    prepare_database,
    print_profile,
    print_profile_buckets,
    print_table,
    sign_agreements,
    start_child,
    verdict,
)

if TYPE_CHECKING:
    from adapter.config import Settings

NS = "urn:swcredit:signed-agreement:1"
COMMON_NS = "urn:swcredit:common:1"
SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
HUB_AUTH = aiohttp.encode_basic_auth("hub", "hub-secret")
SUBMIT_SIGNED_AGREEMENT = '"urn:swcredit:insurer:SubmitSignedAgreement"'
TARGET = 0.5


# --- the mock insurer, from outside --------------------------------------------------------


class Mock:
    def __init__(self, base_url: str, admin_url: str) -> None:
        self.base_url = base_url
        self.admin_url = admin_url

    async def reset(self) -> None:
        async with aiohttp.ClientSession() as session, \
                session.post(f"{self.admin_url}/admin/reset") as answer:
            answer.raise_for_status()

    async def received(self) -> dict[str, int]:
        async with aiohttp.ClientSession() as session, \
                session.get(f"{self.admin_url}/admin/received") as answer:
            summary = await answer.json()
        return {key: summary[key] for key in ("business_count", "duplicate_count", "rejected_count",
                                              "attempt_count")}


# --- the hub's dispatcher ------------------------------------------------------------------


def hub_settings(url: str, mock: Mock, channel: str, concurrency: int) -> Settings:
    from adapter.config import DispatcherSettings, PartnerSettings, Settings

    partner = PartnerSettings(channel="soap" if channel == "soap" else "rest",
                              rest_base_url=f"{mock.base_url}/api/v1/documents",
                              soap_address=f"{mock.base_url}/soap")
    return Settings(database_url=url, insurer=partner, log_json=True,
                    dispatcher=DispatcherSettings(concurrency=concurrency))


async def send_seconds(url: str, prefix: str) -> list[float]:
    """The per-send seconds the dispatcher wrote on each ``message_sent`` of these agreements."""
    from sqlalchemy import select

    from adapter.persistence.database import Database
    from adapter.persistence.tables import timeline

    db = Database(url)
    try:
        async with db.reading() as conn:
            rows = await conn.execute(select(timeline.c.detail).where(
                timeline.c.event == "message_sent", timeline.c.object_id.like(f"{prefix}%")))
            return [float(json.loads(detail)["seconds"]) for (detail,) in rows]
    finally:
        await db.dispose()


async def run_dispatcher(url: str, mock: Mock, channel: str, args: argparse.Namespace,
                         mock_pid: int, profile_path: str | None, round_no: int) -> Result:
    from adapter.outbound.dispatcher import Dispatcher
    from adapter.outbound.gateways import build_gateway
    from adapter.persistence.database import Database
    from adapter.persistence.unit_of_work import SqlUnitsOfWork

    tag = f"{channel.upper()}{round_no}"
    settings = hub_settings(url, mock, channel, args.concurrency)
    db = Database(url)
    gateway = build_gateway(settings)
    try:
        dispatcher = Dispatcher(SqlUnitsOfWork(db), gateway, settings, database=db.dialect)
        await sign_agreements(url, [f"AG-W{tag}-{i:05d}" for i in range(args.warmup)])
        await dispatcher.drain(timeout=60)  # warm-up: connections, zeep, statement caches
        await mock.reset()
        prefix = f"AG-{tag}-"
        await sign_agreements(url, [f"{prefix}{i:06d}" for i in range(args.n)])
        meter = CpuMeter(mock_pid, postgres=not url.startswith("sqlite"))
        profiler = cProfile.Profile() if profile_path else None
        before = meter.sample()
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        await dispatcher.drain(timeout=300)
        seconds = time.perf_counter() - started
        if profiler and profile_path:
            profiler.disable()
            profiler.dump_stats(profile_path)
        cpu = CpuMeter.used(before, meter.sample())
    finally:
        await gateway.close()
        await db.dispose()
    received = await mock.received()
    latencies = await send_seconds(url, prefix)
    errors = args.n - received["business_count"] + received["rejected_count"]
    label = f"hub Dispatcher, {'REST (aiohttp)' if channel == 'rest' else 'SOAP 1.1 (zeep)'}"
    result = Result(label, args.n, seconds, latencies, errors, cpu=cpu)
    result.note = (f"mock received {received['business_count']} ({received['duplicate_count']} "
                   f"duplicates)")
    return result


# --- the ceilings ---------------------------------------------------------------------------


def signed_agreement(agreement_no: str, business_serial: str, uscc: str) -> etree._Element:
    """X-OUT-1 with bare lxml: the same elements and values the hub's mapping writes."""
    root = etree.Element(f"{{{NS}}}SignedAgreement", nsmap={None: NS, "c": COMMON_NS})
    envelope = etree.SubElement(root, f"{{{NS}}}Envelope")
    message_id = uuid.uuid4().hex
    now = datetime.now(UTC).isoformat()
    for tag, value in (("MessageId", message_id), ("MessageType", "SIGNED_AGREEMENT"),
                       ("SchemaVersion", "1.0"), ("CorrelationId", message_id),
                       ("BusinessSerial", business_serial), ("Sender", "SWCREDIT"),
                       ("Receiver", "SINOSURE"), ("SentAt", now)):
        etree.SubElement(envelope, f"{{{COMMON_NS}}}{tag}").text = value
    body = etree.SubElement(root, f"{{{NS}}}Body")
    etree.SubElement(body, f"{{{NS}}}AgreementNo").text = agreement_no
    etree.SubElement(body, f"{{{NS}}}AgreementVersion").text = "1.0"
    enterprise = etree.SubElement(body, f"{{{NS}}}Enterprise")
    for tag, value in (("Name", "厦门示范贸易有限公司"), ("Uscc", uscc),
                       ("OrgCode", uscc[8:16] + "-" + uscc[16])):
        etree.SubElement(enterprise, f"{{{COMMON_NS}}}{tag}").text = value
    etree.SubElement(body, f"{{{NS}}}SignerName").text = "陈法人"
    etree.SubElement(body, f"{{{NS}}}SignedAt").text = now
    seal = etree.SubElement(body, f"{{{NS}}}Seal")
    for tag, value in (("SealId", "SEAL-0001"), ("SealType", "公司"),
                       ("ValidUntil", date(2030, 12, 31).isoformat()),
                       ("Certificate", base64.b64encode(b"demo-certificate").decode("ascii"))):
        etree.SubElement(seal, f"{{{NS}}}{tag}").text = value
    return root


def rest_request(document: etree._Element) -> bytes:
    return bytes(etree.tostring(document, xml_declaration=True, encoding="UTF-8"))


def soap_request(document: etree._Element) -> bytes:
    """The same document inside a SOAP 1.1 envelope, built and written by lxml."""
    envelope = etree.Element(f"{{{SOAP11_NS}}}Envelope", nsmap={"soap-env": SOAP11_NS})
    etree.SubElement(envelope, f"{{{SOAP11_NS}}}Body").append(document)
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


def rest_ack(body: bytes) -> etree._Element:
    return etree.fromstring(body)


def soap_ack(body: bytes) -> etree._Element | None:
    return etree.fromstring(body).find(f"{{{SOAP11_NS}}}Body/{{*}}Acknowledgement")


CEILINGS = {
    "rest": ("/api/v1/documents/signed-agreement", {"Content-Type": "application/xml; charset=utf-8"},
             rest_request, rest_ack, "REST ceiling (lxml build + aiohttp POST)"),
    "soap": ("/soap", {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": SUBMIT_SIGNED_AGREEMENT},
             soap_request, soap_ack, "SOAP ceiling (lxml envelope + aiohttp POST)"),
}


async def run_ceiling(mock: Mock, channel: str, n: int, concurrency: int, mock_pid: int,
                      tag: str) -> Result:
    from tests.harness import uscc_for

    path, content_headers, request, read_ack, label = CEILINGS[channel]
    url = f"{mock.base_url}{path}"
    headers = {**content_headers, "Authorization": HUB_AUTH}
    latencies: list[float] = []
    failures: list[str] = []
    next_index = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal next_index
        while next_index < n:
            index = next_index
            next_index += 1
            document = request(signed_agreement(f"AG-C{tag}-{index:06d}", f"SA-C{tag}-{index:06d}",
                                                uscc_for(900_000 + index)))
            sent = time.perf_counter()
            async with session.post(url, data=document, headers=headers) as answer:
                body = await answer.read()
                status = answer.status
            ack = read_ack(body)
            latencies.append(time.perf_counter() - sent)
            if status != 200 or ack is None or ack.findtext("{*}Status") not in ("ACCEPTED", "DUPLICATE"):
                failures.append(f"HTTP {status} {body[:200]!r}")

    meter = CpuMeter(mock_pid, postgres=False)  # no database on this path
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        before = meter.sample()
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
        cpu = CpuMeter.used(before, meter.sample())
    if failures:
        print(f"  ! {label}: {len(failures)} failures, first: {failures[0]}", file=sys.stderr)
    return Result(label, n, seconds, latencies, len(failures), cpu=cpu)


async def ceiling_run(mock: Mock, channel: str, args: argparse.Namespace, mock_pid: int,
                      round_no: int) -> Result:
    tag = f"{channel[0].upper()}{round_no}"
    await run_ceiling(mock, channel, args.warmup, args.concurrency, mock_pid, f"W{tag}")
    await mock.reset()
    result = await run_ceiling(mock, channel, args.n, args.concurrency, mock_pid, f"M{tag}")
    received = await mock.received()
    result.errors += args.n - received["business_count"]
    result.note = (f"mock received {received['business_count']} ({received['duplicate_count']} "
                   f"duplicates)")
    return result


# --- main -----------------------------------------------------------------------------------


Round = dict[str, tuple[Result, Result]]
"""One round: for each channel, the dispatcher's run and its own ceiling's."""


async def measure_round(url: str, mock: Mock, channels: list[str], args: argparse.Namespace,
                        mock_pid: int, profile_path: str | None, round_no: int) -> Round:
    """Each dispatcher run is followed at once by its ceiling, so a machine that drifts
    during the run shifts both sides of a ratio alike."""
    measured: Round = {}
    for channel in channels:
        hub = await run_dispatcher(url, mock, channel, args, mock_pid,
                                   profile_path if args.profile == channel else None, round_no)
        await mock.reset()
        measured[channel] = (hub, await ceiling_run(mock, channel, args, mock_pid, round_no))
        await mock.reset()
    return measured


def print_round(title: str, measured: Round) -> None:
    results = [result for pair in measured.values() for result in pair]
    for result in results:  # "server" is the mock here; "bench" is this process
        if "server" in result.cpu:
            result.cpu["mock"] = result.cpu.pop("server")
    ceilings = {id(hub): ceiling for hub, ceiling in measured.values()}
    print_table(title, results, ratio_to=lambda result: ceilings.get(id(result)))
    cpu = ", ".join(f"{r.label.split(' (')[0]} {r.cpu['bench'] / r.count * 1000:.2f} ms"
                    for r in results)
    print(f"  this process's CPU per message (dispatcher, or the ceiling's client): {cpu}")


def print_verdicts(rounds: list[Round]) -> None:
    for channel in rounds[0]:
        ratios = [measured[channel][0].rate / measured[channel][1].rate for measured in rounds]
        print(verdict(f"hub {channel.upper()} / {channel.upper()} ceiling (median of {len(ratios)})",
                      statistics.median(ratios), TARGET)
              + "   rounds: " + ", ".join(f"{ratio:.2f}" for ratio in ratios))


async def run(args: argparse.Namespace) -> None:
    url = await prepare_database(args.db)
    port, admin_port = free_port(), free_port()
    child = start_child("mock", [sys.executable, "-m", "mock_insurer", "serve", "--port", str(port),
                                 "--admin-port", str(admin_port)], "mock insurer: admin")
    mock = Mock(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{admin_port}")
    rounds = 1 if args.profile else args.rounds
    print(f"outbound, {args.db}: n={args.n} concurrency={args.concurrency} warm-up={args.warmup} "
          f"rounds={rounds}; mock insurer pid {child.process.pid} (separate process); "
          f"load {load_average()}")
    profile_path = tempfile.mkstemp(prefix="bench_dispatch_", suffix=".prof")[1] if args.profile else None
    if args.profile == "soap" and args.rest_only:
        raise SystemExit("--profile soap needs the SOAP run: drop --rest-only")
    channels = ["rest"] if args.rest_only else ["rest", "soap"]
    measured_rounds: list[Round] = []
    try:
        for round_no in range(1, rounds + 1):
            measured_rounds.append(await measure_round(url, mock, channels, args, child.process.pid,
                                                       profile_path, round_no))
    finally:
        child.stop()
    for index, measured in enumerate(measured_rounds, start=1):
        print_round(f"outbound, {args.db} (latency: per send), round {index} of {rounds}", measured)
    print_verdicts(measured_rounds)
    if profile_path:
        print(f"\n=== dispatcher profile ({args.profile.upper()} drain, this process; n={args.n}) ===")
        print_profile_buckets(profile_path, per=args.n)
        print_profile(profile_path, top=args.top, sort="tottime")


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    cli.add_argument("--n", type=int, default=2000)
    cli.add_argument("--concurrency", type=int, default=32,
                     help="dispatcher.concurrency, and the ceiling's requests in flight")
    cli.add_argument("--warmup", type=int, default=100)
    cli.add_argument("--rest-only", action="store_true", help="skip the SOAP run and its ceiling")
    cli.add_argument("--rounds", type=int, default=5,
                     help="the dispatcher runs and their ceilings in turn, this many times")
    cli.add_argument("--profile", choices=["rest", "soap"], help="profile that drain, print the top")
    cli.add_argument("--top", type=int, default=30)
    asyncio.run(run(cli.parse_args()))


if __name__ == "__main__":
    main()
