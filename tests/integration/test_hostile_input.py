"""Hostile and broken documents: each answered quickly with a stable code, recorded, no leak."""

from __future__ import annotations

import time

import aiohttp
import pytest
from lxml import etree
from sqlalchemy import select

from adapter.mappings import acknowledgement
from adapter.persistence.tables import inbound_messages
from tests.harness import INSURER_AUTH, hub_settings, running_hub, stamp_document

SECRET = "TOP-SECRET-CONTENT-9f2c"


def xxe(secret_file: str) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret_file}">]>'
            '<AgreementStamp xmlns="urn:swcredit:agreement-stamp:1">&x;</AgreementStamp>').encode()


def billion_laughs() -> bytes:
    entities = '<!ENTITY l0 "ha">' + "".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    return f'<?xml version="1.0"?><!DOCTYPE r [{entities}]><r>&l9;</r>'.encode()


def deep_nesting(levels: int = 10_000) -> bytes:
    return b"<a>" * levels + b"</a>" * levels


def xsd_invalid() -> bytes:
    return stamp_document("SA-X").replace(b"91350100M000100Y43", b"NOT-A-USCC")


CASES = {
    "malformed": (lambda _f: b"<AgreementStamp><unclosed></AgreementStamp>", "E-XML-MALFORMED", 400),
    "xsd_invalid": (lambda _f: xsd_invalid(), "E-XSD-INVALID", 400),
    "external_entity": (xxe, "E-XML-DTD-FORBIDDEN", 400),
    "billion_laughs": (lambda _f: billion_laughs(), "E-XML-DTD-FORBIDDEN", 400),
    "twenty_megabytes": (lambda _f: b"<a>" + b"x" * (20 * 1024 * 1024) + b"</a>", "E-XML-TOO-LARGE", 413),
    "ten_thousand_levels": (lambda _f: deep_nesting(), "E-XML-TOO-DEEP", 400),
    "unknown_root": (lambda _f: b'<Other xmlns="urn:x"/>', "E-DOC-UNKNOWN-TYPE", 400),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_hostile_document_is_refused_quickly_and_recorded(db_url, db, tmp_path, case) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    build, code, http_status = CASES[case]
    document = build(str(secret))
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        started = time.perf_counter()
        async with session.post(f"{hub.base_url}/insurer/v1/documents/agreement-stamp",
                                data=document, headers=INSURER_AUTH) as response:
            body = await response.read()
            status = response.status
        elapsed = time.perf_counter() - started
    assert elapsed < 1.0
    assert status == http_status
    ack = acknowledgement.from_element(etree.fromstring(body))
    assert ack.status.value == "REJECTED"
    assert [e.code for e in ack.errors] == [code]
    assert SECRET.encode() not in body
    async with db.reading() as conn:
        stored = (await conn.execute(select(inbound_messages))).one()
    assert stored.status == "rejected" and stored.error_code == code
    assert stored.raw_size >= min(len(document), 1)
    assert SECRET.encode() not in stored.ack_xml


async def test_schema_error_names_the_field(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session, \
            session.post(f"{hub.base_url}/insurer/v1/documents/agreement-stamp",
                         data=xsd_invalid(), headers=INSURER_AUTH) as response:
        ack = acknowledgement.from_element(etree.fromstring(await response.read()))
    assert ack.errors[0].path == "/AgreementStamp/Body/Uscc"
    assert ack.ref_message_type == "AGREEMENT_STAMP"


SOAP_CASES = ("malformed", "external_entity", "billion_laughs", "twenty_megabytes", "ten_thousand_levels")


@pytest.mark.parametrize("case", SOAP_CASES)
async def test_hostile_soap_request_is_a_client_fault_naming_the_rule(db_url, db, tmp_path, case) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    build, code, _status = CASES[case]
    document = build(str(secret))
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        started = time.perf_counter()
        async with session.post(f"{hub.base_url}/insurer/soap", data=document,
                                headers={**INSURER_AUTH, "Content-Type": "text/xml",
                                         "SOAPAction": "urn:swcredit:hub:ReceiveAgreementStamp"}) as r:
            body = await r.read()
            status = r.status
        elapsed = time.perf_counter() - started
    assert elapsed < 1.0 and status == 500
    fault = etree.fromstring(body)
    assert fault.findtext(".//faultcode") == "soap:Client"
    ack = acknowledgement.from_element(fault.find(".//{urn:swcredit:acknowledgement:1}Acknowledgement"))
    assert [e.code for e in ack.errors] == [code]
    assert SECRET.encode() not in body
    async with db.reading() as conn:
        stored = (await conn.execute(select(inbound_messages))).one()
    assert stored.channel == "soap11" and stored.error_code == code
