"""Pact files as reviewed text: normalised, so only a real change to a contract shows.

The tests regenerate every pact into a temporary directory and compare it with the
committed copy in ``contracts/pacts/``. Before comparing, both sides lose what differs
by nature between runs or machines (the Pact library's own version metadata, interaction
keys computed from it, timestamps and generated UUIDs in example values, whose matchers
are what the contract says) and are put in a stable order; XML bodies are pretty-printed
one element per line, so a renamed element is one line of the diff rather than a changed
2 kB string.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from lxml import etree

from adapter.mappings.xml_safety import hardened_parser

UPDATE_ENV = "UPDATE_PACTS"
"""Set to ``1`` to rewrite the committed pact files from the regenerated ones."""

VOLATILE_METADATA = ("pactRust", "pact-python", "pactPython", "pact-js", "pactJs")
VOLATILE_INTERACTION_KEYS = ("key", "pending")
_DATETIME = re.compile(r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
                       r"(Z|[+-][0-9]{2}:[0-9]{2})?$")
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
_PARSER = hardened_parser(remove_blank_text=True)


def read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _is_xml(content_type: str | None) -> bool:
    return bool(content_type) and "xml" in str(content_type).lower()


def _mask(value: str | None) -> str | None:
    """Timestamps and generated UUIDs in examples vary by run; their matchers are the contract."""
    if value is None:
        return None
    return _UUID.sub("{uuid}", _DATETIME.sub("{dateTime}", value))


def _pretty_xml(text: str) -> list[str] | str:
    try:
        root = etree.fromstring(text.encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError:
        return text
    for element in root.iter():
        if isinstance(element.tag, str):
            element.text = _mask(element.text)
    pretty: str = etree.tostring(root, encoding="unicode", pretty_print=True)
    return pretty.rstrip("\n").split("\n")


def _normalise_body(body: Any) -> Any:
    if isinstance(body, dict) and isinstance(body.get("content"), str) and _is_xml(body.get("contentType")):
        return {**body, "content": _pretty_xml(body["content"])}
    return body


def _normalise_interaction(interaction: dict[str, Any]) -> dict[str, Any]:
    found = {k: v for k, v in interaction.items() if k not in VOLATILE_INTERACTION_KEYS}
    for part in ("request", "response"):
        if isinstance(found.get(part), dict) and "body" in found[part]:
            found[part] = {**found[part], "body": _normalise_body(found[part]["body"])}
    if "contents" in found:
        found["contents"] = _normalise_body(found["contents"])
    return found


def _order(interaction: dict[str, Any]) -> tuple[str, str, str]:
    states = json.dumps(interaction.get("providerStates", []), sort_keys=True)
    return (str(interaction.get("type", "")), str(interaction.get("description", "")), states)


def normalise(pact: dict[str, Any]) -> dict[str, Any]:
    found = copy.deepcopy(pact)
    metadata = found.get("metadata", {})
    for key in VOLATILE_METADATA:
        metadata.pop(key, None)
    found["interactions"] = sorted((_normalise_interaction(i) for i in found.get("interactions", [])),
                                   key=_order)
    return found


def readable(pact: dict[str, Any]) -> str:
    return json.dumps(normalise(pact), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def difference(committed: Path, generated: Path) -> str | None:
    """A unified diff of the normalised files, or None when they say the same."""
    if not committed.is_file():
        return f"{committed} does not exist yet"
    old, new = readable(read(committed)), readable(read(generated))
    if old == new:
        return None
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=f"committed {committed.name}",
                                        tofile=f"regenerated {generated.name}"))


def update_requested() -> bool:
    return os.environ.get(UPDATE_ENV, "").strip().lower() in ("1", "true", "yes")


def check_or_update(generated: Path, committed_dir: Path) -> str | None:
    """Compare a regenerated pact with its committed copy; rewrite it when ``UPDATE_PACTS=1``.

    Returns the readable difference (None when equal or when the copy was rewritten).
    """
    committed = committed_dir / generated.name
    found = difference(committed, generated)
    if found is not None and update_requested():
        committed_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(generated, committed)
        return None
    return found
