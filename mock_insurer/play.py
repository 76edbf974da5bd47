"""The insurer's own side of the workflows, played when it knows the hub's URL.

Stamps a signed agreement (when configured), offers the small/micro policy once an
agreement it stamped is 签约成功, and decides each application after a delay: returned
(退回) when the contact e-mail matches the return rule, otherwise effective (生效) with a
real e-policy PDF; answers each inquiry (询保反馈); reviews each claim (索赔审核回执): a first
submission whose 减损措施 matches the return rule comes back 退回, any other 审核通过. Every push
goes through the same client as the push CLI.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from mock_insurer.documents import (
    CLAIM_RETURN_REASON,
    agreement_stamp,
    application_receipt,
    claim_review,
    inquiry_reply,
    pending_policy,
)
from mock_insurer.push import PushResult, push
from mock_insurer.settings import Settings
from mock_insurer.store import ReceivedDocument

log = logging.getLogger(__name__)
RETURN_REASON = "主要联系人邮箱无法送达，请核实后重新投保"


def _field(document: etree._Element, path: str) -> str:
    found = document.find(path)
    return (found.text or "") if found is not None else ""


class InsurerSide:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pushed: list[PushResult] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def point_at(self, hub_url: str, channel: str = "rest") -> None:
        """Play against a hub that started after this insurer (tests, the demo)."""
        self.settings = replace(self.settings, hub_url=hub_url, hub_channel=channel)

    @property
    def active(self) -> bool:
        return self.settings.hub_url is not None

    def received(self, record: ReceivedDocument) -> None:
        """A document taken in for the first time: answer it, later, if this side plays."""
        if not self.active:
            return
        document = etree.fromstring(record.document)
        if record.message_type == "SIGNED_AGREEMENT" and self.settings.stamp_on_signature:
            self._later(self.stamp(document))
        elif record.message_type == "INSURANCE_APPLICATION" and self.settings.decide_applications:
            self._later(self.decide(document))
        elif record.message_type == "INSURANCE_INQUIRY" and self.settings.reply_inquiries:
            self._later(self.answer(document))
        elif record.message_type == "CLAIM_APPLICATION" and self.settings.review_claims:
            self._later(self.review(document))

    async def stamp(self, signed: etree._Element) -> None:
        agreement_no = _field(signed, "{*}Body/{*}AgreementNo")
        uscc = _field(signed, "{*}Body/{*}Enterprise/{*}Uscc")
        result = await self._push(agreement_stamp(agreement_no, uscc))
        if result.ack_status == "ACCEPTED" and self.settings.offer_on_stamp:
            await self.offer(f"PP-{agreement_no}"[:64], uscc, _field(signed, "{*}Body/{*}Enterprise/{*}Name"),
                             _field(signed, "{*}Body/{*}Enterprise/{*}OrgCode") or None)

    async def offer(self, offer_no: str, uscc: str, name: str,
                    org_code: str | None = None) -> PushResult:
        return await self._push(pending_policy(offer_no, uscc, name, org_code=org_code))

    async def decide(self, application: etree._Element) -> None:
        body = "{*}Body/"
        email = _field(application, body + "{*}Contact/{*}Email")
        returned = re.search(self.settings.return_email_pattern, email) is not None
        document = application_receipt(
            _field(application, body + "{*}OfferNo"), _field(application, body + "{*}ApplicationNo"),
            _field(application, body + "{*}Enterprise/{*}Uscc"),
            enterprise_name=_field(application, body + "{*}Enterprise/{*}Name"),
            result="RETURNED" if returned else "EFFECTIVE",
            return_reason=RETURN_REASON if returned else None,
            decided_at=datetime.now(UTC))
        await self._push(document)

    async def answer(self, inquiry: etree._Element) -> None:
        """询保反馈 to the serial number and enterprise the inquiry names."""
        await self._push(inquiry_reply(_field(inquiry, "{*}Body/{*}SerialNo"),
                                       _field(inquiry, "{*}Body/{*}Uscc"),
                                       replied_at=datetime.now(UTC)))

    async def review(self, claim: etree._Element) -> None:
        """索赔审核回执 to the submission (its business serial) the claim came under."""
        body = "{*}Body/"
        mitigation = _field(claim, body + "{*}Explanation/{*}Mitigation")
        first = _field(claim, body + "{*}Submission") == "1"
        returned = first and re.search(self.settings.claim_return_pattern, mitigation) is not None
        await self._push(claim_review(
            _field(claim, body + "{*}ClaimNo"), _field(claim, "{*}Envelope/{*}BusinessSerial"),
            _field(claim, body + "{*}Enterprise/{*}Uscc"),
            result="RETURNED" if returned else "APPROVED",
            return_reason=CLAIM_RETURN_REASON if returned else None, decided_at=datetime.now(UTC)))

    async def _push(self, document: bytes) -> PushResult:
        assert self.settings.hub_url is not None
        result = await push(self.settings.hub_url, document, channel=self.settings.hub_channel)
        self.pushed.append(result)
        if not result.delivered:
            log.warning("the hub refused a push: %s %s", result.ack_status, result.error_codes)
        return result

    def _later(self, work: Coroutine[Any, Any, None]) -> None:
        async def run() -> None:
            await asyncio.sleep(self.settings.decision_delay_seconds)
            try:
                await work
            except Exception:  # the insurer's side keeps running; the log says what failed
                log.exception("pushing to the hub failed")

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
