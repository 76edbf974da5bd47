"""Every code the portal can answer is in the one registry, with its Chinese message."""

from __future__ import annotations

import re
from pathlib import Path

import adapter.portal.codelists  # noqa: F401  (registers the code-list codes)
import adapter.portal.fields  # noqa: F401  (registers the identifier codes)
from adapter.config import REPO_ROOT
from adapter.portal.errors import CODES

# Codes only partners see, in acknowledgements of documents (README, "Channels").
DOCUMENT_CODES = {"E-AGREEMENT-UNKNOWN", "E-AGREEMENT-USCC-MISMATCH"}
PORTAL_SIDE = ("service_layer", "portal", "domain")


def codes_in_source() -> set[str]:
    found: set[str] = set()
    for folder in PORTAL_SIDE:
        for path in Path(REPO_ROOT, "adapter", folder).rglob("*.py"):
            found |= set(re.findall(r'"(E-[A-Z0-9-]+)"', path.read_text(encoding="utf-8")))
    return found


def test_every_portal_code_is_registered_with_a_chinese_message() -> None:
    missing = codes_in_source() - DOCUMENT_CODES - set(CODES)
    assert not missing
    assert all(re.search("[\u4e00-\u9fff]", message) for message in CODES.values())
