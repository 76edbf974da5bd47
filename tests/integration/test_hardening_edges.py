"""Hardening at the edges: credentials as bytes, an honest WSDL address, cheap checks
first, security headers everywhere, and the demo's own PDF in Beijing time."""

from __future__ import annotations

import base64
import io

import aiohttp
import pypdf
from lxml import etree
from pydantic import SecretStr

from adapter import demo
from adapter.config import InboundCredential
from adapter.service_layer import agreement as agreement_use_cases
from tests.harness import (
    INSURER_AUTH,
    OPERATOR,
    hub_settings,
    portal_token,
    running_hub,
    stamp_document,
)


def _basic(user: str, password: str) -> dict[str, str]:
    raw = f"{user}:{password}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


async def test_non_ascii_credentials_are_refused_not_errors(db_url, db) -> None:
    document = stamp_document("SA-HARD-1")
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        for path, content_type in (("/insurer/v1/documents/agreement-stamp", "application/xml"),
                                   ("/insurer/soap", "text/xml")):
            async with session.post(hub.base_url + path, data=document,
                                    headers={**_basic("é", "x"), "Content-Type": content_type}) as r:
                assert r.status == 401
            async with session.post(hub.base_url + path, data=document,
                                    headers={**_basic("sinosure", "密码"),
                                             "Content-Type": content_type}) as r:
                assert r.status == 401
        async with session.get(f"{hub.base_url}/ops/v1/inbox",
                               headers={"Authorization": "Bearer é"}) as r:
            assert r.status == 401
            assert (await r.json())["errors"][0]["code"] == "E-OPERATOR-AUTH"


async def test_empty_configured_secrets_open_nothing(db_url, db) -> None:
    settings = hub_settings(db_url, dispatcher=False, operator_token=SecretStr(""),
                            inbound=InboundCredential(password=SecretStr("")))
    async with running_hub(db, settings) as hub, aiohttp.ClientSession() as session:
        async with session.get(f"{hub.base_url}/ops/v1/inbox",
                               headers={"Authorization": "bearer"}) as r:
            assert r.status == 401
        async with session.get(f"{hub.base_url}/ops/v1/inbox",
                               headers={"Authorization": "Bearer "}) as r:
            assert r.status == 401
        async with session.post(f"{hub.base_url}/insurer/v1/documents/agreement-stamp",
                                data=stamp_document("SA-HARD-2"),
                                headers={**_basic("sinosure", ""),
                                         "Content-Type": "application/xml"}) as r:
            assert r.status == 401


async def test_the_wsdl_address_never_carries_an_injected_host(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session:
        evil = 'a"/><soap:address location="http://evil'
        async with session.get(f"{hub.base_url}/insurer/soap?wsdl", headers={"Host": evil}) as r:
            wsdl = await r.read()
    root = etree.fromstring(wsdl)
    addresses = root.findall(".//{*}address")
    assert addresses and all("evil" not in a.get("location", "") for a in addresses)
    ports = root.findall(".//{http://schemas.xmlsoap.org/wsdl/}port")
    assert len(addresses) == len(ports)


async def test_a_second_agreement_is_refused_before_any_pdf_is_drawn(db_url, db, monkeypatch) -> None:
    drawn: list[str] = []
    render = agreement_use_cases.render_signed

    def counting(sheet, material):  # type: ignore[no-untyped-def]
        drawn.append(sheet.agreement_no)
        return render(sheet, material)

    monkeypatch.setattr(agreement_use_cases, "render_signed", counting)
    settings = hub_settings(db_url, dispatcher=False)
    token = portal_token(settings)
    async with running_hub(db, settings) as hub, aiohttp.ClientSession() as session:
        async with session.get(f"{hub.base_url}/portal/v1/seals", headers=token) as r:
            seal_id = next(s["seal_id"] for s in (await r.json())["items"] if s["usable"])
        for expected in (201, 409):
            async with session.post(f"{hub.base_url}/portal/v1/agreements", headers=token,
                                    json={"seal_id": seal_id, "agree": True}) as r:
                assert r.status == expected, await r.text()
    assert len(drawn) == 1


async def test_every_answer_carries_the_security_headers(db_url, db) -> None:
    settings = hub_settings(db_url, dispatcher=False)
    async with running_hub(db, settings) as hub, aiohttp.ClientSession() as session:
        answers = []
        for method, path, headers in (
                ("GET", "/health/live", {}), ("GET", "/portal/v1/no-such-route", {}),
                ("POST", "/insurer/v1/documents/agreement-stamp", {}),
                ("GET", "/portal/v1/agreements", portal_token(settings)),
                ("GET", "/ops/v1/inbox", OPERATOR),
                ("POST", "/insurer/v1/documents/agreement-stamp",
                 {**INSURER_AUTH, "Content-Type": "application/xml"})):
            async with session.request(method, hub.base_url + path, headers=headers,
                                       data=b"<x/>" if method == "POST" else None) as r:
                answers.append((path, r.status, r.headers))
    for path, _status, headers in answers:
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        assert "aiohttp" not in headers["Server"] and "Python" not in headers["Server"], path
    enterprise = next(h for p, s, h in answers if p == "/portal/v1/agreements")
    assert "no-store" in enterprise["Cache-Control"]
    assert "Origin" in enterprise["Vary"]


async def test_code_lists_stay_publicly_cached_and_vary_by_origin(db_url, db) -> None:
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub, \
            aiohttp.ClientSession() as session, \
            session.get(f"{hub.base_url}/portal/v1/code-lists/countries") as r:
        assert r.status == 200
        assert "public" in r.headers["Cache-Control"]
        assert "Origin" in r.headers["Vary"]


async def test_the_demo_agreements_pdf_opens_and_reads_beijing_time(db_url, db) -> None:
    settings = hub_settings(db_url, dispatcher=False)
    await demo.seed(db, settings)
    token = portal_token(settings, uscc=demo.DEMO_USCC, name=demo.DEMO_ENTERPRISE.name)
    async with running_hub(db, settings) as hub, aiohttp.ClientSession() as session, \
            session.get(f"{hub.base_url}/portal/v1/agreements/{demo.DEMO_AGREEMENT}/pdf",
                           headers=token) as r:
        assert r.status == 200, await r.text()
        pdf = await r.read()
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "北京时间" in text
    assert "UTC" not in text
