"""The insurance PDFs (I-3, I-7): the application form and the policy, drawn from what the
hub holds and kept until the state they show changes; the e-policy exactly as the insurer
sent it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

from adapter.domain.errors import NotFound
from adapter.domain.identity import Identity
from adapter.domain.insurance import InsuranceApplication
from adapter.ports.seals import SealRegistry, SigningMaterial
from adapter.rendering.insurance_pdf import (
    ApplicationSheet,
    PolicySheet,
    render_application_signed,
    render_policy,
)
from adapter.service_layer.insurance import application_of
from adapter.service_layer.unit_of_work import UnitsOfWork

APPLICATION, POLICY, E_POLICY = "application", "policy", "e_policy"


class PolicyNotIssued(NotFound):
    code = "E-POLICY-NOT-ISSUED"
    message_zh = "保单尚未生效，暂无保险单"


def _shown(application: InsuranceApplication) -> str:
    return f"{application.status.value}/{application.receipt_status.value if application.receipt_status else ''}"


async def application_pdf(uows: UnitsOfWork, seals: SealRegistry, identity: Identity,
                          offer_no: str) -> bytes:
    """投保单 (申请): before submission the form as it stands, after it what was submitted."""
    application = await application_of(uows, identity, offer_no)
    return await _kept(uows, application, APPLICATION, lambda: render_application_signed(
        _application_sheet(application, identity), _company_seal(seals, identity.uscc)))


async def policy_pdf(uows: UnitsOfWork, identity: Identity, offer_no: str) -> bytes:
    application = await application_of(uows, identity, offer_no)
    if application.policy_no is None:
        raise PolicyNotIssued(f"offer {offer_no} has no policy")
    return await _kept(uows, application, POLICY, lambda: render_policy(_policy_sheet(application)))


async def e_policy_pdf(uows: UnitsOfWork, identity: Identity, offer_no: str) -> bytes:
    await application_of(uows, identity, offer_no)  # another enterprise's offer is not found
    async with uows.reading() as uow:
        pdf, _shown_state = await uow.applications.document(offer_no, E_POLICY)
    if pdf is None:
        raise PolicyNotIssued(f"offer {offer_no} has no e-policy")
    return pdf


async def _kept(uows: UnitsOfWork, application: InsuranceApplication, kind: str,
                draw: Callable[[], bytes]) -> bytes:
    async with uows.reading() as uow:
        pdf, shown = await uow.applications.document(application.offer_no, kind)
    if pdf is not None and shown == _shown(application):
        return pdf
    pdf = await asyncio.to_thread(draw)
    async with uows.begin() as uow:
        await uow.applications.store_document(application.offer_no, kind, pdf, _shown(application))
        await uow.commit()
    return pdf


def _company_seal(seals: SealRegistry, uscc: str) -> SigningMaterial | None:
    """The enterprise's first usable company seal (as signing the agreement needs)."""
    today = date.today()
    usable = next((s for s in seals.seals_of(uscc) if s.refusal(today) is None), None)
    return seals.material(uscc, usable.seal_id) if usable else None


def _application_sheet(application: InsuranceApplication, identity: Identity) -> ApplicationSheet:
    offer, submission = application.offer, application.submission
    return ApplicationSheet(
        offer.offer_no, application.application_no, offer.insurer.name, offer.insurer.code,
        offer.enterprise.name, offer.uscc, offer.enterprise.org_code or identity.org_code,
        offer.product_name, offer.coverage_start, offer.coverage_end,
        submission.contact.name if submission else "", submission.contact.mobile if submission else "",
        submission.contact.email if submission else "", application.status.value,
        submission.submitted_at if submission else None,
        submission.submitted_by if submission else None)


def _policy_sheet(application: InsuranceApplication) -> PolicySheet:
    offer = application.offer
    return PolicySheet(
        application.policy_no or "", application.application_no or "", offer.insurer.name,
        offer.enterprise.name, offer.uscc, offer.product_name, application.policy_start,
        application.policy_end, application.policy_issued_at,
        application.receipt_status.value if application.receipt_status else "",
        application.acknowledged_at)
