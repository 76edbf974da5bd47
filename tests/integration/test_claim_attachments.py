"""C-10 over HTTP: a claim's attachments uploaded, listed, downloaded, deleted; the limits
while streaming, the type by content, hostile names, whose they are, and the insurer's fetch."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, unquote

import aiohttp
import pytest

from adapter.config import PortSettings
from adapter.domain.attachments import MAX_ATTACHMENT_BYTES, MIB, AttachmentRecord
from adapter.persistence.unit_of_work import SqlUnitsOfWork
from adapter.ports.attachments import FolderAttachmentStore
from adapter.service_layer.claim_attachments import fetch_path
from tests.claims_harness import complete_claim
from tests.harness import INSURER_AUTH, USCC, hub_settings, portal_token, running_hub

OTHER_USCC = "91350200MA2Y0Q1X9G"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
       b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
       b"\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def pdf_of(size: int, salt: str = "") -> bytes:
    """A PDF of exactly ``size`` bytes (distinct per salt, so the claim takes each once)."""
    head = PDF + f"% {salt}\n".encode()
    return head + b"0" * (size - len(head))


def form(content: bytes, name: str = "发票1.pdf", **fields: str) -> aiohttp.FormData:
    data = aiohttp.FormData()
    for key, value in fields.items():
        data.add_field(key, value)
    data.add_field("file", content, filename=name, content_type="application/octet-stream")
    return data


def browser_form(content: bytes, name: str, boundary: str = "browserboundary") -> tuple[bytes, dict[str, str]]:
    """The form as a browser sends it (WHATWG): the name in UTF-8, only ``"`` CR LF escaped."""
    escaped = name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{escaped}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + (
            f"\r\n--{boundary}--\r\n").encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


async def chunked(content: bytes, boundary: str, name: str = "big.pdf") -> AsyncIterator[bytes]:
    """The same form as a body of unknown length (chunked): the limit can only be seen while
    reading."""
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
           f"Content-Type: application/pdf\r\n\r\n").encode()
    for start in range(0, len(content), MIB):
        yield content[start:start + MIB]
    yield f"\r\n--{boundary}--\r\n".encode()


@pytest.fixture
async def hub(db, db_url: str, tmp_path: Path):
    settings = hub_settings(db_url, dispatcher=False,
                            ports=PortSettings(attachments_dir=tmp_path / "attachments"))
    async with running_hub(db, settings) as running:
        yield running


async def draft(db, claim_no: str, *, uscc: str = USCC) -> None:
    async with SqlUnitsOfWork(db).begin() as uow:
        await uow.claims.add(complete_claim(claim_no, uscc=uscc))
        await uow.commit()


async def submit(db, claim_no: str) -> None:
    async with SqlUnitsOfWork(db).begin() as uow:
        claim = await uow.claims.for_update(claim_no)
        assert claim is not None
        claim.submit(at=datetime.now(UTC), by="林晓梅")
        await uow.claims.save(claim)
        await uow.commit()


async def holding_nine_files(db, claim_no: str) -> None:
    """A draft with nine 4M rows (36M of its budget); their bytes do not matter to the budget."""
    await draft(db, claim_no)
    async with SqlUnitsOfWork(db).begin() as uow:
        for n in range(9):
            await uow.claim_attachments.add(AttachmentRecord(
                0, claim_no, USCC, f"{n}.pdf", "application/pdf", MAX_ATTACHMENT_BYTES,
                f"{n:064x}", "", "", datetime.now(UTC), "林晓梅"))
        await uow.commit()


@asynccontextmanager
async def client(hub, *, uscc: str = USCC, name: str = "厦门示范进出口贸易有限公司"):
    headers = portal_token(hub.settings, uscc=uscc, name=name)
    async with aiohttp.ClientSession(hub.base_url, headers=headers) as session:
        yield session


def url(claim_no: str, attachment_id: int | str | None = None) -> str:
    path = f"/portal/v1/claims/{claim_no}/attachments"
    return path if attachment_id is None else f"{path}/{attachment_id}"


