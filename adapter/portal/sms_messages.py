"""The built-in SMS fake's outbox, for operators of the demo and for tests (I-4).

Only the fake keeps what it sent; with a real gateway this route is not served at all, so
no code is ever readable outside the phone it went to.
"""

from __future__ import annotations

from aiohttp import web

from adapter.config import Settings
from adapter.portal.json import respond
from adapter.portal.operator_auth import operator_guard
from adapter.ports.sms import DemoSmsGateway


def routes(sms: DemoSmsGateway, settings: Settings) -> list[web.RouteDef]:
    guard = operator_guard(settings.operator_token.get_secret_value())

    async def messages(request: web.Request) -> web.Response:
        guard(request)
        mobile = request.query.get("mobile") or None
        return respond({"items": [{"mobile": m.mobile, "text": m.text, "sent_at": m.sent_at}
                                  for m in reversed(sms.messages(mobile))][:50]})

    return [web.get("/ops/v1/sms-messages", messages)]
