"""The retry policy (X-1): explicit stop on attempts and total time, exponential backoff with
jitter, and only failures that another try can fix are retried.

The budget is spent only by failures the partner answered (5xx, 429, a SOAP Server fault,
an unreadable reply). A partner that cannot be reached at all is the circuit breaker's
business: those attempts, and the time spent waiting for the circuit, cost the message
nothing, so a maintenance window does not turn into dead letters. Each claim of a
message starts a fresh budget, and so does an operator's replay of a dead letter.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_random_exponential

from adapter.config import RetryPolicy
from adapter.domain.circuit import is_unreachable
from adapter.domain.errors import DeliveryFailed


def is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, DeliveryFailed) and exc.retryable


class Budget:
    """One claim's attempts and time, counting only what the partner answered."""

    def __init__(self, policy: RetryPolicy, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self.clock = clock
        self.spent = 0
        self._started: float | None = None
        self._paused = 0.0

    def charge(self, failure: DeliveryFailed) -> None:
        if is_unreachable(failure):
            return
        self.spent += 1
        if self._started is None:
            self._started = self.clock()

    def pause(self, seconds: float) -> None:
        """Time the message waited for the partner's circuit: not spent retrying."""
        self._paused += seconds

    def exhausted(self, _state: RetryCallState | None = None) -> bool:
        """Tenacity's stop: out of attempts, or out of time since the first answered failure."""
        if self.spent >= self.policy.max_attempts:
            return True
        if self._started is None:
            return False
        return self.clock() - self._started - self._paused >= self.policy.max_total_seconds


def retrying(policy: RetryPolicy, budget: Budget, *,
             sleep: Callable[[float], Awaitable[None]]) -> AsyncRetrying:
    """A tenacity controller for one claim of one message; ``sleep`` waits out a backoff
    (and the circuit, when it is open)."""
    return AsyncRetrying(
        stop=budget.exhausted,
        wait=wait_random_exponential(multiplier=policy.initial_backoff_seconds,
                                     max=policy.max_backoff_seconds),
        retry=retry_if_exception(is_retryable),
        sleep=sleep,
        reraise=True,
    )