def incoming(hub) -> list[Path]:
    """Half-written blobs left behind: there must never be any."""
    root = hub.settings.ports.attachments_dir
    return list(root.glob(".incoming-*")) if root.exists() else []


async def test_upload_list_download_delete(db, hub) -> None:
    await draft(db, "CL-ATT-1")
    async with client(hub) as session:
        async with session.post(url("CL-ATT-1"), data=form(PDF, "发票1.pdf", remark="发票-合同-运输单据",
                                                           summary="第一套单证")) as r:
            assert r.status == 201, await r.text()
            first = await r.json()
        async with session.post(url("CL-ATT-1"), data=form(PNG, "损失证明.png")) as r:
            assert r.status == 201, await r.text()
            second = await r.json()
        async with session.get(url("CL-ATT-1")) as r:
            listing = await r.json()
        assert [(i["index"], i["kind"], i["name"], i["remark"], i["summary"], i["size"])
                for i in listing["items"]] == [
            (1, "PDF", "发票1.pdf", "发票-合同-运输单据", "第一套单证", len(PDF)),
            (2, "PNG", "损失证明.png", "", "", len(PNG))]
        assert listing["items"][0]["sha256"] == hashlib.sha256(PDF).hexdigest()
        assert listing["items"][0]["uploaded_at_beijing"].endswith("（北京时间）")
        assert listing["used_bytes"] == len(PDF) + len(PNG)
        assert listing["allowed_media_types"] == ["application/pdf", "image/jpeg", "image/png"]
        assert FolderAttachmentStore(hub.settings.ports.attachments_dir).read(first["sha256"]) == PDF

        async with session.get(url("CL-ATT-1", first["attachment_id"])) as r:
            assert r.status == 200
            assert r.headers["Content-Type"] == "application/pdf"
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            disposition = r.headers["Content-Disposition"]
            assert disposition.startswith("attachment; filename=")
            assert unquote(disposition.split("filename*=UTF-8''")[1]) == "发票1.pdf"
            assert await r.read() == PDF

        async with session.delete(url("CL-ATT-1", second["attachment_id"])) as r:
            assert r.status == 204
        async with session.get(url("CL-ATT-1", second["attachment_id"])) as r:
            assert r.status == 404
            assert (await r.json())["errors"][0]["code"] == "E-ATTACHMENT-UNKNOWN"
        async with session.get(url("CL-ATT-1")) as r:
            assert [i["name"] for i in (await r.json())["items"]] == ["发票1.pdf"]
        async with session.post(url("CL-ATT-1"), data=form(PDF, "again.pdf")) as r:
            assert r.status == 409
            assert (await r.json())["errors"][0]["code"] == "E-ATTACHMENT-DUPLICATE"


async def test_four_megabytes_pass_and_one_byte_more_is_cut(db, hub) -> None:
    await draft(db, "CL-ATT-2")
    async with client(hub) as session:
        async with session.post(url("CL-ATT-2"), data=form(pdf_of(MAX_ATTACHMENT_BYTES, "a"))) as r:
            assert r.status == 201, await r.text()
            assert (await r.json())["size"] == 4 * 1024 * 1024
        async with session.post(url("CL-ATT-2"), data=form(pdf_of(MAX_ATTACHMENT_BYTES + 1, "b"))) as r:
            assert r.status == 413
            [error] = (await r.json())["errors"]
        assert error["code"] == "E-ATTACHMENT-TOO-LARGE" and error["field"] == "$.file"
        assert "4M" in error["message"]
        # Without a declared length the reader finds out while streaming, and stops there.
        boundary = "hubtestboundary"
        body = chunked(pdf_of(MAX_ATTACHMENT_BYTES + 1, "c"), boundary)
        async with session.post(url("CL-ATT-2"), data=body,
                                headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}) as r:
            assert r.status == 413
            assert (await r.json())["errors"][0]["code"] == "E-ATTACHMENT-TOO-LARGE"
        async with session.get(url("CL-ATT-2")) as r:
            assert [i["size"] for i in (await r.json())["items"]] == [MAX_ATTACHMENT_BYTES]
    assert incoming(hub) == []


