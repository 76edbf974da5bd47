"""Portal tokens: a signed JWT from the Single Window's login naming enterprise, user and card.

Every portal route but the public code lists needs one; the request then carries the
:class:`Identity` and every query is scoped by its enterprise.
"""

from __future__ import annotations

import time
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


def verify(token: str, settings: IdentitySettings) -> tuple[Identity, float]:
    """The token's identity and its ``exp`` (seconds since the epoch), every claim checked
    for its type and cleaned like any text field; a token that fails any check is a 401,
    never an error."""
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
        identity = Identity(enterprise_name=_text(enterprise["name"]),
                            uscc=str(Uscc.parse(_text(enterprise["uscc"]))),
                            org_code=str(OrganizationCode.parse(org_code)) if org_code else "",
                            user_id=_text(claims["sub"]),
                            user_name=_text(claims.get("name", claims["sub"])),
                            card_type=CardType(_text(claims["card"])))
        return identity, float(claims["exp"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError, InvalidValue) as exc:
        raise NotAuthenticated(f"token refused: {type(exc).__name__}: {exc}") from None


def decode(token: str, settings: IdentitySettings) -> Identity:
    """The identity alone, for a caller that holds no :class:`VerifiedTokens`."""
    return verify(token, settings)[0]


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


class VerifiedTokens:
    """Tokens this process has verified, each with its identity, until its ``exp``.

    A portal session sends the same token with every request; its signature and claims
    give the same identity each time (the key is fixed for the process), so only the
    expiry has to be checked again. Verifying costs more than the rest of a cached read
    (PyJWT's base64 checks, the signature, each claim cleaned); a token that failed is not
    kept, so it is refused afresh each time. Bounded: the oldest entry leaves first.
    """

    def __init__(self, settings: IdentitySettings, capacity: int = 10_000) -> None:
        self.settings = settings
        self.capacity = capacity
        self._held: dict[str, tuple[Identity, float]] = {}

    def identity(self, token: str) -> Identity:
        now = time.time()
        held = self._held.get(token)
        if held is not None and now < held[1] + LEEWAY_SECONDS:
            return held[0]
        self._held.pop(token, None)
        found, expires = verify(token, self.settings)
        if len(self._held) >= self.capacity:
            del self._held[next(iter(self._held))]
        self._held[token] = (found, expires)
        return found


def identity_middleware(settings: IdentitySettings) -> Middleware:
    verified = VerifiedTokens(settings)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if path.startswith(PORTAL_PREFIX) and not path.startswith(PUBLIC_PREFIXES) \
                and request.method != "OPTIONS":
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise NotAuthenticated("no bearer token")
            request[IDENTITY] = verified.identity(token)
        return await handler(request)
    return middleware


def identity_of(request: web.Request) -> Identity:
    return request[IDENTITY]
