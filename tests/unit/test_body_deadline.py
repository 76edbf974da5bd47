"""A body's deadline: the timeout for every body, plus an upload's transfer time at the
slowest rate the hub waits for, counted only up to a bound so a large declared length buys
no longer hold."""

from __future__ import annotations

import pytest

from adapter.config import HttpSettings
from adapter.serving import UPLOAD_BYTES_COUNTED, body_deadline

HTTP = HttpSettings(body_timeout_seconds=30, upload_min_bytes_per_second=32 * 1024)


@pytest.mark.parametrize("content_type", ["application/json", "application/xml",
                                          "application/soap+xml", "text/plain"])
def test_a_document_or_a_form_of_fields_has_the_body_timeout_whatever_its_length(
        content_type: str) -> None:
    assert body_deadline(HTTP, content_type, 4 * 1024 * 1024) == 30


def test_an_upload_gets_the_time_its_declared_length_takes_at_the_slowest_rate() -> None:
    assert body_deadline(HTTP, "multipart/form-data", 4 * 1024 * 1024) == 30 + 128


def test_an_upload_without_a_declared_length_has_the_body_timeout() -> None:
    assert body_deadline(HTTP, "multipart/form-data", None) == 30


def test_a_huge_declared_length_buys_no_more_than_the_counted_bound() -> None:
    most = 30 + UPLOAD_BYTES_COUNTED / (32 * 1024)
    assert body_deadline(HTTP, "multipart/form-data", 10 ** 12) == most == 30 + 256
