"""Portal routes for 买方信息 (§四 4.1, C-3): search the insurer's buyer list (【放大镜】),
list the enterprise's own buyers, and 新建买家信息 (X-OUT-8 create).

The search asks the insurer while the user waits (``service_layer.buyers``): a 503
``E-BUYER-LOOKUP-UNAVAILABLE`` within the lookup's time budget when it does not answer.
A new buyer is answered 202 at once: its registration waits in the outbox while the
insurer is away, and the buyer is 登记中 until the insurer's code comes back.

Register these routes before the claim routes: ``/portal/v1/claims/buyers`` must not be
read as a claim number.
"""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import Field, WithJsonSchema

from adapter.domain.buyer import (
    Buyer,
    BuyerLookupUnavailable,
    DirectoryBuyer,
    buyer_code,
    english_text,
)
from adapter.portal.context import Portal
from adapter.portal.fields import CountryCode
from adapter.portal.identity import identity_of
from adapter.portal.json import respond
from adapter.portal.requests import Command, parse_body, parse_data, rule
from adapter.rendering.times import beijing
from adapter.service_layer import buyers
from adapter.service_layer.declaration_check import country_name

PREFIX = "/portal/v1/claims/buyers"
_PRINTABLE = "^[A-Za-z0-9][ -~]*$"

BuyerCode = Annotated[str, rule(buyer_code),
                      WithJsonSchema({"type": "string", "description": "买方代码",
                                      "pattern": "^[A-Za-z0-9][A-Za-z0-9-]{2,31}$"})]
English = Annotated[str, Field(min_length=1, max_length=200), rule(english_text),
                    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 200,
                                    "pattern": _PRINTABLE, "description": "英文（可打印ASCII）"})]


class BuyerSearch(Command):
    """【放大镜】: 买方代码, or part of 买方英文名称 (at least one)."""

    code: BuyerCode | None = None
    name: English | None = None


class NewBuyerForm(Command):
    """新建买家信息: every field is required (红色星号), in English as the insurer keeps them."""

    english_name: English
    country: CountryCode
    address: English


def entry_view(entry: DirectoryBuyer) -> dict[str, Any]:
    """One row of the insurer's list, as the dialog returns it into 买方代码 / 买方英文名称."""
    return {"code": entry.code, "english_name": entry.english_name, "country": entry.country,
            "country_name": country_name(entry.country), "address": entry.address}


def buyer_view(buyer: Buyer) -> dict[str, Any]:
    return {"reference": buyer.reference, "code": buyer.code,
            "registration_serial": buyer.registration_serial, "status": buyer.status.value,
            "english_name": buyer.english_name, "country": buyer.country,
            "country_name": country_name(buyer.country), "address": buyer.address,
            "at": buyer.at, "at_beijing": beijing(buyer.at)}


def routes(portal: Portal) -> list[web.RouteDef]:
    uows = portal.uows

    def directory() -> buyers.BuyerDirectory:
        if portal.buyers is None:
            raise BuyerLookupUnavailable("no buyer directory configured")
        return portal.buyers

    async def search(request: web.Request) -> web.Response:
        identity = identity_of(request)
        query = parse_data(dict(request.query), BuyerSearch, prefix="$query")
        reply = await buyers.search(directory(), identity, code=query.code, name=query.name)
        return respond({"total": reply.total, "items": [entry_view(e) for e in reply.buyers]})

    async def own(request: web.Request) -> web.Response:
        found = await buyers.buyers_of(uows, directory(), identity_of(request))
        return respond({"items": [buyer_view(b) for b in found]})

    async def create(request: web.Request) -> web.Response:
        """【保存】: 202 with the buyer 登记中; the registration is delivered by the outbox."""
        identity = identity_of(request)
        form = await parse_body(request, NewBuyerForm)
        typed = buyers.NewBuyer(form.english_name, str(form.country), form.address)
        buyer = await buyers.register(uows, identity, typed, portal.parties)
        portal.wake()
        return respond({**buyer_view(buyer), "message": "保存成功"}, status=202)

    return [
        web.get(PREFIX, search),
        web.post(PREFIX, create),
        web.get(PREFIX + "/own", own),
    ]
