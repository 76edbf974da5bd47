"""Comparing a presented secret with the configured one: in constant time, as bytes.

``hmac.compare_digest`` refuses ``str`` holding anything but ASCII, so a password typed
as ``é`` would be an error instead of a refusal; compared as UTF-8 bytes, every header
value is just another wrong password. An empty configured secret matches nothing: a
deployment that forgot to set one locks the door instead of opening it.
"""

from __future__ import annotations

import hmac


def same_secret(presented: str, expected: str) -> bool:
    if not expected:
        return False
    return hmac.compare_digest(presented.encode("utf-8", "surrogateescape"),
                               expected.encode("utf-8", "surrogateescape"))
