"""The retry policy (X-1): explicit stop on attempts and total time, exponential backoff with
jitter, and only failures that another try can fix are retried."""

from __future__ import annotations

from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from adapter.config import RetryPolicy
from adapter.domain.errors import DeliveryFailed


def is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, DeliveryFailed) and exc.retryable


def retrying(policy: RetryPolicy, *, attempts_already_made: int = 0) -> AsyncRetrying:
    """A fresh tenacity controller for one message; earlier claims' attempts count too."""
    remaining = max(1, policy.max_attempts - attempts_already_made)
    return AsyncRetrying(
        stop=stop_after_attempt(remaining) | stop_after_delay(policy.max_total_seconds),
        wait=wait_random_exponential(multiplier=policy.initial_backoff_seconds,
                                     max=policy.max_backoff_seconds),
        retry=retry_if_exception(is_retryable),
        reraise=True,
    )
