"""Inbound document type → the use case it triggers. One line per inbound message type.

A handler validates before it writes: when it raises a :class:`DocumentRejected`, it has
changed nothing, so the receiver can keep the stored bytes and answer REJECTED.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.exchange import Envelope
from adapter.errors import DocumentRejected
from adapter.inbound import agreement_stamp, termination_result
from adapter.mappings import agreement_stamp as agreement_stamp_xml
from adapter.mappings import termination_result as termination_result_xml

Handler = Callable[[AsyncConnection, Any, Envelope], Awaitable[None]]
# Applies a group of documents of one type at once; one outcome (a refusal or None) each.
GroupHandler = Callable[[AsyncConnection, list[tuple[Any, Envelope]]],
                        Awaitable[list[DocumentRejected | None]]]

HANDLERS: dict[str, Handler] = {
    agreement_stamp_xml.MESSAGE_TYPE: agreement_stamp.handle,
    termination_result_xml.MESSAGE_TYPE: termination_result.handle,
}

GROUP_HANDLERS: dict[str, GroupHandler] = {
    agreement_stamp_xml.MESSAGE_TYPE: agreement_stamp.handle_group,
    termination_result_xml.MESSAGE_TYPE: termination_result.handle_group,
}
