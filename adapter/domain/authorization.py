"""Enterprise data authorization (§二 2.2, A-5): once per enterprise, for the insurer's use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from adapter.domain.agreement import Enterprise


class DataType(str, Enum):
    CUSTOMS_DECLARATION = "CUSTOMS_DECLARATION"
    BILL_OF_LADING = "BILL_OF_LADING"
    CERTIFICATE_OF_ORIGIN = "CERTIFICATE_OF_ORIGIN"

    @property
    def label(self) -> str:
        return {"CUSTOMS_DECLARATION": "报关单", "BILL_OF_LADING": "提运单",
                "CERTIFICATE_OF_ORIGIN": "原产地证书"}[self.value]


@dataclass(frozen=True, slots=True)
class DataAuthorization:
    """X-OUT-3: what the enterprise authorized, by whom and when."""

    authorization_no: str
    enterprise: Enterprise
    authorized_by: str
    authorized_at: datetime
    data_types: tuple[DataType, ...] = tuple(DataType)
