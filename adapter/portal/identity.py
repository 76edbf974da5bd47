"""Portal tokens: a signed JWT from the Single Window's login naming enterprise, user and card.

Every portal route but the public code lists needs one; the request then carries the
:class:`Identity` and every query is scoped by its enterprise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import jwt
from aiohttp import web
from aiohttp.typedefs import Middleware

from adapter.config import IdentitySettings
from adapter.domain.errors import InvalidValue, NotAuthenticated
from adapter.domain.exchange import utcnow
from adapter.domain.identifiers import OrganizationCode, Uscc
from adapter.domain.identity import CardType, Identity
from adapter.domain.text import clean_text

IDENTITY: web.RequestKey[Identity] = web.RequestKey("identity", Identity)
PORTAL_PREFIX = "/portal/v1/"
# The zones, their texts and the login redirect are read before anyone logs in (P-1/P-2).
PUBLIC_PREFIXES = ("/portal/v1/code-lists", "/portal/v1/content", "/portal/v1/zones",
                   "/portal/v1/login", "/portal/v1/public")


# Clocks of the login service and the hub differ a little; a token lives a working day at most.
LEEWAY_SECONDS = 30
MAX_LIFETIME_SECONDS = 24 * 3600


def decode(token: str, settings: IdentitySettings) -> Identity:
    """The token's identity, every claim checked for its type and cleaned like any text
    field; a token that fails any check is a 401, never an error."""
    try:
        claims = jwt.decode(token, settings.jwt_key.get_secret_value(),
                            algorithms=[settings.jwt_algorithm], audience=settings.audience,
                            issuer=settings.issuer, leeway=LEEWAY_SECONDS,
                            options={"require": ["exp", "iat", "sub", "ent", "card"]})
        if claims["exp"] - claims["iat"] > MAX_LIFETIME_SECONDS:
            raise ValueError("token lives longer than a day")
        enterprise = claims["ent"]
        if not isinstance(enterprise, dict):
            raise TypeError("ent is not an object")
        org_code = _text(enterprise["org_code"]) if enterprise.get("org_code") else ""
        return Identity(enterprise_name=_text(enterprise["name"]),
                        uscc=str(Uscc.parse(_text(enterprise["uscc"]))),
                        org_code=str(OrganizationCode.parse(org_code)) if org_code else "",
                        user_id=_text(claims["sub"]),
                        user_name=_text(claims.get("name", claims["sub"])),
                        card_type=CardType(_text(claims["card"])))
    except (jwt.PyJWTError, KeyError, TypeError, ValueError, InvalidValue) as exc:
        raise NotAuthenticated(f"token refused: {type(exc).__name__}: {exc}") from None


def _text(value: object) -> str:
    """A claim that must be a non-empty string, cleaned as every text field is."""
    if not isinstance(value, str):
        raise TypeError(f"claim is {type(value).__name__}, not a string")
    cleaned = clean_text(value)
    if not cleaned or len(cleaned) > 200:
        raise ValueError("claim is empty or too long")
    return cleaned


def issue(settings: IdentitySettings, *, enterprise_name: str, uscc: str, org_code: str,
          user_id: str, user_name: str, card_type: CardType, hours: int | None = None) -> str:
    """What the Single Window's login does; the demo and the tests use it for their users."""
    now = utcnow()
    claims = {
        "iss": settings.issuer, "aud": settings.audience, "sub": user_id, "name": user_name,
        "iat": now, "exp": now + timedelta(hours=hours or settings.demo_token_hours),
        "card": card_type.value,
        "ent": {"name": enterprise_name, "uscc": uscc, "org_code": org_code},
    }
    return jwt.encode(claims, settings.jwt_key.get_secret_value(), algorithm=settings.jwt_algorithm)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def identity_middleware(settings: IdentitySettings) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if path.startswith(PORTAL_PREFIX) and not path.startswith(PUBLIC_PREFIXES) \
                and request.method != "OPTIONS":
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise NotAuthenticated("no bearer token")
            request[IDENTITY] = decode(token, settings)
        return await handler(request)
    return middleware


def identity_of(request: web.Request) -> Identity:
    return request[IDENTITY]