async def test_the_claims_forty_megabytes_are_one_budget(db, hub) -> None:
    """Nine 4M files are on the claim (rows; their bytes do not matter to the budget): a tenth
    4M fits exactly, one byte more does not, whatever its own size."""
    await holding_nine_files(db, "CL-ATT-3")
    async with client(hub) as session:
        async with session.get(url("CL-ATT-3")) as r:
            assert (await r.json())["next_file_limit_bytes"] == MAX_ATTACHMENT_BYTES
        async with session.post(url("CL-ATT-3"), data=form(pdf_of(MAX_ATTACHMENT_BYTES, "tenth"))) as r:
            assert r.status == 201, await r.text()
        async with session.post(url("CL-ATT-3"), data=form(pdf_of(len(PDF) + 10, "one more"))) as r:
            assert r.status == 413
            [error] = (await r.json())["errors"]
        assert error["code"] == "E-ATTACHMENT-TOTAL-TOO-LARGE" and error["field"] == "$.file"
        assert "40M" in error["message"] and "剩余0B" in error["message"]
        async with session.get(url("CL-ATT-3")) as r:
            listing = await r.json()
    assert listing["used_bytes"] == 40 * MIB and listing["next_file_limit_bytes"] == 0


async def test_two_uploads_side_by_side_never_pass_the_budget(db, hub) -> None:
    """Both start with room for one more 4M; the row lock lets only one of them in."""
    await holding_nine_files(db, "CL-ATT-4")
    async with client(hub) as session:
        async def one(salt: str) -> int:
            async with session.post(url("CL-ATT-4"), data=form(pdf_of(3 * MIB, salt))) as r:
                return r.status
        statuses = sorted(await asyncio.gather(one("x"), one("y")))
        async with session.get(url("CL-ATT-4")) as r:
            used = (await r.json())["used_bytes"]
    assert statuses == [201, 413]
    assert used == 36 * MIB + 3 * MIB


@pytest.mark.parametrize(("content", "name"), [
    (b"MZ\x90\x00\x03" + b"\x00" * 200, "invoice.pdf"),                      # a Windows program
    (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 200, "contract.pdf"),          # a zip (docx, xlsx)
    ("发票：金额 12,500 美元".encode() * 20, "scan.jpg"),                      # text
    (b"GIF89a\x01\x00\x01\x00" + b"\x00" * 40, "photo.png"),                  # an image not allowed
])
async def test_the_type_is_read_from_the_content_not_the_name(db, hub, content, name) -> None:
    await draft(db, "CL-ATT-5")
    async with client(hub) as session, session.post(url("CL-ATT-5"), data=form(content, name)) as r:
        assert r.status == 422
        [error] = (await r.json())["errors"]
    assert error["code"] == "E-ATTACHMENT-TYPE" and error["field"] == "$.file"
    assert "PDF、JPEG、PNG" in error["message"]
    assert incoming(hub) == []


async def test_an_allowed_content_under_any_name_is_kept_with_its_real_type(db, hub) -> None:
    await draft(db, "CL-ATT-6")
    async with client(hub) as session:
        async with session.post(url("CL-ATT-6"), data=form(JPEG, "receipt.exe")) as r:
            assert r.status == 201, await r.text()
            kept = await r.json()
        async with session.post(url("CL-ATT-6"), data=form(b"", "empty.pdf")) as r:
            assert r.status == 422
            assert (await r.json())["errors"][0]["code"] == "E-ATTACHMENT-EMPTY"
    assert (kept["name"], kept["media_type"], kept["kind"]) == ("receipt.exe.jpg", "image/jpeg", "JPEG")


