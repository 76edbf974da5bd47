"""系统首页 (第二章 一, H-1 … H-6): what the home page counts and shows, for one enterprise.

Each count is the size of a list a portal screen pages through, taken with that list's own
filter (``ListFilter`` for the insurance lists, ``claim.RESULTS`` for the claim results):
the repository counts with the very filter its ``page`` lists with, so a count and its
list cannot disagree. The risk sections (H-5, H-6) are the first rows of the lists their
更多 opens, read by the same repository calls as those lists. Each section is one small
function over the same reading unit of work; the portal names the route of each list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from adapter.domain.identity import Identity
from adapter.domain.insurance import ApplicationStatus, InsuranceApplication, ReceiptStatus
from adapter.domain.risk_article import ArticleCategory, ArticleHeadline, ArticleSearch
from adapter.service_layer import claim
from adapter.service_layer.unit_of_work import UnitOfWork, UnitsOfWork


@dataclass(frozen=True, slots=True)
class ListFilter:
    """One insurance list's filter: 投保状态 (or 收悉状态 of policies) it shows."""

    statuses: tuple[str, ...]
    policies: bool


@dataclass(frozen=True, slots=True)
class Counted:
    """One count of the home page: which list, its name on the screen, how many it holds."""

    key: str
    name: str
    count: int


# 企业投保 (1.1): the three prompts, each the filter of the list a click opens.
PENDING_POLICIES = ListFilter((ApplicationStatus.PENDING.value,), policies=False)
POLICY_NOTICES = ListFilter((ReceiptStatus.AWAITING.value,), policies=True)
RETURNED = ListFilter((ApplicationStatus.RETURNED.value,), policies=False)
INSURANCE: tuple[tuple[str, str, ListFilter], ...] = (
    ("pending_policies", "待确认投保单", PENDING_POLICIES),
    ("policy_notices", "保单生效通知", POLICY_NOTICES),
    ("returned_applications", "投保申请退回通知", RETURNED),
)


# 信息订阅 (1.4): the newest few of each module; 最新风险信息 (1.5): the newest of all.
SUBSCRIPTION_ITEMS = 5
LATEST_ITEMS = 8


@dataclass(frozen=True, slots=True)
class Home:
    prompt: InsuranceApplication | None
    insurance: Sequence[Counted]
    claim_results: Counted
    subscriptions: dict[ArticleCategory, list[ArticleHeadline]]
    latest: list[ArticleHeadline]


async def count_of(uow: UnitOfWork, uscc: str, listed: ListFilter) -> int:
    return await uow.applications.count(uscc, statuses=listed.statuses, policies=listed.policies)


async def pending_prompt(uow: UnitOfWork, uscc: str) -> InsuranceApplication | None:
    """H-1 待确认保单提示: the newest pending policy, the first row of its list."""
    newest = await uow.applications.page(uscc, statuses=PENDING_POLICIES.statuses,
                                         policies=PENDING_POLICIES.policies, limit=1, after=None)
    return newest[0] if newest else None


async def insurance_counts(uow: UnitOfWork, uscc: str) -> list[Counted]:
    """H-2: 待确认投保单, 保单生效通知 (待收悉), 投保申请退回通知."""
    return [Counted(key, name, await count_of(uow, uscc, listed)) for key, name, listed in INSURANCE]


async def claim_results(uow: UnitOfWork, uscc: str) -> Counted:
    """H-3 企业索赔: 索赔申请受理结果, counted as ``claim.results`` lists them."""
    return Counted("claim_results", "索赔申请受理结果", await claim.results_count(uow, uscc))


async def subscriptions(uow: UnitOfWork) -> dict[ArticleCategory, list[ArticleHeadline]]:
    """H-5 信息订阅: per module its newest rows, in one statement (the 风险信息 screen's
    overview unfiltered); each module's list (R-3) starts with the same rows."""
    return await uow.risk_articles.overview(ArticleSearch(), per_category=SUBSCRIPTION_ITEMS)


async def home(uows: UnitsOfWork, identity: Identity) -> Home:
    """Every section of the home page from one reading unit of work."""
    async with uows.reading() as uow:
        return Home(prompt=await pending_prompt(uow, identity.uscc),
                    insurance=await insurance_counts(uow, identity.uscc),
                    claim_results=await claim_results(uow, identity.uscc),
                    subscriptions=await subscriptions(uow),
                    latest=await uow.risk_articles.latest(LATEST_ITEMS))
