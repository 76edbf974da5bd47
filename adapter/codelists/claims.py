"""The drop-downs of the claim form's shipment lines and case section (§四 4.1).

Words are the manual's and the short-term policy's; codes are what the hub sends the
insurer. The customs transport modes are the customs authority's own one-character codes
(报关单填制规范 运输方式代码), limited to the ways goods actually leave the country.
"""

from __future__ import annotations

from adapter.codelists import CodeList

VERSION = "2025.1"
_MANUAL = "单一窗口标准版用户手册 政策性出口信用系统 §四 4.1"


def payment_methods() -> CodeList:
    """开证行 / 保兑行 data is required "如涉及": the flags say when it is involved."""
    def method(code: str, name: str, name_en: str, issuing: bool, confirming: bool) -> dict[str, object]:
        return {"code": code, "name": name, "name_en": name_en,
                "needs_issuing_bank": issuing, "needs_confirming_bank": confirming}

    return CodeList("payment-methods", "支付方式", VERSION, _MANUAL, (
        method("LC", "信用证（L/C）", "Letter of credit", True, False),
        method("CONFIRMED-LC", "保兑信用证（保兑L/C）", "Confirmed letter of credit", True, True),
        method("DP", "付款交单（D/P）", "Documents against payment", False, False),
        method("DA", "承兑交单（D/A）", "Documents against acceptance", False, False),
        method("OA", "赊销（O/A）", "Open account", False, False),
    ))


def credit_periods() -> CodeList:
    """The longest 支付期限 a shipment line may carry; short-term cover runs to 180 days."""
    return CodeList("credit-periods", "信用期限", VERSION, "短期出口信用保险条款 信用期限", (
        {"code": "SHORT-TERM", "name": "短期出口信用保险（信用期限不超过180天）",
         "min_days": 1, "max_days": 180},
        {"code": "SHORT-TERM-EXTENDED", "name": "经保险人书面同意延长（不超过360天）",
         "min_days": 1, "max_days": 360},
    ))


def transport_modes() -> CodeList:
    modes = (("2", "水路运输", "Waterway"), ("3", "铁路运输", "Railway"), ("4", "公路运输", "Road"),
             ("5", "航空运输", "Air"), ("6", "邮件运输", "Post"),
             ("G", "固定设施运输", "Fixed installation"), ("L", "旅客携带", "Carried by passenger"),
             ("9", "其他方式运输", "Other"))
    return CodeList("transport-modes", "运输方式", VERSION, "海关进出口货物报关单填制规范 运输方式代码",
                    tuple({"code": code, "name": name, "name_en": name_en}
                          for code, name, name_en in modes))


def collection_statuses() -> CodeList:
    statuses = (("UNCOLLECTED", "未收汇"), ("PARTIALLY-COLLECTED", "部分收汇"), ("COLLECTED", "已收汇"))
    return CodeList("collection-statuses", "收汇状态", VERSION, _MANUAL,
                    tuple({"code": code, "name": name} for code, name in statuses))


_COMMERCIAL = (
    "买方破产或无力偿付债务",
    "买方拖欠货款",
    "买方拒绝接受货物",
    "开证行破产、停业或被接管",
    "单证相符、单单相符时开证行拖欠或在远期信用证项下拒绝承兑",
)
_POLITICAL = (
    "买方或开证行所在国家、地区禁止或限制汇兑",
    "买方所在国家或地区禁止货物进口",
    "买方所在国家或地区撤销已颁发给买方的进口许可证",
    "买方或开证行所在国家或地区颁布延期付款令",
    "买方或开证行所在国家或地区发生战争、内战、叛乱、革命或暴动",
    "经保险人认定的其他政治风险事件",
)


def loss_causes() -> CodeList:
    """致损原因: the short-term policy's commercial and political risks."""
    entries = [{"code": f"C{n:02d}", "name": name, "category": "commercial", "category_name": "商业风险"}
               for n, name in enumerate(_COMMERCIAL, 1)]
    entries += [{"code": f"P{n:02d}", "name": name, "category": "political", "category_name": "政治风险"}
                for n, name in enumerate(_POLITICAL, 1)]
    return CodeList("loss-causes", "致损原因", VERSION, "短期出口信用保险条款 保险责任", tuple(entries))
