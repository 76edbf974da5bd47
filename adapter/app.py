"""The application factory: reads config, builds every part, wires them, starts nothing early.

Things that live as long as the app (the database engine, the outbox dispatcher and its
gateway) start and stop through ``cleanup_ctx``; nothing connects at import time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import suppress

from aiohttp import web

from adapter.config import Settings
from adapter.demo import DEMO_CARDS, DEMO_ENTERPRISE_NAMES
from adapter.domain.errors import HubUnavailable
from adapter.inbound import attachment_fetch, rest, soap
from adapter.inbound.handlers import bound as bound_handlers
from adapter.inbound.receiver import Receiver
from adapter.metrics import HubMetrics, PoolUse
from adapter.observability import correlation_middleware
from adapter.outbound.buyer_lookup import InsurerBuyerDirectory, build_buyer_directory
from adapter.outbound.dispatcher import Dispatcher
from adapter.outbound.gateways import build_gateway
from adapter.persistence.database import Database
from adapter.persistence.unit_of_work import SqlUnitsOfWork
from adapter.portal import (
    agreements,
    authorization,
    codelists,
    health,
    inquiries,
    login_redirect,
    message_board,
    openapi,
    operator,
    scrape,
)
from adapter.portal import buyers as buyer_routes
from adapter.portal import claim_attachments as claim_attachment_routes
from adapter.portal import claims as claim_routes
from adapter.portal import content as portal_content
from adapter.portal import home as portal_home
from adapter.portal import risk as risk_routes
from adapter.portal.context import Portal
from adapter.portal.cors import cors_middleware
from adapter.portal.demo_login import routes as demo_login_routes
from adapter.portal.errors import error_middleware
from adapter.portal.identity import identity_middleware
from adapter.portal.insurance import Insurance
from adapter.portal.insurance import routes as insurance_routes
from adapter.portal.request_guard import request_guard
from adapter.portal.requests import PORTAL_BODY_LIMIT
from adapter.portal.security_headers import add_security_headers
from adapter.portal.sms_messages import routes as sms_message_routes
from adapter.portal.ui_files import ui_middleware
from adapter.ports import chosen
from adapter.ports.attachments import AttachmentStore, FolderAttachmentStore
from adapter.ports.customs import CustomsData, DemoCustomsData
from adapter.ports.seals import DemoSealRegistry, SealRegistry
from adapter.ports.sms import DemoSmsGateway, SmsGateway
from adapter.service_layer.insurance import SmsPolicy
from adapter.service_layer.operations import prune_deduplication
from adapter.service_layer.parties import Parties
from adapter.service_layer.receiving import Receiving, Reception, Request
from adapter.serving import body_deadline_middleware, server_options
from adapter.throttle import Throttle, failed_authentication_middleware, portal_writes_middleware

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
UNITS = web.AppKey("units_of_work", SqlUnitsOfWork)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
SEALS = web.AppKey("seals", SealRegistry)
ATTACHMENTS = web.AppKey("attachments", AttachmentStore)
SMS = web.AppKey("sms", SmsGateway)
THROTTLE = web.AppKey("throttle", Throttle)
METRICS = web.AppKey("metrics", HubMetrics)
BUYER_DIRECTORY = web.AppKey("buyer_directory", InsurerBuyerDirectory)
# How long an oversized, refused body is still drained before the connection is dropped.
LINGER_SECONDS = 0.5
HOUSEKEEPING_SECONDS = 3600.0


def dispatcher_mode(settings: Settings) -> str:
    if not settings.dispatcher.enabled:
        return "external"
    return "in-process (single, SQLite)" if settings.is_sqlite else "in-process (shared outbox)"


def build_ports(settings: Settings) -> tuple[SealRegistry, CustomsData]:
    """The outside systems the hub reads, as config names them; the default: built-in fakes."""
    seals: SealRegistry = chosen(settings.ports.seals,
                                 lambda: DemoSealRegistry(DEMO_ENTERPRISE_NAMES), settings)
    customs: CustomsData = chosen(settings.ports.customs, DemoCustomsData, settings)
    return seals, customs


def build_attachment_store(settings: Settings) -> AttachmentStore:
    """Claims' uploads and risk articles' files: a folder by default, or a deployment's store."""
    return chosen(settings.ports.attachments,
                  lambda: FolderAttachmentStore(settings.ports.attachments_dir), settings)


