"""Running the hub for real on loopback, and the documents tests send it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import aiohttp
from aiohttp import web

from adapter.app import DISPATCHER, create_app
from adapter.config import DispatcherSettings, PartnerSettings, RetryPolicy, Settings
from adapter.domain.agreement import (
    AgreementStamp,
    AgreementStatus,
    Enterprise,
    Seal,
    SignedAgreement,
    StampResult,
)
from adapter.domain.exchange import Envelope
from adapter.domain.timeline import TimelineRecord
from adapter.mappings import agreement_stamp
from adapter.outbound.dispatcher import Dispatcher
from adapter.persistence.database import Database
from adapter.persistence.unit_of_work import SqlUnitsOfWork
from adapter.service_layer import agreement
from adapter.service_layer.parties import Parties
from adapter.serving import hub_site

PARTIES = Parties("SWCREDIT", "SINOSURE")

USCC = "91350100M000100Y43"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def org_code_for(n: int) -> str:
    """A distinct organization code with its GB 11714 check character (MOD 11, X for 10)."""
    body = f"{n:08d}"
    remainder = 11 - sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
    return body + {10: "X", 11: "0"}.get(remainder, str(remainder))


def uscc_for(n: int) -> str:
    """A distinct, check-character-correct unified social credit code per ``n`` (GB 32100),
    whose ninth to seventeenth characters are a valid organization code."""
    body = f"91350100{org_code_for(n)}"
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS))
    return body + _USCC_CHARS[(31 - total % 31) % 31]
INSURER_AUTH = {"Authorization": aiohttp.encode_basic_auth("sinosure", "insurer-secret")}
OPERATOR = {"Authorization": "Bearer operator-demo-token"}
FAST_RETRY = RetryPolicy(max_attempts=6, max_total_seconds=20, initial_backoff_seconds=0.05,
                         max_backoff_seconds=0.5, request_timeout_seconds=3)


@dataclass
class RunningHub:
    base_url: str
    settings: Settings
    db: Database
    app: web.Application

    @property
    def dispatcher(self) -> Dispatcher:
        return self.app[DISPATCHER]


def hub_settings(db_url: str, *, insurer_url: str = "http://127.0.0.1:9", channel: str = "rest",
                 soap_version: str = "1.1", dispatcher: bool = True, **overrides: Any) -> Settings:
    partner = PartnerSettings(channel=channel, soap_version=soap_version,  # type: ignore[arg-type]
                              rest_base_url=f"{insurer_url}/api/v1/documents",
                              soap_address=f"{insurer_url}/soap")
    values: dict[str, Any] = {
        "database_url": db_url, "port": 0, "insurer": partner, "retry": FAST_RETRY,
        "dispatcher": DispatcherSettings(enabled=dispatcher, idle_poll_seconds=0.05, lease_seconds=5),
        "log_json": False, **overrides,
    }
    return Settings(**values)


@asynccontextmanager
async def running_hub(db: Database, settings: Settings) -> AsyncIterator[RunningHub]:
    app = create_app(settings, db=db)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = hub_site(runner, settings, host="127.0.0.1", port=0)
    await site.start()
    host, port = runner.addresses[0][:2]
    base_url = f"http://{host}:{port}"
    try:
        yield RunningHub(base_url, settings.model_copy(update={"public_base_url": base_url}), db, app)
    finally:
        await runner.cleanup()


def stamp_envelope(business_serial: str = "AS-0001", **fields: Any) -> Envelope:
    envelope = Envelope.new("AGREEMENT_STAMP", business_serial=business_serial, sender="SINOSURE",
                            receiver="SWCREDIT")
    return envelope if not fields else Envelope(**{**_as_dict(envelope), **fields})


def _as_dict(envelope: Envelope) -> dict[str, Any]:
    return {name: getattr(envelope, name) for name in envelope.__dataclass_fields__}


def stamp_document(agreement_no: str, *, uscc: str = USCC, result: str = "STAMPED",
                   reason: str | None = None, envelope: Envelope | None = None) -> bytes:
    stamp = AgreementStamp(agreement_no, uscc, StampResult(result), datetime.now(UTC),
                           insurer_seal_serial="SINOSURE-SEAL-1" if result == "STAMPED" else None,
                           refusal_reason=reason)
    return agreement_stamp.to_xml(stamp, envelope or stamp_envelope(f"AS-{agreement_no}"))


def signed_agreement(agreement_no: str, *, uscc: str = USCC) -> SignedAgreement:
    return SignedAgreement(
        agreement_no=agreement_no, agreement_version="1.0",
        enterprise=Enterprise("厦门示范贸易有限公司", uscc, uscc[8:16] + "-" + uscc[16]),
        signer_name="陈法人", signed_at=datetime.now(UTC),
        seal=Seal("SEAL-0001", "公司", date(2030, 12, 31), b"demo-certificate"),
    )


async def sign(db: Database, agreement_no: str, *, uscc: str = USCC) -> Envelope:
    """An agreement in 保险公司签约中 with its X-OUT-1 in the outbox."""
    [envelope] = await sign_many(db, [(agreement_no, uscc)])
    return envelope


async def sign_many(db: Database, agreements: list[tuple[str, str]]) -> list[Envelope]:
    """Agreements (number, USCC) signed the way the hub signs them, in one unit of work."""
    async with SqlUnitsOfWork(db).begin() as uow:
        envelopes = [await agreement.sign(uow, signed_agreement(number, uscc=uscc), PARTIES)
                     for number, uscc in agreements]
        await uow.commit()
    return envelopes


async def put_in_state(db: Database, agreement_no: str, status: AgreementStatus,
                       at: datetime) -> None:
    """Test set-up: an agreement placed in a state, as if its earlier receipts had come."""
    async with SqlUnitsOfWork(db).begin() as uow:
        found = await uow.agreements.for_update(agreement_no)
        assert found is not None, agreement_no
        found.status, found.updated_at = status, at
        await uow.agreements.save(found)
        await uow.commit()


async def status_of(db: Database, agreement_no: str) -> str | None:
    async with SqlUnitsOfWork(db).reading() as uow:
        found = await uow.agreements.get(agreement_no)
    return found.status.value if found else None


async def timeline_of(db: Database, agreement_no: str, object_type: str = "agreement"
                   ) -> list[TimelineRecord]:
    async with SqlUnitsOfWork(db).reading() as uow:
        return await uow.timeline.for_object(object_type, agreement_no)


async def post_rest(session: aiohttp.ClientSession, hub: RunningHub, document: bytes,
                    slug: str = "agreement-stamp") -> tuple[int, bytes]:
    async with session.post(f"{hub.base_url}/insurer/v1/documents/{slug}", data=document,
                            headers={**INSURER_AUTH, "Content-Type": "application/xml"}) as response:
        return response.status, await response.read()


async def eventually(check: Any, *, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll an async check until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        await asyncio.sleep(interval)


def portal_token(settings: Settings, *, uscc: str = USCC, name: str = "厦门示范进出口贸易有限公司",
                 card: str = "legal_person", user: str = "陈法人", hours: int | None = None) -> dict[str, str]:
    """What the Single Window's login would hand the portal for this enterprise and card."""
    from adapter.domain.identity import CardType
    from adapter.portal.identity import issue

    token = issue(settings.identity, enterprise_name=name, uscc=uscc, org_code=uscc[8:16] + "-" + uscc[16],
                  user_id=f"U-{uscc[-6:]}-{card}", user_name=user, card_type=CardType(card), hours=hours)
    return {"Authorization": f"Bearer {token}"}
