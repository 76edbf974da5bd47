"""Countries and regions of the world (ISO 3166-1) and currencies (ISO 4217), from pycountry.

Chinese names are pycountry's own zh_CN translations (Debian iso-codes), so nothing here
is typed by hand; a currency without a translation has ``name`` null and keeps its
English name.
"""

from __future__ import annotations

import gettext
from importlib.metadata import version

import pycountry

from adapter.codelists import CodeList
from adapter.domain.money import is_currency


def _chinese(domain: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)


def countries() -> CodeList:
    zh = _chinese("iso3166-1")
    entries = tuple(
        {"code": country.alpha_3, "alpha_2": country.alpha_2, "numeric": country.numeric,
         "name": zh.gettext(country.name), "name_en": country.name}
        for country in sorted(pycountry.countries, key=lambda c: c.alpha_3)
    )
    return CodeList("countries", "国家（地区）", version("pycountry"),
                    "ISO 3166-1 (pycountry, zh_CN from iso-codes)", entries)


def currencies() -> CodeList:
    zh = _chinese("iso4217")

    def chinese_name(english: str) -> str | None:
        translated = zh.gettext(english)
        return None if translated == english else translated

    entries = tuple(
        {"code": currency.alpha_3, "numeric": currency.numeric,
         "name": chinese_name(currency.name), "name_en": currency.name}
        for currency in sorted(pycountry.currencies, key=lambda c: c.alpha_3)
        if is_currency(currency.alpha_3)
    )
    return CodeList("currencies", "币制", version("pycountry"),
                    "ISO 4217 (pycountry, zh_CN from iso-codes)", entries)
