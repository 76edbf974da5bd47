"""The demo's stand-in for the Single Window's login: pick a demo card, get its token.

A real deployment takes the token from the Single Window's own login; this exists only in
demo mode (``sw-hub demo`` or ``HUB_DEMO=true``), where the signing key is the published
demo key anyway, so it gives away nothing a demo does not already publish. It sits under
``/demo/v1``, outside the portal's bearer-guarded prefix, because whoever calls it has no
token yet, and outside the OpenAPI document, because no deployment serves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from pydantic import Field

from adapter.config import IdentitySettings
from adapter.domain.agreement import Enterprise
from adapter.domain.exchange import utcnow
from adapter.domain.identity import CardType
from adapter.portal.errors import FieldChoice
from adapter.portal.identity import issue
from adapter.portal.json import respond
from adapter.portal.requests import Command, parse_body

PREFIX = "/demo/v1"
_CARD_NAMES = {CardType.LEGAL_PERSON: "法人卡", CardType.OPERATOR: "操作员卡"}


@dataclass(frozen=True, slots=True)
class DemoCard:
    """One electronic-port card of a demo enterprise, and where its walk-through starts."""

    card_id: str
    enterprise: Enterprise
    card_type: CardType
    user_name: str
    note: str


class PickCard(Command):
    card_id: str = Field(min_length=1, max_length=20)


def routes(settings: IdentitySettings,
           demo_cards: Sequence[tuple[str, Enterprise, str, str, str]]) -> list[web.RouteDef]:
    """``demo_cards``: (card id, enterprise, card type, holder, note), as adapter/demo.py lists them."""
    cards = [DemoCard(card_id, enterprise, CardType(card), user, note)
             for card_id, enterprise, card, user, note in demo_cards]
    by_id = {card.card_id: card for card in cards}

    async def listing(_request: web.Request) -> web.Response:
        return _no_store(respond({"items": [_shown(card) for card in cards]}))

    async def token(request: web.Request) -> web.Response:
        picked = (await parse_body(request, PickCard)).card_id
        card = by_id.get(picked)
        if card is None:
            raise FieldChoice(f"no demo card {picked!r}", path="$.card_id", list_title="示范企业的卡")
        enterprise = card.enterprise
        minted = issue(settings, enterprise_name=enterprise.name, uscc=enterprise.uscc,
                       org_code=enterprise.org_code or "", user_id=f"{enterprise.uscc}-{card.card_id}",
                       user_name=card.user_name, card_type=card.card_type)
        expires = utcnow() + timedelta(hours=settings.demo_token_hours)
        return _no_store(respond({"token": minted, "token_type": "Bearer",
                                  "expires_at": expires.isoformat(), **_shown(card)}, status=201))

    return [web.get(PREFIX + "/enterprises", listing), web.post(PREFIX + "/token", token)]


def _shown(card: DemoCard) -> dict[str, str]:
    return {"card_id": card.card_id, "enterprise_name": card.enterprise.name,
            "uscc": card.enterprise.uscc, "card_type": card.card_type.value,
            "card_name": _CARD_NAMES[card.card_type], "user_name": card.user_name, "note": card.note}


def _no_store(response: web.Response) -> web.Response:
    response.headers["Cache-Control"] = "no-store"
    return response
