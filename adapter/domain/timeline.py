"""The per-object timeline (X-3): every message, attempt and state change, in order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from adapter.domain.exchange import Envelope

# What a timeline entry's detail may hold: it is stored as JSON.
Detail = Mapping[str, str | int | float | bool | None]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing that happened to one object. ``at`` None means: when it is written."""

    object_type: str
    object_id: str
    event: str
    outcome: str | None = None
    message_type: str | None = None
    message_id: str | None = None
    correlation_id: str | None = None
    detail: Detail = field(default_factory=dict)
    at: datetime | None = None

    @classmethod
    def about(cls, envelope: Envelope, object_type: str, object_id: str, event: str, *,
              outcome: str | None = None, detail: Detail | None = None,
              at: datetime | None = None) -> TimelineEntry:
        """An entry caused by a document: it carries the document's identifiers."""
        return cls(object_type, object_id, event, outcome=outcome,
                   message_type=envelope.message_type, message_id=envelope.message_id,
                   correlation_id=envelope.correlation_id, detail=detail or {}, at=at)


@dataclass(frozen=True, slots=True)
class TimelineRecord:
    """A stored entry, as operators and process views read it."""

    id: int
    object_type: str
    object_id: str
    at: datetime
    event: str
    outcome: str | None
    message_type: str | None
    message_id: str | None
    correlation_id: str | None
    detail: Detail