@pytest.mark.parametrize(("raw", "shown"), [
    ("../../../etc/passwd", "passwd.pdf"),
    ("C:\\Users\\林\\Desktop\\发票 1.PDF", "发票 1.PDF"),
    ("invoice\u202efdp.exe", "invoicefdp.exe.pdf"),
    ("a\x07b\x1bc\r\nSet-Cookie: x=1.pdf", "abc Set-Cookie_ x=1.pdf"),
    ('say "hi"\r\n.pdf', "say _hi_.pdf"),
    ("Cafe\u0301 <script>.pdf", "Café _script_.pdf"),
    ("....", "附件.pdf"),
    ("长" * 300 + ".pdf", "长" * 96 + ".pdf"),
])
async def test_hostile_names_are_cleaned(db, hub, raw, shown) -> None:
    """Sent as a browser sends a name (UTF-8, CR LF and quote escaped) and as aiohttp does
    (all percent-encoded, as aiohttp's and curl's clients may): either way the same clean name. A raw control character in a
    part's header is refused by the form parser itself."""
    await draft(db, "CL-ATT-7")
    body, headers = browser_form(PDF, raw)
    async with client(hub) as session:
        async with session.post(url("CL-ATT-7"), data=body, headers=headers) as r:
            if any(ch < " " and ch not in "\r\n" for ch in raw):
                assert r.status == 422
                assert (await r.json())["errors"][0]["code"] == "E-ATTACHMENT-FORM"
            else:
                assert r.status == 201, await r.text()
                assert (await r.json())["name"] == shown
        body, headers = browser_form(PDF + b"2", quote(raw, safe=""))
        async with session.post(url("CL-ATT-7"), data=body, headers=headers) as r:
            assert r.status == 201, await r.text()
            kept = await r.json()
        async with session.get(url("CL-ATT-7", kept["attachment_id"])) as r:
            disposition = r.headers["Content-Disposition"]
    assert kept["name"] == shown
    assert "\r" not in disposition and "\n" not in disposition and disposition.isascii()
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == shown
    assert "Set-Cookie" not in r.headers


async def test_an_escaped_path_in_a_browsers_name_is_still_a_path(db, hub) -> None:
    await draft(db, "CL-ATT-7B")
    body, headers = browser_form(PDF, "..%2F..%2Fboot.ini")
    async with client(hub) as session, session.post(url("CL-ATT-7B"), data=body,
                                                    headers=headers) as r:
        assert r.status == 201, await r.text()
        assert (await r.json())["name"] == "boot.ini.pdf"


@pytest.mark.parametrize(("parts", "code", "field"), [
    ({"remark": "没有文件"}, "E-ATTACHMENT-FILE-REQUIRED", "$.file"),
    ({"remark": "长" * 201, "file": PDF}, "E-FIELD-TOO-LONG", "$.remark"),
    ({"summary": "a\x01b", "file": PDF}, "E-TEXT-CONTROL-CHARACTER", "$.summary"),
    ({"owner": "x", "file": PDF}, "E-FIELD-UNKNOWN", "$.owner"),
])
async def test_a_bad_form_names_its_field(db, hub, parts, code, field) -> None:
    await draft(db, "CL-ATT-8")
    data = aiohttp.FormData(default_to_multipart=True)
    for key, value in parts.items():
        if isinstance(value, bytes):
            data.add_field(key, value, filename="a.pdf")
        else:
            data.add_field(key, value)
    async with client(hub) as session, session.post(url("CL-ATT-8"), data=data) as r:
        assert r.status == 422, await r.text()
        [error] = (await r.json())["errors"]
    assert (error["code"], error["field"]) == (code, field)


async def test_a_body_that_is_no_upload_form_is_refused(db, hub) -> None:
    await draft(db, "CL-ATT-8B")
    async with client(hub) as session:
        async with session.post(url("CL-ATT-8B"), json={"file": "JVBERi0="}) as r:
            assert r.status == 422
            assert (await r.json())["errors"][0]["code"] == "E-ATTACHMENT-FORM"
        async with session.post(url("CL-ATT-8B"), data=b"--x\r\nbroken",
                                headers={"Content-Type": "multipart/form-data; boundary=x"}) as r:
            assert r.status == 422
            assert (await r.json())["errors"][0]["code"] in ("E-ATTACHMENT-FORM", "E-ATTACHMENT-FILE-REQUIRED")


