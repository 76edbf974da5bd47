"""Unicode hygiene for text a person typed: normalised, trimmed, and free of what XML can't carry.

Control characters and lone surrogates are refused here, at the edge, before anything is
stored or rendered into a document for the insurer.
"""

from __future__ import annotations

import re
import unicodedata

from adapter.domain.errors import TextControlCharacter

# XML 1.0 allows tab, newline and carriage return below 0x20; nothing else there, no
# surrogates, no U+FFFE/U+FFFF. Other C1 controls are refused as well.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """NFC-normalise and trim; refuse control characters and lone surrogates."""
    if _FORBIDDEN.search(value):
        raise TextControlCharacter("text holds a control character or a lone surrogate")
    return unicodedata.normalize("NFC", value).strip()
