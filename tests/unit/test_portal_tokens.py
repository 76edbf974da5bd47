"""Portal tokens verified once per process and held until they expire: the same token is
the same identity without its signature checked again, an expired one is refused however
often it was accepted, and a refused one is never held."""

from __future__ import annotations

from datetime import datetime

import jwt
import jwt.api_jwt
import pytest

from adapter.config import IdentitySettings
from adapter.domain.errors import NotAuthenticated
from adapter.domain.identity import CardType
from adapter.portal import identity
from adapter.portal.identity import LEEWAY_SECONDS, VerifiedTokens, issue

SETTINGS = IdentitySettings()


def token(user: str = "U-1", hours: int = 1, settings: IdentitySettings = SETTINGS) -> str:
    return issue(settings, enterprise_name="厦门示范进出口贸易有限公司", uscc="91350100M000100Y43",
                 org_code="", user_id=user, user_name="陈法人", card_type=CardType.LEGAL_PERSON,
                 hours=hours)


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every signature check the cache lets through."""
    seen: list[str] = []
    real = identity.verify

    def counted(raw: str, settings: IdentitySettings):  # type: ignore[no-untyped-def]
        seen.append(raw)
        return real(raw, settings)

    monkeypatch.setattr(identity, "verify", counted)
    return seen


def test_a_token_is_verified_once_and_gives_the_same_identity(verifications) -> None:
    tokens = VerifiedTokens(SETTINGS)
    raw = token()
    first, again = tokens.identity(raw), tokens.identity(raw)
    assert first == again and first.user_id == "U-1" and first.card_type is CardType.LEGAL_PERSON
    assert verifications == [raw]


def test_an_expired_token_is_refused_though_it_was_held(verifications, monkeypatch) -> None:
    tokens = VerifiedTokens(SETTINGS)
    raw = token(hours=1)
    tokens.identity(raw)
    later = identity.time.time() + 3600 + LEEWAY_SECONDS + 1

    class Later(datetime):  # the clock PyJWT reads
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return datetime.fromtimestamp(later, tz)

    monkeypatch.setattr(identity.time, "time", lambda: later)
    monkeypatch.setattr(jwt.api_jwt, "datetime", Later)
    with pytest.raises(NotAuthenticated):
        tokens.identity(raw)
    with pytest.raises(NotAuthenticated):
        tokens.identity(raw)
    assert len(verifications) == 3


def test_a_refused_token_is_never_held(verifications) -> None:
    tokens = VerifiedTokens(SETTINGS)
    forged = token(settings=IdentitySettings(jwt_key="another-key-of-an-attacker-0123456789"))
    tampered = token()[:-2] + ("AA" if not token().endswith("AA") else "BB")
    for raw in (forged, tampered, forged):
        with pytest.raises(NotAuthenticated):
            tokens.identity(raw)
    assert verifications == [forged, tampered, forged]


def test_the_held_tokens_are_bounded(verifications) -> None:
    tokens = VerifiedTokens(SETTINGS, capacity=3)
    raws = [token(user=f"U-{n}") for n in range(5)]
    for raw in raws:
        tokens.identity(raw)
    tokens.identity(raws[-1])   # held
    tokens.identity(raws[0])    # the oldest left: verified again
    assert verifications == [*raws, raws[0]]
