"""Outside systems the hub reads (seal certificates, customs data): a small Protocol each,
with a built-in fake; which one serves is config (``HUB_PORTS__*``).

May import ``adapter.domain`` only. Built by the app factory; use cases receive them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TypeVar

Port = TypeVar("Port")


def chosen(setting: str, demo: Callable[[], Port], *args: object) -> Port:
    """``demo`` → the built-in fake; ``package.module:factory`` → ``factory(*args)``."""
    if setting == "demo":
        return demo()
    module_name, _, factory = setting.partition(":")
    if not factory:
        raise ValueError(f"port setting {setting!r} is neither 'demo' nor 'module:factory'")
    built: Port = getattr(importlib.import_module(module_name), factory)(*args)
    return built
