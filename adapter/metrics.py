"""The hub's Prometheus metrics, on a registry of the app's own (no process-wide global).

Two kinds live here. Events are counted where they happen: documents received (by
message type, channel and outcome), the time to acknowledge them, sends by outcome, dead
letters made. Levels are read when Prometheus scrapes, from what indexes bound: the
outbox backlog and the age of its oldest message, dead letters, each partner's circuit,
the database pool, overdue conversations, and the planner's estimate of the history.

Names follow Prometheus conventions: a ``hub_`` prefix, base units (``_seconds``),
``_total`` on counters, no unit-less ratio without saying so.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from aiohttp.typedefs import Middleware
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from adapter.domain.circuit import CircuitRecord, CircuitState
from adapter.domain.records import OutboxLevels

CONTENT_TYPE = CONTENT_TYPE_LATEST
INBOUND_PREFIX, SOAP_PATH = "/insurer/", "/insurer/soap"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# From a loopback answer (a few ms) to a partner's patience (tens of seconds).
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass(frozen=True, slots=True)
class PoolUse:
    """Database connections of this process: checked out, idle in the pool, the pool's size."""

    in_use: int
    idle: int
    size: int


@dataclass(frozen=True, slots=True)
class Levels:
    """What a scrape reads, once, before the registry is rendered."""

    outbox: OutboxLevels
    circuits: list[CircuitRecord]
    overdue: dict[str, int]
    inbox_estimate: int
    pool: PoolUse
    now: datetime


class HubMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.documents_received = Counter(
            "hub_documents_received", "Inbound documents answered, by outcome of the answer",
            ["message_type", "channel", "outcome"], registry=registry)
        self.ack_seconds = Histogram(
            "hub_ack_latency_seconds", "From the request's arrival to its acknowledgement",
            ["channel"], buckets=ACK_BUCKETS, registry=registry)
        self.sends = Counter(
            "hub_outbox_sends", "Send attempts to a partner, by outcome: delivered, unreachable "
            "(no connection), retryable (answered, will retry), final (refused)",
            ["partner", "outcome"], registry=registry)
        self.dead_letters_made = Counter(
            "hub_outbox_dead_letters_created", "Messages that became dead letters, by error code",
            ["partner", "error_code"], registry=registry)
        self._levels(registry)

    def _levels(self, registry: CollectorRegistry) -> None:
        self.backlog = Gauge("hub_outbox_backlog_messages",
                             "Messages still to send, by status (counted up to the cap)",
                             ["status"], registry=registry)
        self.oldest_age = Gauge("hub_outbox_oldest_pending_age_seconds",
                                "How long the oldest message still to send has been due",
                                registry=registry)
        self.dead_letters = Gauge("hub_outbox_dead_letters",
                                  "Dead letters waiting for an operator (counted up to the cap)",
                                  registry=registry)
        self.history = Gauge("hub_table_rows_estimate", "Rows per table, the planner's estimate",
                             ["table"], registry=registry)
        self.circuit = Gauge("hub_partner_circuit_state",
                             "Each partner's circuit breaker: 1 for the state it is in",
                             ["partner", "state"], registry=registry)
        self.circuit_failures = Gauge("hub_partner_circuit_failures",
                                      "Consecutive connection failures the circuit counted",
                                      ["partner"], registry=registry)
        self.pool = Gauge("hub_database_pool_connections",
                          "This process's database connections: in_use, idle, size",
                          ["state"], registry=registry)
        self.overdue = Gauge("hub_overdue_conversations",
                             "Conversations waiting past their deadline, by rule",
                             ["kind"], registry=registry)

    def record_document(self, *, message_type: str | None, channel: str, outcome: str) -> None:
        """One inbound document answered (``outcome``: the acknowledgement's status, in lower
        case, or ``unavailable``): for the receiver to call, where the outcome is known."""
        self.documents_received.labels(message_type or "unknown", channel, outcome).inc()

    def ack_middleware(self) -> Middleware:
        """Times every partner request from arrival to answer, by channel."""
        @web.middleware
        async def timed(request: web.Request, handler: Handler) -> web.StreamResponse:
            if not request.path.startswith(INBOUND_PREFIX) or request.method != "POST":
                return await handler(request)
            started = time.perf_counter()
            try:
                return await handler(request)
            finally:
                channel = "soap" if request.path.startswith(SOAP_PATH) else "rest"
                self.ack_seconds.labels(channel).observe(time.perf_counter() - started)
        return timed

    def render(self, levels: Levels, overdue_kinds: Iterable[str]) -> bytes:
        self._set(levels, overdue_kinds)
        return generate_latest(self.registry)

    def _set(self, levels: Levels, overdue_kinds: Iterable[str]) -> None:
        outbox = levels.outbox
        self.backlog.labels("pending").set(outbox.pending)
        self.backlog.labels("sending").set(outbox.sending)
        self.dead_letters.set(outbox.dead)
        age = (levels.now - outbox.oldest_due).total_seconds() if outbox.oldest_due else 0.0
        self.oldest_age.set(max(0.0, age))
        self.history.labels("outbox").set(outbox.sent_estimate + outbox.pending
                                          + outbox.sending + outbox.dead)
        self.history.labels("inbound_messages").set(levels.inbox_estimate)
        for circuit in levels.circuits:
            for state in CircuitState:
                self.circuit.labels(circuit.partner, state.value).set(state is circuit.state)
            self.circuit_failures.labels(circuit.partner).set(circuit.failures)
        self.pool.labels("in_use").set(levels.pool.in_use)
        self.pool.labels("idle").set(levels.pool.idle)
        self.pool.labels("size").set(levels.pool.size)
        for kind in overdue_kinds:
            self.overdue.labels(kind).set(levels.overdue.get(kind, 0))
