"""The contract of a claim's files between hub and insurer (C-10, C-8): the claim document
(X-OUT-7) names each file's SHA-256, size and URL; the insurer GETs each URL with its
partner credential and must receive exactly those bytes.

Both parties' real code meets here: the hub's submit renders the claim document into the
outbox and serves ``GET /insurer/v1/attachments/{sha256}``; the mock insurer's fetcher
(``mock_insurer.claim_files``, which shares no code with the hub) reads the document, fetches
and verifies. The last test runs the whole path through the dispatcher: the mock receives
the claim and reports every digest verified on its admin API.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from lxml import etree

from adapter.config import PortSettings
from adapter.domain.claim import ReportStamp
from adapter.domain.identity import CardType, Identity
from adapter.domain.records import OutboxStatus
from adapter.persistence.unit_of_work import SqlUnitsOfWork
from adapter.portal.claims import delivery_from
from adapter.service_layer import claim
from adapter.service_layer.claim_attachments import FETCH_PATH, attachments_of
from mock_insurer import running_mock_insurer
from mock_insurer.claim_files import ClaimFileFetcher
from tests.claims_harness import complete_claim
from tests.harness import PARTIES, USCC, eventually, hub_settings, portal_token, running_hub

NAME = "厦门示范进出口贸易有限公司"
IDENTITY = Identity(NAME, USCC, "M0001004-3", "U-1", "林晓梅", CardType.OPERATOR)
REPORT = b"%PDF-1.4\n% the sealed shipment report stands in here\n%%EOF\n"
FILES = {"发票-合同-运输单据.pdf": b"%PDF-1.4\n% invoice set\n%%EOF\n",
         "损失证明.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40}


async def ready_claim(hub, claim_no: str) -> list[dict]:
    """A complete draft with its report stored and two attachments uploaded by the portal."""
    draft = complete_claim(claim_no)
    draft.report = ReportStamp(draft.report.digest, datetime.now(UTC), hashlib.sha256(REPORT).hexdigest())
    async with SqlUnitsOfWork(hub.db).begin() as uow:
        await uow.claims.add(draft)
        await uow.claims.store_report(claim_no, REPORT, draft.report.sha256)
        await uow.commit()
    uploaded = []
    async with aiohttp.ClientSession(hub.base_url, headers=portal_token(hub.settings)) as session:
        for name, content in FILES.items():
            form = aiohttp.FormData()
            form.add_field("file", content, filename=name)
            async with session.post(f"/portal/v1/claims/{claim_no}/attachments", data=form) as r:
                assert r.status == 201, await r.text()
                uploaded.append(await r.json())
    return uploaded


async def submit_claim(hub, claim_no: str) -> str:
    """The hub's own submit (C-11): X-OUT-7 rendered, XSD-checked and queued in the outbox."""
    submitted = await claim.submit(SqlUnitsOfWork(hub.db), IDENTITY, claim_no, declaration_accepted=True,
                                   parties=PARTIES, attachments_of=attachments_of,
                                   delivery=delivery_from(hub.base_url, None))
    assert submitted.business_serial is not None
    return submitted.business_serial


async def queued_document(hub, serial: str) -> bytes:
    """The claim document as queued (no dispatcher runs in that test, so it is pending)."""
    async with SqlUnitsOfWork(hub.db).reading() as uow:
        [row_id] = [i.id for i in await uow.outbox.listing(status=OutboxStatus.PENDING, limit=10,
                                                           before_id=None)
                    if i.business_serial == serial]
        item = await uow.outbox.get(row_id)
    assert item is not None and item.payload is not None
    return item.payload


async def test_the_documents_urls_and_digests_are_what_the_hub_serves(db, db_url, tmp_path: Path) -> None:
    settings = hub_settings(db_url, dispatcher=False,
                            ports=PortSettings(attachments_dir=tmp_path / "attachments"))
    async with running_hub(db, settings) as hub:
        uploaded = await ready_claim(hub, "CL-CONTRACT-1")
        serial = await submit_claim(hub, "CL-CONTRACT-1")
        document = await queued_document(hub, serial)

        root = etree.fromstring(document)
        listed = root.findall(".//{*}Attachments/{*}Attachment")
        assert [(a.findtext("{*}Name"), a.findtext("{*}Sha256"), int(a.findtext("{*}Size")),
                 a.findtext("{*}Url")) for a in listed] == [
            (u["name"], u["sha256"], u["size"], hub.base_url + FETCH_PATH.format(sha256=u["sha256"]))
            for u in uploaded]
        assert len(document) < hub.settings.limits.max_document_bytes

        result = await ClaimFileFetcher().check(serial, document)
        assert [(c.kind, c.outcome) for c in result.files] == [
            ("report", "verified"), ("attachment", "verified"), ("attachment", "verified")]
        assert result.files[0].sha256 == hashlib.sha256(REPORT).hexdigest()
        assert result.files[0].media_type == "application/pdf"
        assert [c.media_type for c in result.files[1:]] == ["application/pdf", "image/png"]
        assert result.all_verified and result.claim_no == "CL-CONTRACT-1"

        # A digest the document got wrong is caught; so is a wrong credential; and the
        # insurer does not follow a document to another host.
        first = listed[0].findtext("{*}Sha256")
        checked = await ClaimFileFetcher().check(serial, _with_wrong_digest(document, first))
        assert [c.outcome for c in checked.files] == ["verified", "digest_mismatch", "verified"]
        refused = await ClaimFileFetcher(password="guess").check(serial, document)
        assert {c.outcome for c in refused.files} == {"http_401"}
        foreign = document.replace(hub.base_url.encode(), b"http://203.0.113.9:80")
        assert {c.outcome for c in (await ClaimFileFetcher().check(serial, foreign)).files} == {
            "foreign_host"}


def _with_wrong_digest(document: bytes, sha256: str) -> bytes:
    """The first attachment's Sha256 element says other bytes; its URL stays as it was."""
    root = etree.fromstring(document)
    element = root.find(".//{*}Attachments/{*}Attachment/{*}Sha256")
    assert element is not None and element.text == sha256
    element.text = "0" * 64
    return etree.tostring(root)


async def test_the_mock_insurer_receives_the_claim_and_verifies_every_file(db, db_url, tmp_path) -> None:
    async with running_mock_insurer() as mock:
        settings = hub_settings(db_url, insurer_url=mock.base_url,
                                ports=PortSettings(attachments_dir=tmp_path / "attachments"))
        async with running_hub(db, settings) as hub:
            await ready_claim(hub, "CL-CONTRACT-2")
            serial = await submit_claim(hub, "CL-CONTRACT-2")
            hub.dispatcher.wake()

            async def checked() -> dict | None:
                async with aiohttp.ClientSession() as session, session.get(
                        f"{mock.admin_url}/admin/claim-files/{serial}") as r:
                    return await r.json() if r.status == 200 else None

            result = await eventually(checked)
    assert result["all_verified"] and result["claim_no"] == "CL-CONTRACT-2"
    assert [f["outcome"] for f in result["files"]] == ["verified"] * 3
