"""What the portal's routes are built with: where units of work come from, the ports, the
parties' codes, and how to wake the dispatcher after a commit that queued a message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from adapter.ports.customs import CustomsData
from adapter.ports.seals import SealRegistry
from adapter.service_layer.buyers import BuyerDirectory
from adapter.service_layer.parties import Parties
from adapter.service_layer.unit_of_work import UnitsOfWork


@dataclass(frozen=True, slots=True)
class Portal:
    uows: UnitsOfWork
    parties: Parties
    seals: SealRegistry
    customs: CustomsData
    wake: Callable[[], None]
    # The insurer's buyer list (C-3), built by the app; None where nothing can be asked.
    buyers: BuyerDirectory | None = None
