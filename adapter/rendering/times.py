"""Moments as the people who read the documents read them: Beijing time.

The database keeps UTC; every PDF an exporter or the insurer reads shows Asia/Shanghai,
named as such, so a signature at 01:39 UTC reads 09:39.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


@lru_cache(maxsize=4096)
def beijing(moment: datetime | None) -> str:
    """A moment to the second in Beijing time; an unknown moment as nothing. Remembered:
    the lists the portal asks most show the same newest articles again and again."""
    if moment is None:
        return ""
    return f"{moment.astimezone(BEIJING):%Y-%m-%d %H:%M:%S}（北京时间）"
