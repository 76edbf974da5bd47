"""A partner's circuit: whether the hub believes the partner can be reached right now.

A partner that refuses connections is not refusing our documents; retrying each message
into a closed port spends its attempts and turns a maintenance window into dead letters.
So connection failures are counted per partner, not per message: after a run of them the
circuit opens, messages wait, and one probe at a time asks whether the partner is back.

    closed ──N consecutive connection failures──▶ open
    open ──probe interval passed, one send allowed──▶ half_open
    half_open ──the partner answered (anything)──▶ closed
    half_open ──connection failed again──▶ open

An answer of any kind (even a 500 or a SOAP fault) shows the partner is reachable: those
failures belong to the message's retry budget, not to the circuit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from adapter.domain.errors import DeliveryConnection, DeliveryFailed


class CircuitState(str, Enum):
    CLOSED = "closed"
    HALF_OPEN = "half_open"
    OPEN = "open"


@dataclass(frozen=True, slots=True)
class CircuitRecord:
    """The circuit as every dispatcher sharing the database sees it."""

    partner: str
    state: CircuitState
    failures: int
    changed_at: datetime
    probe_after: datetime | None = None
    opened_at: datetime | None = None
    last_error_code: str | None = None


@dataclass(frozen=True, slots=True)
class ProbeTurn:
    """What a dispatcher may do while its circuit is open: ``probe`` (this send is the one
    probe of the interval), ``closed`` (another dispatcher's probe got through), or wait
    until ``wait_until``."""

    probe: bool = False
    closed: bool = False
    wait_until: datetime | None = None


def is_unreachable(failure: DeliveryFailed) -> bool:
    """The partner could not be reached at all (refused, reset, timed out): the circuit's
    business. Everything else is an answer, judged per message."""
    return isinstance(failure, DeliveryConnection)
