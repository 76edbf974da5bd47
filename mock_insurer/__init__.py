"""A stand-in for the export credit insurer (Sinosure), run as a real HTTP server.

It plays the insurer's side of the contracts in ``contracts/`` and ``xsd/`` and nothing
more: the hub's tests talk to it over real sockets, and it can be told to misbehave
(refuse connections, answer slowly, drop responses ...) to exercise the hub's retries.
It deliberately shares no code with ``adapter/``: it is a separate party.
"""

from mock_insurer.faults import FaultMode
from mock_insurer.runtime import MockInsurer, running_mock_insurer
from mock_insurer.settings import Settings
from mock_insurer.store import Attempt, ReceivedDocument, Store

__all__ = [
    "Attempt",
    "FaultMode",
    "MockInsurer",
    "ReceivedDocument",
    "Settings",
    "Store",
    "running_mock_insurer",
]
