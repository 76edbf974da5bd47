"""What risk articles are filed under (§五): the four categories, and industries to search by.

Industries are the twenty sections (门类) of GB/T 4754-2017 国民经济行业分类, the
classification Chinese statistics and registrations use.
"""

from __future__ import annotations

from adapter.codelists import CodeList

VERSION = "2025.1"

_CATEGORIES = (
    ("COUNTRY", "国别风险预警"),
    ("INDUSTRY", "重点行业风险预警"),
    ("BELT-AND-ROAD", "一带一路专报"),
    ("TRADE-NEWS", "国际贸易和投资要闻"),
)

_SECTIONS = (
    ("A", "农、林、牧、渔业"),
    ("B", "采矿业"),
    ("C", "制造业"),
    ("D", "电力、热力、燃气及水生产和供应业"),
    ("E", "建筑业"),
    ("F", "批发和零售业"),
    ("G", "交通运输、仓储和邮政业"),
    ("H", "住宿和餐饮业"),
    ("I", "信息传输、软件和信息技术服务业"),
    ("J", "金融业"),
    ("K", "房地产业"),
    ("L", "租赁和商务服务业"),
    ("M", "科学研究和技术服务业"),
    ("N", "水利、环境和公共设施管理业"),
    ("O", "居民服务、修理和其他服务业"),
    ("P", "教育"),
    ("Q", "卫生和社会工作"),
    ("R", "文化、体育和娱乐业"),
    ("S", "公共管理、社会保障和社会组织"),
    ("T", "国际组织"),
)


def article_categories() -> CodeList:
    return CodeList("article-categories", "风险资讯分类", VERSION,
                    "单一窗口标准版用户手册 政策性出口信用系统 §五",
                    tuple({"code": code, "name": name} for code, name in _CATEGORIES))


def industries() -> CodeList:
    return CodeList("industries", "行业", VERSION, "GB/T 4754-2017 国民经济行业分类 门类",
                    tuple({"code": code, "name": name} for code, name in _SECTIONS))
