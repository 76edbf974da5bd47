"""A day of the service agreement, end to end over real sockets (A-1…A-4, X-OUT-1/2, X-IN-2/3)."""

from __future__ import annotations

import base64
import io

import aiohttp
import pytest
from asn1crypto import x509
from lxml import etree
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from adapter.app import SEALS
from mock_insurer import running_mock_insurer
from mock_insurer.documents import agreement_stamp, termination_result
from mock_insurer.push import push
from tests.harness import eventually, hub_settings, portal_token, running_hub

USCC = "91350200MA2Y0Q1X9G"
NAME = "厦门鹭江外贸有限公司"


async def received(mock, serial: str):
    return mock.store.get(serial)


@pytest.mark.parametrize("channel", ["soap", "rest"])
async def test_a_day_of_the_service_agreement(db_url, db, channel) -> None:
    async with running_mock_insurer() as mock, running_hub(db, hub_settings(
            db_url, insurer_url=mock.base_url, channel=channel)) as hub:
        legal = portal_token(hub.settings, uscc=USCC, name=NAME)
        api = f"{hub.base_url}/portal/v1"
        async with aiohttp.ClientSession(headers=legal) as session:
            async with session.get(f"{api}/seals") as r:
                seals = (await r.json())["items"]
            usable = [s for s in seals if s["usable"]]
            assert [s["seal_type"] for s in usable] == ["公司"]

            async with session.post(f"{api}/agreements", json={"seal_id": usable[0]["seal_id"],
                                                               "agree": True}) as r:
                assert r.status == 201
                signed = await r.json()
            number = signed["agreement_no"]
            assert signed["status"] == "保险公司签约中"

            sent = await eventually(lambda: received(mock, f"{number}-SIGN"))
            assert sent.channel.startswith(channel)
            document = etree.fromstring(sent.document)
            pdf_sent = base64.b64decode(document.findtext(".//{*}Document"))
            assert pdf_sent.startswith(b"%PDF")

            ack = await push(hub.base_url, agreement_stamp(number, USCC), channel=channel)
            assert ack.ack_status == "ACCEPTED"
            async with session.get(f"{api}/agreements/{number}") as r:
                assert (await r.json())["status"] == "签约成功"

            async with session.get(f"{api}/agreements/{number}/pdf") as r:
                assert r.headers["Content-Type"] == "application/pdf"
                assert r.headers["Content-Disposition"].startswith("attachment")
                pdf = await r.read()
            async with session.get(f"{api}/agreements/{number}/pdf?disposition=inline") as r:
                assert r.headers["Content-Disposition"].startswith("inline")
            text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
            assert "中国国际贸易单一窗口出口信用保险服务协议" in text
            assert NAME in text and "签约成功" in text and "电子签章" in text
            roots = [x509.Certificate.load(der) for der in hub.app[SEALS].trust_roots_der()]
            signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
            status = await async_validate_pdf_signature(signature, ValidationContext(trust_roots=roots))
            assert status.bottom_line and status.intact and status.trusted

            async with session.post(f"{api}/agreements/{number}/termination",
                                    json={"confirmation": "坚持解约", "reason": "业务调整"}) as r:
                assert r.status == 202
                assert (await r.json())["status"] == "解约中"
            terminated = await eventually(lambda: _of_type(mock, "TERMINATION_REQUEST"))
            assert number.encode() in terminated.document

            ack = await push(hub.base_url, termination_result(number, USCC), channel=channel)
            assert ack.ack_status == "ACCEPTED"
            async with session.get(f"{api}/agreements/{number}/process") as r:
                process = await r.json()
    assert process["status"] == "解约成功"
    steps = [step["step"] for step in process["steps"]]
    assert steps == [
        "企业签署服务协议，等待保险公司签章",
        "服务协议已发送至中国出口信用保险公司",
        "中国出口信用保险公司已加盖电子签章",
        "签约成功",
        "企业坚持解约，解约申请已提交",
        "解约申请已发送至中国出口信用保险公司",
        "中国出口信用保险公司同意解约",
        "解约成功",
    ]


async def _of_type(mock, message_type: str):
    return next((r for r in mock.store.records() if r.message_type == message_type), None)
