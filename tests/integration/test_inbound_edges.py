"""HTTP and SOAP edges: each answered with its code and recorded, never a 500 or a traceback.

Lengths past 2 GiB, a Content-Encoding that lies, a media type that is not XML, a
SOAPAction that names another operation, a header the hub must understand and cannot, and
a client that hangs up halfway: each a coded answer (or, for the one that left, none),
and the bytes that came stored in the inbox.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest
from lxml import etree
from sqlalchemy import select

from adapter.inbound.soap import SOAP11, SOAP12, envelope_bytes
from adapter.mappings import acknowledgement
from adapter.persistence.tables import inbound_messages
from tests.harness import (
    INSURER_AUTH,
    RunningHub,
    eventually,
    hub_settings,
    running_hub,
    sign,
    stamp_document,
    status_of,
)

ACK = "{urn:swcredit:acknowledgement:1}Acknowledgement"
STAMP_ACTION = "urn:swcredit:hub:ReceiveAgreementStamp"


async def _raw(hub: RunningHub, request: bytes, *, read: bool = True) -> bytes:
    host, port = hub.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(65536), 5) if read else b""
    writer.close()
    return answer


def _head(path: str, content_type: str, length: int, *extra: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: hub", f"Authorization: {INSURER_AUTH['Authorization']}",
             f"Content-Type: {content_type}", f"Content-Length: {length}", *extra, "", ""]
    return "\r\n".join(lines).encode()


def _codes(answer: bytes) -> list[str]:
    body = answer.partition(b"\r\n\r\n")[2]
    root = etree.fromstring(body)
    element = root if root.tag == ACK else root.find(f".//{ACK}")
    return [error.code for error in acknowledgement.from_element(element).errors]


async def _rows(db, code: str) -> list:
    async with db.reading() as conn:
        return list(await conn.execute(select(inbound_messages).where(
            inbound_messages.c.error_code == code)))


async def test_a_length_past_two_gibibytes_is_413_and_recorded(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        answer = await _raw(hub, _head("/insurer/v1/documents/agreement-stamp",
                                       "application/xml", 2**31) + b"<x/>")
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert _codes(answer) == ["E-XML-TOO-LARGE"]
    [row] = await _rows(db, "E-XML-TOO-LARGE")
    assert row.raw_size == 2**31 and row.truncated


async def test_a_content_encoding_that_does_not_decode_is_400_and_recorded(db_url, db) -> None:
    await sign(db, "SA-EDGE-1")
    document = stamp_document("SA-EDGE-1")
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        answer = await _raw(hub, _head("/insurer/v1/documents/agreement-stamp", "application/xml",
                                       len(document), "Content-Encoding: gzip") + document)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
    assert _codes(answer) == ["E-HTTP-ENCODING"]
    assert len(await _rows(db, "E-HTTP-ENCODING")) == 1
    assert await status_of(db, "SA-EDGE-1") == "保险公司签约中"


@pytest.mark.parametrize("content_type", ["application/json", "text/plain",
                                          "application/x-www-form-urlencoded", "image/png"])
async def test_rest_refuses_a_body_that_names_another_media_type(db_url, db, content_type) -> None:
    await sign(db, "SA-EDGE-2")
    document = stamp_document("SA-EDGE-2")
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session, \
            session.post(f"{hub.base_url}/insurer/v1/documents/agreement-stamp",
                            data=document, headers={**INSURER_AUTH,
                                                    "Content-Type": content_type}) as response:
        assert response.status == 415
        assert _codes(b"\r\n\r\n" + await response.read()) == ["E-HTTP-CONTENT-TYPE"]
    assert len(await _rows(db, "E-HTTP-CONTENT-TYPE")) == 1
    assert await status_of(db, "SA-EDGE-2") == "保险公司签约中"


async def _soap(hub: RunningHub, body: bytes, content_type: str,
                **headers: str) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as session, session.post(
            f"{hub.base_url}/insurer/soap", data=body,
            headers={**INSURER_AUTH, "Content-Type": content_type, **headers}) as response:
        return response.status, await response.read()


async def test_soap_action_must_name_the_bodys_operation(db_url, db) -> None:
    await sign(db, "SA-EDGE-3")
    wrong = envelope_bytes(SOAP11, etree.fromstring(stamp_document("SA-EDGE-3")))
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        status, answer = await _soap(hub, wrong, "text/xml",
                                     SOAPAction='"urn:swcredit:hub:ReceiveTerminationResult"')
        assert status == 500 and b"soap:Client" in answer
        assert _codes(b"\r\n\r\n" + answer) == ["E-SOAP-ACTION"]
        v12 = envelope_bytes(SOAP12, etree.fromstring(stamp_document("SA-EDGE-3")))
        status, answer = await _soap(
            hub, v12, 'application/soap+xml; charset=utf-8; action="urn:other:Op"')
        assert status == 400 and b"soap:Sender" in answer
        assert _codes(b"\r\n\r\n" + answer) == ["E-SOAP-ACTION"]
        assert await status_of(db, "SA-EDGE-3") == "保险公司签约中"
        status, _ = await _soap(hub, wrong, "text/xml", SOAPAction=f'"{STAMP_ACTION}"')
        assert status == 200
    assert await status_of(db, "SA-EDGE-3") == "签约成功"
    assert len(await _rows(db, "E-SOAP-ACTION")) == 2


@pytest.mark.parametrize(("ns", "content_type", "flag", "http"), [
    (SOAP11, "text/xml", "1", 500), (SOAP12, "application/soap+xml", "true", 500)])
async def test_a_header_marked_must_understand_is_a_must_understand_fault(
        db_url, db, ns, content_type, flag, http) -> None:
    await sign(db, "SA-EDGE-5")
    envelope = etree.fromstring(envelope_bytes(ns, etree.fromstring(stamp_document("SA-EDGE-5"))))
    header = etree.Element(f"{{{ns}}}Header")
    block = etree.SubElement(header, "{urn:example:security}Token")
    block.set(f"{{{ns}}}mustUnderstand", flag)
    envelope.insert(0, header)
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        status, answer = await _soap(hub, etree.tostring(envelope), content_type)
    assert status == http
    assert b"soap:MustUnderstand" in answer
    assert _codes(b"\r\n\r\n" + answer) == ["E-SOAP-MUST-UNDERSTAND"]
    assert await status_of(db, "SA-EDGE-5") == "保险公司签约中"
    assert len(await _rows(db, "E-SOAP-MUST-UNDERSTAND")) == 1


async def test_a_header_not_marked_must_understand_is_ignored(db_url, db) -> None:
    await sign(db, "SA-EDGE-6")
    envelope = etree.fromstring(envelope_bytes(SOAP11, etree.fromstring(
        stamp_document("SA-EDGE-6"))))
    header = etree.Element(f"{{{SOAP11}}}Header")
    etree.SubElement(header, "{urn:example:trace}Trace").text = "t-1"
    envelope.insert(0, header)
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        status, _ = await _soap(hub, etree.tostring(envelope), "text/xml")
    assert status == 200
    assert await status_of(db, "SA-EDGE-6") == "签约成功"


async def test_a_client_that_hangs_up_mid_body_costs_no_traceback(db_url, db, caplog) -> None:
    """Twenty clients leave halfway: no ERROR line, no traceback; what came is recorded."""
    document = stamp_document("SA-EDGE-7")
    caplog.set_level(logging.INFO)
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        await asyncio.gather(*(
            _raw(hub, _head("/insurer/v1/documents/agreement-stamp", "application/xml",
                            len(document)) + document[:len(document) // 2], read=False)
            for _ in range(20)))

        async def recorded() -> bool:
            return len(await _rows(db, "E-HTTP-INCOMPLETE")) == 20
        assert await eventually(recorded)
    noisy = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert noisy == []
