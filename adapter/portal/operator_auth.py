"""The operator's bearer token, checked the same way on every ``/ops/v1`` route."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from adapter.domain.credentials import same_secret
from adapter.portal.errors import OperatorAuthRequired


def operator_guard(token: str) -> Callable[[web.Request], None]:
    """Raises 401 ``E-OPERATOR-AUTH`` unless the request bears ``token``."""
    def guard(request: web.Request) -> None:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not same_secret(presented.strip(), token):
            raise OperatorAuthRequired("operator credential", path="Authorization")
    return guard
