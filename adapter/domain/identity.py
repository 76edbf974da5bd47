"""Who is asking (G-3): an enterprise, a user, and the kind of E-Port card they logged in with."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class CardType(str, Enum):
    LEGAL_PERSON = "legal_person"   # 电子口岸法人卡
    OPERATOR = "operator"           # 电子口岸操作员卡


@dataclass(frozen=True, slots=True)
class Identity:
    enterprise_name: str
    uscc: str
    org_code: str
    user_id: str
    user_name: str
    card_type: CardType