async def test_another_enterprises_claim_or_attachment_is_404_on_every_route(db, hub) -> None:
    await draft(db, "CL-ATT-9")
    await draft(db, "CL-ATT-9B")
    await draft(db, "CL-ATT-OTHER", uscc=OTHER_USCC)
    async with client(hub) as session, session.post(url("CL-ATT-9"), data=form(PDF)) as r:
        mine = (await r.json())["attachment_id"]
    async with client(hub, uscc=OTHER_USCC, name="厦门鹭江外贸有限公司") as other:
        async with other.post(url("CL-ATT-OTHER"), data=form(PNG)) as r:
            theirs = (await r.json())["attachment_id"]
        for method, path, data in [("GET", url("CL-ATT-9"), None),
                                   ("POST", url("CL-ATT-9"), form(PNG)),
                                   ("GET", url("CL-ATT-9", mine), None),
                                   ("DELETE", url("CL-ATT-9", mine), None),
                                   ("GET", url("CL-ATT-OTHER", mine), None),
                                   ("DELETE", url("CL-ATT-OTHER", mine), None)]:
            async with other.request(method, path, data=data) as r:
                assert r.status == 404, (method, path)
                assert (await r.json())["errors"][0]["code"] in ("E-CLAIM-NOT-FOUND", "E-ATTACHMENT-UNKNOWN")
    async with client(hub) as session:
        # My own other claim does not reach this claim's attachment; nor their attachment id.
        for attachment_id in (mine, theirs, "0", "-1", "abc", "9" * 40):
            async with session.get(url("CL-ATT-9B", attachment_id)) as r:
                assert r.status == 404, attachment_id
        async with session.get(url("CL-ATT-9", theirs)) as r:
            assert r.status == 404
        async with session.get(url("CL-ATT-9", mine)) as r:
            assert r.status == 200 and await r.read() == PDF


async def test_a_submitted_claim_takes_no_attachment_and_loses_none(db, hub) -> None:
    await draft(db, "CL-ATT-10")
    async with client(hub) as session:
        async with session.post(url("CL-ATT-10"), data=form(PDF)) as r:
            kept = await r.json()
        await submit(db, "CL-ATT-10")
        async with session.post(url("CL-ATT-10"), data=form(PNG)) as r:
            assert r.status == 409
            assert (await r.json())["errors"][0]["code"] == "E-CLAIM-NOT-EDITABLE"
        async with session.delete(url("CL-ATT-10", kept["attachment_id"])) as r:
            assert r.status == 409
        async with session.get(url("CL-ATT-10", kept["attachment_id"])) as r:
            assert r.status == 200


async def test_the_insurer_fetches_only_what_a_submitted_claim_sent(db, hub) -> None:
    await draft(db, "CL-ATT-11")
    await draft(db, "CL-ATT-11B")
    async with client(hub) as session:
        async with session.post(url("CL-ATT-11"), data=form(PDF, "发票.pdf")) as r:
            sent = await r.json()
        async with session.post(url("CL-ATT-11B"), data=form(PNG)) as r:
            unsent = await r.json()
    async with aiohttp.ClientSession(hub.base_url) as insurer:
        async with insurer.get(fetch_path(sent["sha256"]), headers=INSURER_AUTH) as r:
            assert r.status == 404  # not submitted yet: the enterprise's alone
        await submit(db, "CL-ATT-11")
        async with insurer.get(fetch_path(sent["sha256"]), headers=INSURER_AUTH) as r:
            assert r.status == 200
            assert r.headers["Content-Type"] == "application/pdf"
            body = await r.read()
        assert hashlib.sha256(body).hexdigest() == sent["sha256"]
        async with insurer.get(fetch_path(unsent["sha256"]), headers=INSURER_AUTH) as r:
            assert r.status == 404
        async with insurer.get(fetch_path("f" * 64), headers=INSURER_AUTH) as r:
            assert r.status == 404
        async with insurer.get("/insurer/v1/attachments/..%2F..%2Fhub.sqlite", headers=INSURER_AUTH) as r:
            assert r.status == 404
        wrong = {"Authorization": aiohttp.BasicAuth("sinosure", "guess").encode()}
        for headers in ({}, wrong, portal_token(hub.settings)):
            async with insurer.get(fetch_path(sent["sha256"]), headers=headers) as r:
                assert r.status == 401
                assert await r.read() != PDF

