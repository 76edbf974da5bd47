"""The inquiry form's single choice (§3.2 询保内容): three answers, 我要投保 ticked by default."""

from __future__ import annotations

from adapter.codelists import CodeList

VERSION = "2025.1"


def inquiry_contents() -> CodeList:
    """``needs_detail`` marks the choice whose 其他需求 box must then be filled in."""
    return CodeList("inquiry-contents", "询保内容", VERSION,
                    "单一窗口标准版用户手册 政策性出口信用系统 §三 3.2", (
        {"code": "INSURE", "name": "我要投保", "default": True, "needs_detail": False},
        {"code": "BUYER-CREDIT", "name": "我要查询买方资信", "default": False, "needs_detail": False},
        {"code": "OTHER", "name": "我有其他需求", "default": False, "needs_detail": True},
    ))
