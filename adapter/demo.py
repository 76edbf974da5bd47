"""Demo data for the embedded default: one enterprise whose agreement awaits the insurer's stamp."""

from __future__ import annotations

from datetime import date

from adapter.config import Settings
from adapter.domain.agreement import Enterprise, Seal, SignedAgreement
from adapter.domain.exchange import utcnow
from adapter.persistence.database import Database
from adapter.persistence.unit_of_work import SqlUnitsOfWork
from adapter.service_layer import agreement
from adapter.service_layer.parties import Parties

DEMO_USCC = "91350100M000100Y43"
DEMO_AGREEMENT = "SA-DEMO-0001"
DEMO_ENTERPRISE = Enterprise("厦门示范进出口贸易有限公司", DEMO_USCC, "M000100Y-4")
# A second enterprise with no agreement yet: the one to walk through the signing day by hand.
SECOND_USCC = "91350200MA2Y0Q1X9G"
SECOND_ENTERPRISE = Enterprise("厦门鹭江外贸有限公司", SECOND_USCC, "MA2Y0Q1X-9")
DEMO_ENTERPRISE_NAMES = {e.uscc: e.name for e in (DEMO_ENTERPRISE, SECOND_ENTERPRISE)}


async def seed(db: Database, settings: Settings) -> list[str]:
    """Sign the demo agreement once; its X-OUT-1 then leaves through the outbox like any other."""
    async with SqlUnitsOfWork(db).begin() as uow:
        if await uow.agreements.get(DEMO_AGREEMENT) is not None:
            return []
        signed = SignedAgreement(
            agreement_no=DEMO_AGREEMENT, agreement_version="1.0", enterprise=DEMO_ENTERPRISE,
            signer_name="陈示范", signed_at=utcnow(),
            # The demo seal port's own company seal, so the PDF can be signed again later.
            seal=Seal(f"{DEMO_ENTERPRISE.uscc}-01", "公司", date(utcnow().year + 3, 12, 31)),
        )
        await agreement.sign(uow, signed, Parties(settings.hub_party_code, settings.insurer.code))
        await uow.commit()
    return [DEMO_AGREEMENT]
