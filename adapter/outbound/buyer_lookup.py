"""The insurer's buyer list, asked synchronously (X-OUT-8 lookup, C-3): the hub's first
request–reply with the insurer.

Everything else the hub sends goes through the outbox and may wait; a lookup has a person
waiting on it. So one search has one time budget (``buyer_lookup.timeout_seconds``, 3 s):
at most ``attempts`` tries inside it (tenacity), each cut at its share of the time left,
and when the budget is spent, or the insurer refuses the connection, the search fails at
once with ``BuyerLookupUnavailable`` (503) instead of hanging.

The request is rendered and XSD-checked like any outbound document and travels over the
configured channel: SOAP (operation ``LookupBuyers``, the envelope built by zeep from
``contracts/insurer.wsdl`` as the SOAP gateway builds it) or REST (``POST
{rest_base_url}/buyer-lookup``). The reply is partner bytes: read by the hardened parser,
held to ``buyer_lookup_reply.xsd``, and it must answer this request (``RefMessageId``) and
come from the insurer.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

import aiohttp
from lxml import etree
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_fixed

from adapter.config import BuyerLookupSettings, PartnerSettings, Settings
from adapter.domain.buyer import BuyerLookupUnavailable, BuyerQuery, LookupReply, LookupRequest
from adapter.domain.errors import (
    DeliveryConnection,
    DeliveryFailed,
    DeliveryHttpStatus,
    DeliveryMalformedAnswer,
    SchemaViolation,
)
from adapter.domain.exchange import Envelope, new_id, utcnow
from adapter.mappings import buyer_lookup, buyer_lookup_reply, schemas
from adapter.mappings.envelope import read_envelope
from adapter.mappings.registry import DocumentType
from adapter.mappings.xml_safety import parse_trusted
from adapter.outbound.gateway import partner_session, read_answer
from adapter.outbound.soap_gateway import SoapGateway, SoapTemplate
from adapter.service_layer.buyers import BuyerDirectory, CachedDirectory

log = logging.getLogger(__name__)
# A short pause between tries: a refused connection is not worth hammering.
RETRY_PAUSE_SECONDS = 0.05
LOOKUP = DocumentType(buyer_lookup.KIND, buyer_lookup.ROOT, buyer_lookup.from_element,
                      buyer_lookup.to_xml)


class LookupChannel(Protocol):
    async def ask(self, payload: bytes, correlation_id: str) -> etree._Element:
        """The reply document (the Body's child over SOAP); ``DeliveryFailed`` otherwise."""

    async def close(self) -> None: ...


class RestLookup:
    def __init__(self, partner: PartnerSettings, *, timeout_seconds: float) -> None:
        self.url = f"{partner.rest_base_url.rstrip('/')}/{buyer_lookup.SLUG}"
        self.session = partner_session(partner, timeout_seconds=timeout_seconds,
                                       headers={"Content-Type": "application/xml; charset=utf-8"})

    async def ask(self, payload: bytes, correlation_id: str) -> etree._Element:
        try:
            async with self.session.post(self.url, data=payload,
                                         headers={"X-Correlation-Id": correlation_id}) as response:
                body, status = await response.read(), response.status
        except aiohttp.ClientError as exc:
            raise DeliveryConnection(f"{type(exc).__name__}: {exc}") from exc
        if status != 200:
            raise DeliveryHttpStatus(status, f"HTTP {status}: {body[:300]!r}")
        return read_answer(body)

    async def close(self) -> None:
        await self.session.close()


class SoapLookup:
    """The SOAP gateway's zeep client and envelope template, with the reply read as a
    ``BuyerLookupReply`` instead of an acknowledgement."""

    def __init__(self, gateway: SoapGateway, template: SoapTemplate) -> None:
        self.gateway = gateway
        self.template = template

    @classmethod
    async def build(cls, partner: PartnerSettings, *, timeout_seconds: float) -> SoapLookup:
        """The gateway opens its HTTP session before zeep reads the WSDL's operation: when
        the operation cannot be built, that session is closed here, not left to leak."""
        gateway = SoapGateway(partner, timeout_seconds=timeout_seconds)
        try:
            return cls(gateway, gateway.template(LOOKUP))
        except BaseException:
            await gateway.close()
            raise

    async def ask(self, payload: bytes, correlation_id: str) -> etree._Element:
        gateway, template = self.gateway, self.template
        try:
            response = await gateway.transport.post_bytes(gateway.address, template.envelope(payload),
                                                          template.headers)
        except aiohttp.ClientError as exc:
            raise DeliveryConnection(f"{type(exc).__name__}: {exc}") from exc
        status, content = response.status_code, response.content
        try:
            reply = read_answer(content)
        except DeliveryMalformedAnswer:
            if status != 200:
                raise DeliveryHttpStatus(status, f"HTTP {status}: {content[:300]!r}") from None
            raise
        body = reply.find(f"{{{gateway.envelope_ns}}}Body")
        if body is not None and body.find(f"{{{gateway.envelope_ns}}}Fault") is not None:
            raise gateway._fault(reply, template)
        if status != 200 or body is None or len(body) != 1:
            raise DeliveryHttpStatus(status, f"HTTP {status}, not one reply: {content[:300]!r}")
        return body[0]

    async def close(self) -> None:
        await self.gateway.close()


def _retryable(error: BaseException) -> bool:
    return isinstance(error, TimeoutError) or (isinstance(error, DeliveryFailed) and error.retryable)


class InsurerBuyerDirectory:
    """:class:`BuyerDirectory` over the insurer's configured channel, within one time budget."""

    def __init__(self, settings: Settings) -> None:
        self.partner = settings.insurer
        self.hub_code = settings.hub_party_code
        self.rules: BuyerLookupSettings = settings.buyer_lookup
        self._channel: LookupChannel | None = None

    async def start(self) -> None:
        """Build the channel (zeep reads the WSDL here, not inside a person's time budget)."""
        if self._channel is not None:
            return
        timeout = self.rules.timeout_seconds
        try:
            self._channel = (await SoapLookup.build(self.partner, timeout_seconds=timeout)
                             if self.partner.channel == "soap"
                             else RestLookup(self.partner, timeout_seconds=timeout))
        except DeliveryFailed as failure:  # e.g. a WSDL without LookupBuyers: searches answer 503
            log.warning("buyer lookup channel not built: %s", failure.detail)

    async def lookup(self, query: BuyerQuery) -> LookupReply:
        await self.start()
        if self._channel is None:
            raise self._unavailable(f"no {self.partner.channel} channel for the buyer lookup")
        envelope = Envelope.new(buyer_lookup.MESSAGE_TYPE, business_serial=f"BL-{new_id()}",
                                sender=self.hub_code, receiver=self.partner.code)
        payload = buyer_lookup.to_xml(LookupRequest(query, utcnow()), envelope)
        schemas.validate(parse_trusted(payload), buyer_lookup.XSD)
        try:
            async with asyncio.timeout(self.rules.timeout_seconds):
                return await self._tries(payload, envelope)
        except TimeoutError:
            raise self._unavailable(f"no answer within {self.rules.timeout_seconds} s") from None
        except DeliveryFailed as failure:
            raise self._unavailable(f"{failure.code}: {failure.detail}") from failure

    async def _tries(self, payload: bytes, envelope: Envelope) -> LookupReply:
        """Each try gets its share of the time left, so a slow first try leaves room for one more."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.rules.timeout_seconds
        attempts = self.rules.attempts
        retrying = AsyncRetrying(stop=stop_after_attempt(attempts), wait=wait_fixed(RETRY_PAUSE_SECONDS),
                                 retry=retry_if_exception(_retryable), reraise=True)
        assert self._channel is not None
        async for attempt in retrying:
            with attempt:
                left = attempts - attempt.retry_state.attempt_number + 1
                async with asyncio.timeout(max(deadline - loop.time(), 0) / left):
                    element = await self._channel.ask(payload, envelope.correlation_id)
                return self._reply(element, envelope)
        raise AssertionError("tenacity either returns or re-raises")  # pragma: no cover

    def _reply(self, element: etree._Element, request: Envelope) -> LookupReply:
        try:
            schemas.validate(element, buyer_lookup_reply.XSD)
            reply, envelope = buyer_lookup_reply.from_element(element), read_envelope(element)
        except (SchemaViolation, KeyError, ValueError) as exc:
            raise DeliveryMalformedAnswer(f"unreadable lookup reply: {exc}") from exc
        if reply.ref_message_id != request.message_id or envelope.sender != self.partner.code:
            raise DeliveryMalformedAnswer(f"a reply to {reply.ref_message_id} from {envelope.sender}, "
                                          f"not to {request.message_id} from {self.partner.code}")
        return reply

    def _unavailable(self, detail: str) -> BuyerLookupUnavailable:
        log.warning("buyer lookup unavailable: %s", detail)
        return BuyerLookupUnavailable(detail)

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None


def build_buyer_directory(settings: Settings) -> tuple[InsurerBuyerDirectory, BuyerDirectory]:
    """The insurer's directory, and the cached one the portal asks (same object underneath)."""
    insurer = InsurerBuyerDirectory(settings)
    rules = settings.buyer_lookup
    return insurer, CachedDirectory(insurer, ttl_seconds=rules.cache_seconds,
                                    max_entries=rules.cache_entries)
