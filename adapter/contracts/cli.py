"""``sw-hub contracts …``: the contracts commands, hooked into the hub's argparse tree.

``register(commands)`` adds a ``contracts`` sub-command whose arguments are handed as they
are to :func:`adapter.contracts.xsd_compat.main` (``check [--update-baseline] …``); it runs
while the command line is parsed and exits with its status, so nothing else (settings,
logging, the database) is touched.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from adapter.contracts import xsd_compat


class _RunContracts(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        arguments = [] if values is None else [values] if isinstance(values, str) else list(values)
        raise SystemExit(xsd_compat.main(arguments))


def register(commands: Any) -> None:
    """Add ``contracts`` to an ``add_subparsers()`` result."""
    sub = commands.add_parser(
        "contracts", add_help=False,
        help="check xsd/ against contracts/xsd-baseline/ (check [--update-baseline] [--json])")
    sub.add_argument("arguments", nargs=argparse.REMAINDER, action=_RunContracts)


def main(argv: Sequence[str] | None = None) -> int:
    return xsd_compat.main(argv)
