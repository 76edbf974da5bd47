"""Who a document is from and for: the hub and the insurer, by their party codes (config)."""

from __future__ import annotations

from dataclasses import dataclass

from adapter.domain.exchange import Envelope
from adapter.domain.messages import MessageKind


@dataclass(frozen=True, slots=True)
class Parties:
    hub: str
    insurer: str

    def envelope(self, kind: MessageKind, business_serial: str) -> Envelope:
        """A new outbound envelope; ``business_serial`` is what the insurer deduplicates on."""
        return Envelope.new(kind.message_type, business_serial=business_serial, sender=self.hub,
                            receiver=self.insurer)
