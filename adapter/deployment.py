"""What ``serve`` and ``dispatch`` check before they start: no published or empty secret.

The defaults run the demo, and the demo's secrets are printed in the README and in this
repository: a hub started on them accepts a portal token anyone can sign for any
enterprise, the operator API and the insurer's channels. Outside demo mode (``sw-hub
demo`` or ``HUB_DEMO=true``) the hub therefore refuses to start while any secret setting
still holds its published default or is empty, or while the HMAC key of portal tokens is
shorter than 32 bytes, and names each setting to change. Secrets are found by their type,
so a secret setting added later is checked without touching this module.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from pydantic import BaseModel, SecretStr

from adapter.config import Settings

log = logging.getLogger("adapter.deployment")
MIN_HMAC_KEY_BYTES = 32


class UnsafeSecrets(SystemExit):
    """Raised instead of starting: the message names every setting at fault."""


def _secrets(model: BaseModel, prefix: str) -> Iterator[tuple[str, str, str]]:
    """(environment variable, value, published default) of every secret under ``model``."""
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        variable = f"{prefix}{name.upper()}"
        if isinstance(value, SecretStr):
            default = field.get_default(call_default_factory=True)
            published = default.get_secret_value() if isinstance(default, SecretStr) else ""
            yield variable, value.get_secret_value(), published
        elif isinstance(value, BaseModel):
            yield from _secrets(value, variable + "__")


def unsafe_settings(settings: Settings) -> list[str]:
    """One sentence per secret setting that must change before the hub faces anyone."""
    problems = []
    for variable, value, published in _secrets(settings, "HUB_"):
        if not value.strip():
            problems.append(f"{variable} is empty")
        elif value == published:
            problems.append(f"{variable} is the published demo value")
    key = settings.identity.jwt_key.get_secret_value()
    if settings.identity.jwt_algorithm.startswith("HS") and \
            0 < len(key.encode()) < MIN_HMAC_KEY_BYTES:
        problems.append(f"HUB_IDENTITY__JWT_KEY is shorter than {MIN_HMAC_KEY_BYTES} bytes")
    return problems


def check_before_start(settings: Settings) -> None:
    """Refuse to start on unsafe secrets, unless in demo mode, which says so in one line."""
    problems = unsafe_settings(settings)
    if settings.demo:
        log.warning("demo mode: published demo secrets are accepted%s; never expose this hub",
                    f" ({', '.join(p.split(' ')[0] for p in problems)})" if problems else "")
        return
    if problems:
        raise UnsafeSecrets("sw-hub refuses to start: " + "; ".join(problems)
                            + ". Set each of them, or HUB_DEMO=true for a demo.")
