"""SOAP gateway: zeep, strict, built from the insurer's WSDL in ``contracts/``.

The document the mapping produced is read into zeep's typed value (so zeep checks it
against the WSDL's schema) and sent as the operation's body. The raw acknowledgement is
taken from the reply by a plugin, per call, through a context variable. zeep is
imported only here and in its transport (``zeep_transport``), which carries the envelopes
over aiohttp.
"""

from __future__ import annotations

import contextvars
from typing import Any

import aiohttp
import zeep
from lxml import etree
from zeep.exceptions import Fault, TransportError
from zeep.exceptions import XMLSyntaxError as ZeepXMLSyntaxError
from zeep.plugins import Plugin
from zeep.proxy import AsyncServiceProxy

from adapter.config import PartnerSettings
from adapter.errors import DeliveryFailed
from adapter.mappings.registry import DocumentType
from adapter.mappings.xml_safety import parse_trusted
from adapter.outbound.gateway import judge_ack, partner_session, retryable_status
from adapter.outbound.zeep_transport import AiohttpTransport
from adapter.persistence.outbox import OutboundMessage

WSDL_NS = "urn:swcredit:insurer:wsdl:1"
_reply: contextvars.ContextVar[list[etree._Element]] = contextvars.ContextVar("soap_reply")


class _CaptureReply(Plugin):
    def ingress(self, envelope: etree._Element, http_headers: Any, operation: Any) -> Any:
        holder = _reply.get(None)
        if holder is not None:
            holder.append(envelope)
        return envelope, http_headers


class SoapGateway:
    def __init__(self, partner: PartnerSettings, *, timeout_seconds: float) -> None:
        self.transport = AiohttpTransport(partner_session(partner, timeout_seconds=timeout_seconds),
                                          wsdl_timeout_seconds=timeout_seconds)
        settings = zeep.Settings(strict=True, xml_huge_tree=False, forbid_dtd=True,
                                 forbid_entities=True, forbid_external=True)
        self.client = zeep.AsyncClient(str(partner.soap_wsdl), transport=self.transport,
                                       settings=settings, plugins=[_CaptureReply()])
        binding = "InsurerSoap12" if partner.soap_version == "1.2" else "InsurerSoap11"
        # AsyncClient.create_service would hand back a synchronous proxy; build the async one.
        self.service = AsyncServiceProxy(self.client, self.client.wsdl.bindings[f"{{{WSDL_NS}}}{binding}"],
                                         address=partner.soap_address)

    async def send(self, message: OutboundMessage, doc_type: DocumentType) -> bytes:
        value = self.client.get_element(doc_type.root).parse(parse_trusted(message.payload),
                                                             self.client.wsdl.types)
        operation = getattr(self.service, doc_type.soap_operation)
        holder: list[etree._Element] = []
        token = _reply.set(holder)
        try:
            await operation(Envelope=value.Envelope, Body=value.Body)
        except Fault as fault:
            raise _fault_failure(fault) from fault
        except TransportError as exc:
            raise DeliveryFailed(f"HTTP {exc.status_code}: {str(exc)[:300]}",
                                 retryable=retryable_status(exc.status_code),
                                 code=f"E-DELIVERY-HTTP-{exc.status_code}") from exc
        except (TimeoutError, aiohttp.ClientError, ZeepXMLSyntaxError, etree.XMLSyntaxError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}", retryable=True,
                                 code=_transport_code(exc)) from exc
        finally:
            _reply.reset(token)
        return judge_ack(_ack_of(holder))

    async def close(self) -> None:
        await self.transport.aclose()


def _ack_of(holder: list[etree._Element]) -> etree._Element:
    if not holder:
        raise DeliveryFailed("no SOAP reply captured", retryable=True,
                             code="E-DELIVERY-MALFORMED-ANSWER")
    body = holder[0].find("{*}Body")
    if body is None or len(body) == 0:
        raise DeliveryFailed("SOAP reply without a body", retryable=True,
                             code="E-DELIVERY-MALFORMED-ANSWER")
    return body[0]


def _fault_failure(fault: Fault) -> DeliveryFailed:
    """Server / Receiver faults may pass; Client / Sender faults will not."""
    code = str(fault.code or "")
    final = code.endswith(("Client", "Sender"))
    return DeliveryFailed(f"SOAP fault {code}: {fault.message}", retryable=not final,
                          code="E-DELIVERY-SOAP-CLIENT" if final else "E-DELIVERY-SOAP-SERVER")


def _transport_code(exc: Exception) -> str:
    if isinstance(exc, (ZeepXMLSyntaxError, etree.XMLSyntaxError)):
        return "E-DELIVERY-MALFORMED-ANSWER"
    return "E-DELIVERY-CONNECTION"
