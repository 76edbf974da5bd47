"""Keyset cursors for the portal's lists: (moment, key) of the last row, opaque to clients.

A cursor comes back from the client, so it is input like any other: it must decode, its
moment must be a real one in UTC (``0001-01-01T00:00:00+01:00`` is not), and its key
must be text a database can hold (no NUL, no control characters). Anything else is
``E-CURSOR-INVALID``, never a 500.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from adapter.domain.errors import TextControlCharacter
from adapter.domain.text import clean_text
from adapter.portal.errors import CursorInvalid


def encode_cursor(at: datetime | None, key: str) -> str:
    raw = f"{at.isoformat() if at else ''}|{key}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    try:
        moment, key = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        at = datetime.fromisoformat(moment)
        at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
        if clean_text(key) != key or not key:
            raise ValueError("key not in canonical form")
    except (binascii.Error, ValueError, UnicodeDecodeError, OverflowError, TextControlCharacter):
        raise CursorInvalid("cursor does not decode", path="$query.cursor") from None
    return at, key
