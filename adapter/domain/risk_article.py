"""风险资讯 (§五, X-IN-6): articles the insurer pushes and every logged-in exporter reads.

An article is one id through its versions. The insurer raises the version with every
change: a higher version replaces the article whole or withdraws it; a version not higher
than the one held changes nothing (an older version arriving late must not undo a
correction). The hub keeps, per article, only what its newest version says, and on the
timeline every version it received with what it did with it.

The manual searches titles only (系统仅对标题进行关键字搜索，不支持全文查找): the search
keys of a title are its characters and pairs of neighbouring characters, so a keyword of
any length is looked up by the keys it contains and confirmed on the title itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from adapter.domain.errors import BusinessRuleViolation, NotFound
from adapter.domain.insurance import Ignored

# Per attachment, before base64 (the XSD says the same); the document limit bounds the whole.
MAX_ATTACHMENT_BYTES = 1024 * 1024
MAX_ATTACHMENTS = 5
# Per category on the overview (当下方模块内查询结果过多时，系统只显示部分条目) and per page of a
# category's list (每页可展示15条信息).
OVERVIEW_PER_CATEGORY = 5
PAGE_SIZE = 15
MAX_KEYWORD_LENGTH = 50


class ArticleAction(str, Enum):
    PUBLISH = "PUBLISH"
    WITHDRAW = "WITHDRAW"


class ArticleCategory(str, Enum):
    """The four modules of the 风险信息 screen, in the order it shows them."""

    COUNTRY = "COUNTRY"
    INDUSTRY = "INDUSTRY"
    BELT_AND_ROAD = "BELT-AND-ROAD"
    TRADE_NEWS = "TRADE-NEWS"


CATEGORY_ZH: dict[ArticleCategory, str] = {
    ArticleCategory.COUNTRY: "国别风险预警",
    ArticleCategory.INDUSTRY: "重点行业风险预警",
    ArticleCategory.BELT_AND_ROAD: "一带一路专报",
    ArticleCategory.TRADE_NEWS: "国际贸易和投资要闻",
}


# --- refusals ---------------------------------------------------------------------------------


class ArticleBodyRequired(BusinessRuleViolation):
    code = "E-RISK-ARTICLE-BODY-REQUIRED"
    message_zh = "发布的风险资讯文章必须有正文"


class ArticleCountryUnknown(BusinessRuleViolation):
    code = "E-RISK-ARTICLE-COUNTRY"
    message_zh = "国别代码不在国别代码表中"


class ArticleIndustryUnknown(BusinessRuleViolation):
    code = "E-RISK-ARTICLE-INDUSTRY"
    message_zh = "行业代码不在行业代码表中"


class AttachmentTypeMismatch(BusinessRuleViolation):
    """The bytes are not of the media type the document declares: a portal would serve
    them under a false Content-Type."""

    code = "E-RISK-ATTACHMENT-TYPE"
    message_zh = "附件内容与声明的文件类型不符"


class ArticleCategoryUnknown(NotFound):
    code = "E-RISK-CATEGORY-UNKNOWN"
    message_zh = "风险资讯分类不存在"


class ArticleNotFound(NotFound):
    code = "E-RISK-ARTICLE-NOT-FOUND"
    message_zh = "风险资讯文章不存在"


# --- documents --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArticleAttachment:
    file_name: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class RiskArticle:
    """X-IN-6 as the insurer wrote it; ``body`` is the HTML as received (unsanitized)."""

    article_id: str
    version: int
    action: ArticleAction
    category: ArticleCategory
    title: str
    published_at: datetime
    countries: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    summary: str | None = None
    body: str | None = None
    attachments: tuple[ArticleAttachment, ...] = ()
    withdraw_reason: str | None = None


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    """An attachment as the hub keeps it: the bytes live in the attachment store by digest."""

    position: int
    file_name: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ArticleHeadline:
    """A row of a list: what the overview, a category's page and the headlines show."""

    article_id: str
    category: ArticleCategory
    title: str
    published_at: datetime
    summary: str | None
    has_attachments: bool


@dataclass(frozen=True, slots=True)
class ArticleDetail:
    headline: ArticleHeadline
    version: int
    countries: tuple[str, ...]
    industries: tuple[str, ...]
    body_html: str
    attachments: tuple[StoredAttachment, ...]


@dataclass(frozen=True, slots=True)
class ArticleSearch:
    """国别, 行业, 关键字 (any of them absent); the keyword is matched in titles only."""

    country: str | None = None
    industry: str | None = None
    keyword: str | None = None

    @property
    def key(self) -> str | None:
        """The keyword as titles are searched: trimmed and case-folded, or None if empty."""
        folded = fold(self.keyword or "").strip()
        return folded or None


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(text: str) -> str:
    """Titles and keywords compare ignoring ASCII case (USA, usa in a Chinese title): the
    folding every database's ``lower`` agrees on, whatever its locale."""
    return text.translate(_ASCII_LOWER)


def search_keys(text: str) -> list[str]:
    """The characters and neighbouring pairs of ``text`` (folded), each once, in order.

    A title's keys are its index entries; a keyword's keys are what a matching title must
    all contain: its pairs when it has two characters or more, else its one character.
    Containing every pair is necessary, not sufficient (美国 and 国美 share none, but 美国美
    and 国美国 share both), so a match is confirmed on the title itself.
    """
    folded = fold(text)
    keys = list(dict.fromkeys(folded))
    keys += [folded[i:i + 2] for i in range(len(folded) - 1)]
    return list(dict.fromkeys(k for k in keys if k.strip()))


def keyword_keys(keyword: str) -> list[str]:
    folded = fold(keyword)
    if len(folded) < 2:
        return [folded]
    return list(dict.fromkeys(folded[i:i + 2] for i in range(len(folded) - 1)))


@dataclass(frozen=True, slots=True)
class Replace:
    """The new version stands: publish or withdraw."""

    previous: int | None


def decide(held_version: int | None, article: RiskArticle) -> Replace | Ignored:
    """A higher version replaces (or withdraws) what is held; anything else is ignored."""
    if held_version is not None and article.version <= held_version:
        return Ignored(f"已有第{held_version}版，第{article.version}版不改变文章")
    return Replace(held_version)


def require_body(article: RiskArticle) -> None:
    if article.action is ArticleAction.PUBLISH and not (article.body or "").strip():
        raise ArticleBodyRequired(f"article {article.article_id} published without a body",
                                  path="/RiskArticle/Body/Body")
