"""买方信息 (§四 4.1, C-3): the foreign buyer a claim is against.

The enterprise either picks a buyer from the insurer's list of foreign buyers (中信保提供的
国外买家信息列表: 买方代码 and 买方英文名称) or, finding none, registers a new one (新建买家信息:
X-OUT-8 create). A registration gets the hub's serial at once, so a claim can name the new
buyer immediately; the insurer's 买方代码 follows when its directory lists the buyer under
that serial (the hub asks with the same lookup, by serial), and the registration becomes
已登记. A buyer picked from the list is remembered as 已选用, so the enterprise's own buyers
are one list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from adapter.domain.agreement import Enterprise
from adapter.domain.errors import InvalidStateTransition, InvalidValue, NotFound, PartnerUnavailable

# Printable ASCII: what the insurer's English fields hold (letters, digits, punctuation).
_ENGLISH = re.compile(r"[A-Za-z0-9][ -~]*")
_CODE = re.compile(r"[A-Z0-9][A-Z0-9\-]{2,31}")
MAX_RESULTS = 50


class BuyerStatus(str, Enum):
    """登记状态 of one of the enterprise's buyers."""

    CHOSEN = "已选用"          # picked from the insurer's list; it has its code
    REGISTERING = "登记中"     # registered through the hub; the insurer's code not yet known
    REGISTERED = "已登记"      # registered, and the insurer's code has come back


# --- refusals ---------------------------------------------------------------------------------


class BuyerLookupUnavailable(PartnerUnavailable):
    """The insurer did not answer the lookup in time, or not at all: say so, never hang."""

    code = "E-BUYER-LOOKUP-UNAVAILABLE"
    message_zh = "中国出口信用保险公司买方信息查询暂时无法使用，请稍后重试"


class BuyerQueryRequired(InvalidValue):
    code = "E-BUYER-QUERY-REQUIRED"
    message_zh = "请输入买方代码或买方英文名称进行查询"


class BuyerNotEnglish(InvalidValue):
    """The insurer's buyer fields are English: letters, digits and common punctuation."""

    code = "E-BUYER-NOT-ENGLISH"
    message_zh = "请填写英文（字母、数字及常用标点），不能包含中文或特殊字符"


class BuyerNotFound(NotFound):
    code = "E-BUYER-NOT-FOUND"
    message_zh = "买方信息不存在"


class BuyerNeedsAgreement(InvalidStateTransition):
    code = "E-BUYER-NEEDS-AGREEMENT"
    message_zh = "企业尚未签约成功，不能新建买方信息"


class BuyerCodeFormat(InvalidValue):
    code = "E-BUYER-CODE-FORMAT"
    message_zh = "买方代码格式不正确（3至32位字母、数字或连字符）"


def buyer_code(raw: object) -> str:
    """买方代码 as the insurer writes it: upper-case letters, digits and hyphens."""
    value = raw.strip().upper() if isinstance(raw, str) else ""
    if not _CODE.fullmatch(value):
        raise BuyerCodeFormat(f"{raw!r} is not a buyer code")
    return value


def english_text(raw: object) -> str:
    """An English name or address as the insurer stores it; anything else names the field."""
    if not isinstance(raw, str) or not _ENGLISH.fullmatch(raw.strip()):
        raise BuyerNotEnglish(f"{raw!r} is not printable ASCII starting with a letter or digit")
    return " ".join(raw.split())


# --- documents --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BuyerQuery:
    """X-OUT-8 lookup: by 买方代码, by a fragment of 买方英文名称, or by the hub's registration
    serial (to learn the code of a buyer the enterprise registered). The cache keys on it."""

    uscc: str
    code: str | None = None
    name: str | None = None
    registration_serial: str | None = None
    max_results: int = MAX_RESULTS

    def __post_init__(self) -> None:
        if not (self.code or self.name or self.registration_serial):
            raise BuyerQueryRequired("no code, name or registration serial", path="$query.code")


@dataclass(frozen=True, slots=True)
class DirectoryBuyer:
    """One entry of the insurer's buyer list, as the lookup reply carries it."""

    code: str
    english_name: str
    country: str
    address: str
    registration_serial: str | None = None


@dataclass(frozen=True, slots=True)
class LookupRequest:
    """The X-OUT-8 lookup document's body."""

    query: BuyerQuery
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class LookupReply:
    """The insurer's answer to one lookup: how many matched, and the first of them."""

    ref_message_id: str
    total: int
    buyers: tuple[DirectoryBuyer, ...]


@dataclass(frozen=True, slots=True)
class BuyerRegistration:
    """X-OUT-8 create (新建买家信息): what the enterprise typed, who registered it and when."""

    registration_serial: str
    enterprise: Enterprise
    english_name: str
    country: str
    address: str
    registered_by: str
    registered_at: datetime

    @property
    def uscc(self) -> str:
        return self.enterprise.uscc


# --- the enterprise's buyers ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Buyer:
    """One of the enterprise's buyers: picked (``code`` from the start) or registered (``code``
    once the insurer gives it). ``reference`` is how a claim names it: the insurer's code, or
    until then the hub's registration serial."""

    uscc: str
    english_name: str
    country: str
    address: str
    status: BuyerStatus
    code: str | None
    registration_serial: str | None
    at: datetime

    @property
    def reference(self) -> str:
        reference = self.code or self.registration_serial
        assert reference is not None, "a buyer has a code or a registration serial"
        return reference

    @classmethod
    def chosen(cls, uscc: str, entry: DirectoryBuyer, at: datetime) -> Buyer:
        return cls(uscc, entry.english_name, entry.country, entry.address, BuyerStatus.CHOSEN,
                   entry.code, entry.registration_serial, at)

    @classmethod
    def registering(cls, registration: BuyerRegistration) -> Buyer:
        return cls(registration.uscc, registration.english_name, registration.country,
                   registration.address, BuyerStatus.REGISTERING, None,
                   registration.registration_serial, registration.registered_at)

    def coded(self, code: str) -> Buyer:
        """登记中 → 已登记 with the insurer's code; a buyer with its code keeps it."""
        if self.code is not None:
            return self
        return replace(self, code=code, status=BuyerStatus.REGISTERED)
