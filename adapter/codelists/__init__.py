"""The reference lists behind every drop-down of the portal (第二篇: single choice, no typing).

Standard lists come from maintained packages (pycountry for ISO 3166 and ISO 4217, the
Ministry of Civil Affairs' GB/T 2260 codes for regions); the insurer's business lists are
written out here in the manual's words. Nothing is built at import time: a list is made
the first time someone asks for it and kept, since reference data changes only with a
new release of the hub.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

Entry = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CodeList:
    name: str
    title: str
    version: str
    source: str
    entries: tuple[Entry, ...]
    codes: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", frozenset(str(entry["code"]) for entry in self.entries))

    def entry(self, code: str) -> Entry | None:
        return next((entry for entry in self.entries if entry["code"] == code), None)


class UnknownCodeList(LookupError):
    pass


class Catalogue:
    """Every list by name, each loaded on first use."""

    def __init__(self, loaders: Mapping[str, Callable[[], CodeList]]) -> None:
        self._loaders = dict(loaders)
        self._loaded: dict[str, CodeList] = {}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._loaders)

    def get(self, name: str) -> CodeList:
        if name not in self._loaded:
            try:
                loader = self._loaders[name]
            except KeyError:
                raise UnknownCodeList(name) from None
            self._loaded[name] = loader()
        return self._loaded[name]


@cache
def catalogue() -> Catalogue:
    """The hub's one catalogue: portal routes and choice fields read the same lists."""
    from adapter.codelists import claims, insurance, regions, risk, world

    return Catalogue({
        "countries": world.countries,
        "currencies": world.currencies,
        "regions": regions.provincial_list,
        "payment-methods": claims.payment_methods,
        "credit-periods": claims.credit_periods,
        "transport-modes": claims.transport_modes,
        "collection-statuses": claims.collection_statuses,
        "loss-causes": claims.loss_causes,
        "inquiry-contents": insurance.inquiry_contents,
        "article-categories": risk.article_categories,
        "industries": risk.industries,
    })
