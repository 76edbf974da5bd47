"""调查问卷 / 留言板 (§七, Q-1): what an enterprise writes to the insurer through the portal.

The manual names one field (所属地区, chosen 省/市 —— 市 —— 区 in three drop-downs) and says
every field marked * is required, without listing them; the hub requires what a message
needs to be answered at all: the company, its region, who to call back and the message
itself. The e-mail address is optional. A message is written once and never changed: the
enterprise lists its own, operators read all of them (no document goes to the insurer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from adapter.domain.errors import NotFound
from adapter.domain.inquiry import Division

# The fields a submission must fill (the screen's * marks), in the screen's order.
REQUIRED = ("company_name", "province", "city", "district", "contact_name", "contact_mobile",
            "content")


class BoardMessageNotFound(NotFound):
    code = "E-MESSAGE-NOT-FOUND"
    message_zh = "留言不存在"


@dataclass(frozen=True, slots=True)
class Area:
    """所属地区: province, city and district (city or district absent only where GB/T 2260
    has none under the step above)."""

    province: Division
    city: Division | None
    district: Division | None

    @property
    def reads(self) -> str:
        """The region as a person writes it: 福建省 厦门市 思明区."""
        return " ".join(d.name for d in (self.province, self.city, self.district) if d is not None)


@dataclass(frozen=True, slots=True)
class BoardMessage:
    """One message as submitted, with who submitted it and when (UTC)."""

    message_no: str
    uscc: str
    company_name: str
    area: Area
    contact_name: str
    contact_mobile: str
    contact_email: str | None
    content: str
    submitted_by: str
    card_type: str
    submitted_at: datetime
