"""Each input that once answered 500 now gets its coded refusal (portal and operator API)."""

from __future__ import annotations

import base64
import time

import aiohttp
import jwt
import pytest

from tests.harness import OPERATOR, hub_settings, portal_token, running_hub


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


CASES = [
    ("GET", "/portal/v1/agreements?cursor=" + _cursor(b"0001-01-01T00:00:00+01:00|x"), None, 422,
     "E-CURSOR-INVALID"),
    ("GET", "/portal/v1/agreements?cursor=" + _cursor(b"9999-12-31T23:59:59-01:00|x"), None, 422,
     "E-CURSOR-INVALID"),
    ("GET", "/portal/v1/agreements?cursor=" + _cursor(b"2026-01-01T00:00:00+00:00|a\x00b"), None,
     422, "E-CURSOR-INVALID"),
    ("GET", "/portal/v1/agreements/a%00b", None, 404, "E-REQUEST-CONTROL-CHAR"),
    ("GET", "/portal/v1/agreements/a%00b/pdf", None, 404, "E-REQUEST-CONTROL-CHAR"),
    ("GET", "/portal/v1/agreements?status=%00", None, 422, "E-REQUEST-CONTROL-CHAR"),
    ("POST", "/portal/v1/data-authorization", b"[" * 100_000, 413, "E-BODY-TOO-LARGE"),
    ("POST", "/portal/v1/data-authorization", b"[" * 5_000, 422, "E-JSON-MALFORMED"),
    ("POST", "/portal/v1/data-authorization", b'{"a":' * 5_000, 422, "E-JSON-MALFORMED"),
    ("POST", "/portal/v1/data-authorization", b'{"x": ' + b"9" * 5_000 + b"}", 422,
     "E-JSON-MALFORMED"),
    ("POST", "/portal/v1/data-authorization", b"[" * 40 + b"]" * 40, 422, "E-JSON-MALFORMED"),
    ("GET", "/ops/v1/inbox?limit=%C2%B2", OPERATOR, 422, "E-QUERY-INTEGER"),
    ("GET", "/ops/v1/dead-letters/99999999999999999999", OPERATOR, 404, "E-DEAD-LETTER-UNKNOWN"),
    ("POST", "/ops/v1/dead-letters/99999999999999999999/replay", OPERATOR, 404,
     "E-DEAD-LETTER-UNKNOWN"),
]


@pytest.mark.parametrize(("method", "path", "extra", "status", "code"), CASES)
async def test_bad_input_is_refused_with_its_code(db_url, db, method, path, extra, status,
                                                  code) -> None:
    settings = hub_settings(db_url, dispatcher=False)
    headers = dict(extra) if isinstance(extra, dict) else portal_token(settings)
    body = extra if isinstance(extra, bytes) else None
    if body is not None:
        headers["Content-Type"] = "application/json"
    async with running_hub(db, settings) as hub, aiohttp.ClientSession() as session, \
            session.request(method, hub.base_url + path, data=body, headers=headers) as r:
        assert r.status == status, await r.text()
        assert (await r.json())["errors"][0]["code"] == code


async def test_a_body_with_thousands_of_unknown_keys_lists_a_few_and_counts_the_rest(
        db_url, db) -> None:
    settings = hub_settings(db_url, dispatcher=False)
    body = "{" + ",".join(f'"k{i}": 1' for i in range(5000)) + "}"
    async with running_hub(db, settings) as hub, aiohttp.ClientSession() as session, \
            session.post(f"{hub.base_url}/portal/v1/data-authorization", data=body,
                            headers={**portal_token(settings),
                                     "Content-Type": "application/json"}) as r:
        assert r.status == 422
        answer = await r.json()
    assert len(answer["errors"]) == 20
    assert answer["errors_not_listed"] > 4900


@pytest.mark.parametrize("ent", ["a string", ["a", "list"], 5,
                                 {"name": "a\x01b", "uscc": "91350100M000100Y43"},
                                 {"name": 7, "uscc": "91350100M000100Y43"}])
async def test_a_validly_signed_token_with_malformed_claims_is_401(db_url, db, ent) -> None:
    settings = hub_settings(db_url, dispatcher=False)
    now = int(time.time())
    token = jwt.encode({"iss": settings.identity.issuer, "aud": settings.identity.audience,
                        "iat": now, "exp": now + 600, "sub": "U1", "name": "张三",
                        "card": "legal_person", "ent": ent},
                       settings.identity.jwt_key.get_secret_value(), algorithm="HS256")
    async with running_hub(db, settings) as hub, aiohttp.ClientSession() as session:
        for method, path in (("GET", "/portal/v1/me"), ("POST", "/portal/v1/agreements")):
            async with session.request(method, hub.base_url + path, json={"seal_id": "x", "agree": True},
                                       headers={"Authorization": f"Bearer {token}"}) as r:
                assert r.status == 401


async def test_tokens_living_longer_than_a_day_are_refused_and_small_skew_is_forgiven(
        db_url, db) -> None:
    settings = hub_settings(db_url, dispatcher=False)
    now = int(time.time())
    claims = {"iss": settings.identity.issuer, "aud": settings.identity.audience, "sub": "U1",
              "name": "张三", "card": "legal_person",
              "ent": {"name": "厦门示范进出口贸易有限公司", "uscc": "91350100M000100Y43"}}
    key = settings.identity.jwt_key.get_secret_value()
    forever = jwt.encode({**claims, "iat": now, "exp": now + 30 * 86400}, key, algorithm="HS256")
    skewed = jwt.encode({**claims, "iat": now + 10, "exp": now - 10 + 3600}, key, algorithm="HS256")
    just_expired = jwt.encode({**claims, "iat": now - 3600, "exp": now - 10}, key, algorithm="HS256")
    async with running_hub(db, settings) as hub, aiohttp.ClientSession() as session:
        for token, status in ((forever, 401), (skewed, 200), (just_expired, 200)):
            async with session.get(f"{hub.base_url}/portal/v1/me",
                                   headers={"Authorization": f"Bearer {token}"}) as r:
                assert r.status == status, (status, await r.text())