def create_app(settings: Settings, *, db: Database | None = None,
               ports: tuple[SealRegistry, CustomsData] | None = None) -> web.Application:
    """Build the hub. Tests pass their own ``db`` so they can look inside the same database."""
    database = db or Database(settings.database_url, pool_size=settings.database_pool_size,
                              reads_in_flight=settings.database_reads_in_flight,
                              timeouts=settings.database_timeouts)
    throttle = Throttle(settings.rate_limits)
    app = web.Application(middlewares=[correlation_middleware, cors_middleware(settings.cors_origins),
                                       failed_authentication_middleware(throttle),
                                       error_middleware,
                                       body_deadline_middleware(settings.http),
                                       request_guard, identity_middleware(settings.identity),
                                       portal_writes_middleware(throttle)],
                          client_max_size=settings.limits.max_document_bytes + 1024,
                          handler_args=server_options(settings, lingering_seconds=LINGER_SECONDS))
    app[SETTINGS] = settings
    app[THROTTLE] = throttle
    metrics = app[METRICS] = HubMetrics()
    app.middlewares.append(metrics.ack_middleware())
    app.middlewares.append(ui_middleware())  # innermost: what no route answers may be the UI's
    app.on_response_prepare.append(add_security_headers)
    app[PORTAL_BODY_LIMIT] = settings.limits.portal_max_body_bytes
    app[DATABASE] = database
    uows = app[UNITS] = SqlUnitsOfWork(database)
    attachments = app[ATTACHMENTS] = build_attachment_store(settings)
    receiving = Receiving(uows, bound_handlers(attachments), hub_code=settings.hub_party_code,
                          deadline=settings.database_timeouts.inbound_deadline_seconds)
    def observe(request: Request, reception: Reception) -> None:
        """Every inbound answer counted by type, channel and outcome."""
        outcome = ("unavailable" if isinstance(reception.error, HubUnavailable)
                   else reception.ack.status.value.lower())
        app[METRICS].record_document(message_type=reception.ack.ref_message_type,
                                     channel=request.channel, outcome=outcome)

    receiver = Receiver(receiving, hub_code=settings.hub_party_code,
                        max_bytes=settings.limits.max_document_bytes, observe=observe)
    app.add_routes(rest.routes(receiver, settings))
    app.add_routes(soap.routes(receiver, settings))
    app.add_routes(attachment_fetch.routes(uows, attachments, settings))
    seals, customs = ports or build_ports(settings)
    app[SEALS] = seals

    def wake() -> None:
        """After a commit that queued a message: the in-process dispatcher sends it now."""
        dispatcher = app.get(DISPATCHER)
        if dispatcher is not None:
            dispatcher.wake()

    app[BUYER_DIRECTORY], buyer_directory = build_buyer_directory(settings)
    portal = Portal(uows, Parties(settings.hub_party_code, settings.insurer.code), seals, customs,
                    wake, buyers=buyer_directory)
    app.add_routes(operator.routes(uows, settings, wake))
    app.add_routes(agreements.routes(portal))
    app.add_routes(authorization.routes(portal))
    sms = app[SMS] = chosen(settings.sms.gateway, DemoSmsGateway, settings)
    code_rules = SmsPolicy(settings.sms.code_key.get_secret_value().encode(),
                           settings.sms.codes_per_enterprise_per_hour)
    app.add_routes(insurance_routes(Insurance(portal, sms, code_rules)))
    app.add_routes(inquiries.routes(portal))
    app.add_routes(risk_routes.routes(portal, attachments, settings.credit_service_url))
    app.add_routes(claim_attachment_routes.routes(portal, attachments))
    app.add_routes(buyer_routes.routes(portal))  # before the claim routes: "buyers" is no claim_no
    app.add_routes(claim_routes.routes(portal, public_base_url=settings.public_base_url))
    app.add_routes(portal_home.routes(portal, settings))
    app.add_routes(message_board.routes(portal))
    app.add_routes(message_board.operator_routes(portal, settings))
    app.add_routes(portal_content.routes(settings, uows))
    app.add_routes(login_redirect.routes(settings))
    if isinstance(sms, DemoSmsGateway):
        app.add_routes(sms_message_routes(sms, settings))
    app.add_routes(health.routes(uows, database=database.dialect,
                                 dispatcher_mode=dispatcher_mode(settings), ping=database.ping,
                                 partners=[settings.insurer.code]))
    app.add_routes(scrape.routes(uows, settings, metrics,
                                 lambda: PoolUse(*database.pool_use())))
    app.add_routes(openapi.routes())
    app.add_routes(codelists.routes())
    if settings.demo:  # the demo's stand-in for the Single Window login, never in a deployment
        app.add_routes(demo_login_routes(settings.identity, DEMO_CARDS))
    if db is None:
        app.cleanup_ctx.append(_database_lifetime)
    if settings.dispatcher.enabled:
        app.cleanup_ctx.append(_dispatcher_lifetime)
    app.cleanup_ctx.append(_housekeeping_lifetime)
    app.cleanup_ctx.append(_throttle_lifetime)
    app.cleanup_ctx.append(_buyer_directory_lifetime)
    return app


async def _buyer_directory_lifetime(app: web.Application) -> AsyncIterator[None]:
    """The lookup's channel is built at start-up (zeep reads the WSDL), closed at shutdown."""
    directory = app[BUYER_DIRECTORY]
    await directory.start()
    yield
    await directory.close()


async def _throttle_lifetime(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[THROTTLE].close()


async def _database_lifetime(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[DATABASE].dispose()


async def _dispatcher_lifetime(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    gateway = build_gateway(settings)
    dispatcher = Dispatcher(app[UNITS], gateway, settings, database=app[DATABASE].dialect,
                            metrics=app[METRICS])
    app[DISPATCHER] = dispatcher
    log.info("outbox dispatcher: %s", dispatcher_mode(settings))
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    yield
    stop.set()
    await task
    await gateway.close()


async def _housekeeping_lifetime(app: web.Application) -> AsyncIterator[None]:
    """Forget inbound deduplication keys once the partner can no longer retry them."""
    settings, uows = app[SETTINGS], app[UNITS]

    async def loop() -> None:
        while True:
            await asyncio.sleep(HOUSEKEEPING_SECONDS)
            try:
                pruned = await prune_deduplication(uows, days=settings.duplicate_retention_days)
                if pruned:
                    log.info("pruned %d deduplication keys", pruned)
            except Exception:  # housekeeping retries next round
                log.exception("housekeeping failed")

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
