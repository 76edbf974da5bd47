"""Risk article keyword search (R-2, §五 关键字) at 100 000 articles, against a bare ceiling.

    .venv/bin/python bench/risk_search.py [--articles 100000] [--requests 1500] [--concurrency 32]
                                          [--latency-requests 800] [--latency-concurrency 4]
                                          [--rounds 3] [--profile] [--keep]

Loads ``--articles`` risk articles into a PostgreSQL database of its own (``hub_bench_risk``,
migrated with the hub's migrations): the first thousand through the hub's own write path
(``service_layer.risk_articles.receive_articles`` in a unit of work: the row, its
``title_keys``, its tags, its version and timeline), the rest by COPY with the very columns
the hub writes (``title_keys`` from ``adapter.domain.risk_article.search_keys``); the run
then checks that the rows the hub wrote hold exactly those keys. Titles are Chinese, over the
four categories, with a known share holding each keyword of the search (printed).

Then, for keywords of 2, 3 and 4 characters (each length: a common, a middling and a rare
keyword, and one no title holds), the keywords taken in turn, at two loads:

  saturation    ``--requests`` searches with ``--concurrency`` (32) in flight: as many as
                the machine answers; judged on throughput, hub ≥ 0.5× the ceiling's
  steady load   ``--latency-requests`` searches with ``--latency-concurrency`` (4) in
                flight: a busy portal (several hundred searches a second here), short of
                saturation; judged on latency, hub p99 ≤ 30 ms

Why two: in a closed loop the mean latency is the number in flight over the throughput
(Little's law), so with 32 in flight on two cores even the bare ceiling's p99 is 40–70 ms;
a latency figure there measures the queue the benchmark builds, not the search. Both loads
are run for hub and ceiling alike, and the p99 at saturation is printed for the record.

  hub       ``GET /portal/v1/risk-articles?keyword=…`` on the hub in its own process
            (``bench/serve.py hub``, dispatcher off), with a portal token: the 风险信息查询
            screen's 查询, the four modules with their newest five each
  ceiling   the same search as bare asyncpg in this process (a pool as large as the
            concurrency): the same statements over the same indexes (each category's newest
            rows, then the GIN index of title keys of each category they left short),
            prepared once per connection, rows fetched, no HTTP, no JSON

Hub and ceiling take turns, ``--rounds`` times; before timing, each keyword's hub answer is
checked against the ceiling's (the same articles, in the same order). Each target is judged
on the median of the rounds. ``--profile`` runs the hub under cProfile (one round at
saturation, slower than real) and prints where its time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import asyncpg

from bench.common import (
    REPO_ROOT,
    CpuMeter,
    Result,
    load_average,
    postgres_dsn,
    postgres_url,
    prepare_postgres,
    print_profile,
    print_profile_buckets,
    print_table,
    start_child,
    verdict,
)

BENCH_DB = "hub_bench_risk"
DSN = postgres_dsn(BENCH_DB)
URL = postgres_url(BENCH_DB)
SERVE = str(REPO_ROOT / "bench" / "serve.py")
ROUTE = "/portal/v1/risk-articles"
THROUGH_HUB = 1000
PER_CATEGORY = 5
P99_TARGET_MS = 30.0
RATIO_TARGET = 0.5

# --- the articles ------------------------------------------------------------------------------

CATEGORIES = (("COUNTRY", 40), ("INDUSTRY", 25), ("BELT-AND-ROAD", 15), ("TRADE-NEWS", 20))
# (name, ISO code, weight): 美国 in about one title in ten, 俄罗斯 in one in twenty.
COUNTRIES = (
    ("美国", "USA", 10), ("俄罗斯", "RUS", 5), ("越南", "VNM", 6), ("巴西", "BRA", 5),
    ("德国", "DEU", 5), ("印度尼西亚", "IDN", 5), ("土耳其", "TUR", 4), ("沙特阿拉伯", "SAU", 4),
    ("南非", "ZAF", 4), ("墨西哥", "MEX", 5), ("日本", "JPN", 5), ("印度", "IND", 6),
    ("阿根廷", "ARG", 4), ("埃及", "EGY", 4), ("泰国", "THA", 5), ("马来西亚", "MYS", 5),
    ("哈萨克斯坦", "KAZ", 4), ("尼日利亚", "NGA", 4), ("英国", "GBR", 5), ("法国", "FRA", 5),
)
# (topic, weight); 芯片, 反倾销, 半导体, 出口管制, 主权债务 and 稀土 appear only in topics.
TOPICS = (
    ("芯片出口管制升级", 2), ("芯片产业补贴调整", 1), ("反倾销调查", 3), ("汇率大幅波动", 10),
    ("买方拖欠增多", 10), ("港口拥堵加剧", 8), ("关税调整", 10), ("政局动荡", 8),
    ("主权债务违约风险上升", 0.4), ("外汇管制收紧", 8), ("通货膨胀高企", 8),
    ("半导体设备进口限制", 0.6), ("稀土出口许可收紧", 0.2), ("电力短缺影响生产", 6),
    ("罢工潮蔓延", 6), ("进口许可新规", 8), ("银行流动性紧张", 6),
)
INDUSTRIES = ("C", "F", "G", "I", "A", "B", "E", "J")
TEMPLATES = {
    "COUNTRY": ("{c}{t}风险预警", "{c}国别风险分析：{t}", "关于{c}{t}的风险提示", "{c}{t}（{y}年第{n}期）"),
    "INDUSTRY": ("{c}市场{t}行业风险预警", "重点行业风险：{c}{t}", "{t}对{c}出口企业的影响"),
    "BELT-AND-ROAD": ("一带一路专报：{c}{t}", "一带一路沿线国家{c}{t}", "{c}投资环境与{t}专报"),
    "TRADE-NEWS": ("{c}宣布{t}", "国际贸易和投资要闻：{c}{t}", "{c}{t}，外贸企业需关注"),
}
# Per keyword length: common, middling, rare, and one no title holds.
KEYWORDS = {
    2: ("美国", "芯片", "稀土", "量子"),
    3: ("俄罗斯", "反倾销", "半导体", "元宇宙"),
    4: ("一带一路", "出口管制", "主权债务", "火星探测"),
}


@dataclass(frozen=True, slots=True)
class Article:
    article_id: str
    category: str
    title: str
    published_at: datetime
    country: str
    industry: str | None


def _pick(rng: random.Random, weighted: tuple[tuple[object, ...], ...]) -> tuple[object, ...]:
    return rng.choices(weighted, weights=[float(w[-1]) for w in weighted])[0]  # type: ignore[arg-type]


def make_articles(count: int, seed: int = 20261203) -> list[Article]:
    """Deterministic titles: the same ``count`` gives the same articles on every run."""
    rng = random.Random(seed)
    start = datetime(2015, 1, 1, tzinfo=UTC)
    span = (datetime(2026, 11, 30, tzinfo=UTC) - start).total_seconds()
    articles = []
    for i in range(count):
        category = str(_pick(rng, CATEGORIES)[0])
        country_name, country, _w = _pick(rng, COUNTRIES)
        topic = str(_pick(rng, TOPICS)[0])
        at = start + timedelta(seconds=int(span * (i + rng.random()) / count))
        title = rng.choice(TEMPLATES[category]).format(c=country_name, t=topic, y=at.year,
                                                       n=rng.randint(1, 52))
        industry = rng.choice(INDUSTRIES) if category == "INDUSTRY" or rng.random() < 0.2 else None
        articles.append(Article(f"RA-BENCH-{i:07d}", category, title, at, str(country), industry))
    return articles


def shares(articles: list[Article]) -> dict[str, int]:
    return {kw: sum(kw in a.title for a in articles) for kws in KEYWORDS.values() for kw in kws}


# --- loading -----------------------------------------------------------------------------------


def _domain(article: Article) -> object:
    from adapter.domain.risk_article import ArticleAction, ArticleCategory, RiskArticle

    return RiskArticle(article.article_id, 1, ArticleAction.PUBLISH,
                       ArticleCategory(article.category), article.title, article.published_at,
                       countries=(article.country,),
                       industries=(article.industry,) if article.industry else (),
                       summary=article.title[:40], body=f"<p>{article.title}</p>")


async def load_through_hub(articles: list[Article], attachments_dir: Path) -> None:
    """The hub's own path: receive_articles in a unit of work, 250 per transaction."""
    from adapter.domain.exchange import Envelope
    from adapter.persistence.database import Database
    from adapter.persistence.unit_of_work import SqlUnitsOfWork
    from adapter.ports.attachments import FolderAttachmentStore
    from adapter.service_layer.risk_articles import receive_articles

    db = Database(URL)
    store = FolderAttachmentStore(attachments_dir)
    try:
        for start in range(0, len(articles), 250):
            items = [(_domain(a), Envelope.new("RISK_ARTICLE", business_serial=f"{a.article_id}-V1",
                                                sender="SINOSURE", receiver="SWCREDIT"))
                     for a in articles[start:start + 250]]
            async with SqlUnitsOfWork(db).begin() as uow:
                refused = await receive_articles(uow, store, items)  # type: ignore[arg-type]
                assert not any(refused), refused
                await uow.commit()
    finally:
        await db.dispose()


ARTICLE_COLUMNS = ("article_id", "version", "withdrawn", "category", "title", "title_keys",
                   "summary", "body_html", "countries", "industries", "published_at",
                   "received_at", "message_id", "has_attachments")


def _rows(articles: list[Article], received_at: datetime) -> tuple[list[tuple[object, ...]],
                                                                   list[tuple[object, ...]]]:
    from adapter.domain.risk_article import search_keys

    rows, tags = [], []
    for a in articles:
        rows.append((a.article_id, 1, False, a.category, a.title, search_keys(a.title),
                     a.title[:40], f"<p>{a.title}</p>", a.country, a.industry or "",
                     a.published_at.replace(tzinfo=None), received_at.replace(tzinfo=None),
                     f"MSG-{a.article_id}", False))
        tags.append(("country", a.country, a.article_id))
        if a.industry:
            tags.append(("industry", a.industry, a.article_id))
    return rows, tags


async def load_by_copy(articles: list[Article]) -> None:
    """COPY, with the columns the hub writes (``title_keys`` by ``search_keys``)."""
    rows, tags = _rows(articles, datetime.now(UTC))
    conn = await asyncpg.connect(DSN)
    try:
        await conn.copy_records_to_table("risk_articles", records=rows, columns=ARTICLE_COLUMNS)
        await conn.copy_records_to_table("risk_article_tags", records=tags,
                                         columns=("kind", "code", "article_id"))
        await conn.execute("VACUUM ANALYZE risk_articles")
        await conn.execute("VACUUM ANALYZE risk_article_tags")
    finally:
        await conn.close()


async def check_load(articles: list[Article], counted: dict[str, int]) -> str:
    """The rows the hub wrote hold the keys COPY wrote for the others; every keyword's share is
    what the generator says."""
    from adapter.domain.risk_article import search_keys

    conn = await asyncpg.connect(DSN)
    try:
        written = await conn.fetch("SELECT title, title_keys FROM risk_articles "
                                   "WHERE article_id = ANY($1::text[])",
                                   [a.article_id for a in articles[:THROUGH_HUB]])
        same = all(list(row["title_keys"]) == search_keys(row["title"]) for row in written)
        total = await conn.fetchval("SELECT count(*) FROM risk_articles")
        found = {kw: await conn.fetchval("SELECT count(*) FROM risk_articles WHERE strpos(title, $1) > 0",
                                         kw) for kw in counted}
    finally:
        await conn.close()
    ok = same and len(written) == THROUGH_HUB and total == len(articles) and found == counted
    return (f"  check: {total} articles, {len(written)} written by the hub with the keys COPY "
            f"writes: {'yes' if same else 'NO'}; keyword shares as generated: "
            f"{'yes' if found == counted else 'NO ' + str(found)} {'OK' if ok else 'MISMATCH'}")


# --- the ceiling -------------------------------------------------------------------------------


COLUMNS = "article_id, category, title, published_at, summary, has_attachments"
NEWEST = "ORDER BY published_at DESC, article_id DESC"


def _recent_sql(window: int) -> str:
    """Per category its newest ``window`` rows read in index order, the newest five holding
    the keyword kept: what a common keyword needs, no index of keys asked."""
    return " UNION ALL ".join(
        f"(SELECT {COLUMNS} FROM (SELECT {COLUMNS} FROM risk_articles WHERE category = '{c}' "
        f"AND NOT withdrawn {NEWEST} LIMIT {window}) recent WHERE strpos(lower(title), $1) > 0 "
        f"{NEWEST} LIMIT {PER_CATEGORY})" for c, _w in CATEGORIES)


def _indexed_sql(categories: list[str]) -> str:
    """The categories whose recent rows held too few, each through its own GIN index."""
    return " UNION ALL ".join(
        f"(SELECT {COLUMNS} FROM risk_articles WHERE category = '{c}' AND NOT withdrawn AND "
        f"title_keys @> $1::text[] AND strpos(lower(title), $2) > 0 {NEWEST} LIMIT {PER_CATEGORY})"
        for c in categories)


class Ceiling:
    """Bare asyncpg, the same search as the hub's: the recent rows of each category first, then
    the GIN index of each category whose recent rows held fewer than five. asyncpg prepares
    each statement once per connection."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        from adapter.persistence.risk_articles import RECENT_WINDOW

        self.pool = pool
        self.recent = _recent_sql(RECENT_WINDOW)

    async def search(self, keyword: str) -> list[asyncpg.Record]:
        from adapter.domain.risk_article import fold, keyword_keys

        key = fold(keyword)
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(self.recent, key)
            counted = {c: 0 for c, _w in CATEGORIES}
            for row in rows:
                counted[row["category"]] += 1
            short = [c for c, n in counted.items() if n < PER_CATEGORY]
            if not short:
                return rows
            kept = [row for row in rows if row["category"] not in short]
            return kept + await conn.fetch(_indexed_sql(short), keyword_keys(key), key)

    @staticmethod
    def ids(rows: list[asyncpg.Record]) -> dict[str, list[str]]:
        found: dict[str, list[tuple[datetime, str]]] = {c: [] for c, _w in CATEGORIES}
        for row in rows:
            found[row["category"]].append((row["published_at"], row["article_id"]))
        return {c: [i for _at, i in sorted(items, reverse=True)] for c, items in found.items()}


# --- measuring ---------------------------------------------------------------------------------


def _hub_ids(answer: dict[str, object]) -> dict[str, list[str]]:
    return {c["code"]: [i["article_id"] for i in c["items"]]  # type: ignore[index]
            for c in answer["categories"]}  # type: ignore[attr-defined]


async def hub_answer(session: aiohttp.ClientSession, base: str, keyword: str) -> dict[str, object]:
    async with session.get(f"{base}{ROUTE}?keyword={quote(keyword)}") as response:
        assert response.status == 200, (response.status, await response.text())
        return await response.json()  # type: ignore[no-any-return]


async def check_answers(session: aiohttp.ClientSession, base: str, ceiling: Ceiling) -> str:
    """Before timing: the hub finds what the bare statement finds, keyword by keyword."""
    wrong = []
    for keyword in (kw for kws in KEYWORDS.values() for kw in kws):
        hub = _hub_ids(await hub_answer(session, base, keyword))
        bare = Ceiling.ids(await ceiling.search(keyword))
        if hub != bare:
            wrong.append(keyword)
    return "  answers: hub = ceiling for every keyword" if not wrong else \
        f"  answers: MISMATCH for {', '.join(wrong)}"


async def closed_loop(label: str, keywords: tuple[str, ...], requests: int, concurrency: int,
                      one: object, meter: CpuMeter | None) -> Result:
    """``requests`` searches, ``concurrency`` in flight, the keywords in turn; each timed."""
    latencies: list[float] = []
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        while next_index < requests:
            keyword = keywords[next_index % len(keywords)]
            next_index += 1
            started = time.perf_counter()
            await one(keyword)  # type: ignore[operator]
            latencies.append(time.perf_counter() - started)

    before = meter.sample() if meter else {}
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    cpu = CpuMeter.used(before, meter.sample()) if meter else {}
    return Result(label, requests, seconds, latencies, cpu=cpu)


@dataclass(frozen=True, slots=True)
class Load:
    """How many searches are kept in flight, and what the run at that load is judged on."""

    name: str
    concurrency: int
    requests: int


@dataclass
class Round:
    hub: dict[tuple[str, int], Result]
    ceiling: dict[tuple[str, int], Result]


def loads(args: argparse.Namespace) -> tuple[Load, Load]:
    """Throughput at saturation (``--concurrency``), latency at a steady load
    (``--latency-concurrency``): see the module's docstring for why two."""
    return (Load("throughput", args.concurrency, args.requests),
            Load("latency", args.latency_concurrency, args.latency_requests))


async def measure(args: argparse.Namespace, base: str, token: dict[str, str], ceiling: Ceiling,
                  hub_pid: int, profiling: bool) -> tuple[list[Round], str]:
    """Warm-up, then the rounds; a profiled hub starts a new profile segment after each."""
    rounds: list[Round] = []
    connector = aiohttp.TCPConnector(limit=max(args.concurrency, args.latency_concurrency))
    async with aiohttp.ClientSession(connector=connector, headers=token) as session:
        checked = await check_answers(session, base, ceiling)

        async def via_hub(keyword: str) -> None:
            async with session.get(f"{base}{ROUTE}?keyword={quote(keyword)}") as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status} for {keyword}")

        for length, keywords in KEYWORDS.items():  # warm-up: plans, pools, caches
            await closed_loop("warm-up", keywords, 200, args.concurrency, via_hub, None)
            await closed_loop("warm-up", keywords, 200, args.concurrency, ceiling.search, None)
        if profiling:  # segment 0: start-up and warm-up, not shown
            await next_segment(hub_pid)
        for _ in range(1 if profiling else args.rounds):
            found = Round({}, {})
            for length, keywords in KEYWORDS.items():
                for load in loads(args)[:1] if profiling else loads(args):
                    label = f"{length} characters, {load.concurrency} in flight"
                    found.hub[load.name, length] = await closed_loop(
                        f"hub, {label}", keywords, load.requests, load.concurrency, via_hub,
                        CpuMeter(hub_pid))
                    if not profiling:
                        found.ceiling[load.name, length] = await closed_loop(
                            f"ceiling, {label}", keywords, load.requests, load.concurrency,
                            ceiling.search, CpuMeter(None))
            rounds.append(found)
    if profiling:  # segment 1: the measured searches
        await next_segment(hub_pid)
    return rounds, checked


async def next_segment(hub_pid: int) -> None:
    """``bench/serve.py --profile`` writes what it profiled so far on SIGUSR1."""
    os.kill(hub_pid, signal.SIGUSR1)
    await asyncio.sleep(0.5)


def report(rounds: list[Round], profiling: bool) -> None:
    for index, found in enumerate(rounds, start=1):
        title = f"keyword search, round {index} of {len(rounds)}" + (
            " — PROFILED, slower than real" if profiling else "")
        pairs = {result.label: found.ceiling.get(key) for key, result in found.hub.items()}
        results = [r for key, hub in found.hub.items() for r in (hub, found.ceiling.get(key))
                   if r is not None]
        print_table(title, results, ratio_to=lambda r, pairs=pairs: pairs.get(r.label))  # type: ignore[misc]
    if profiling:
        return
    print("\ntargets (median of the rounds; every round beside it)")
    for length in KEYWORDS:
        judged(f"hub p99 ms, steady load, {length} characters",
               [r.hub["latency", length].p99_ms for r in rounds], P99_TARGET_MS, lower=True)
        judged(f"hub / ceiling, saturation, {length} characters",
               [r.hub["throughput", length].rate / r.ceiling["throughput", length].rate
                for r in rounds], RATIO_TARGET, lower=False)
    print("at saturation, for the record (no target: there latency is queueing, see the docstring)")
    for length in KEYWORDS:
        hub = [r.hub["throughput", length].p99_ms for r in rounds]
        bare = [r.ceiling["throughput", length].p99_ms for r in rounds]
        print(f"  p99 ms, {length} characters: hub {statistics.median(hub):.1f}, "
              f"ceiling {statistics.median(bare):.1f} (medians)")


def judged(label: str, values: list[float], target: float, *, lower: bool) -> None:
    print(verdict(label, statistics.median(values), target, higher_is_better=not lower)
          + "   rounds: " + ", ".join(f"{v:.2f}" for v in values))


def portal_token() -> dict[str, str]:
    """An operator card of the demo enterprise, under the identity settings ``bench/serve.py
    hub`` runs with (the defaults)."""
    from adapter.config import Settings
    from tests.harness import portal_token as token

    return token(Settings(), card="operator", hours=4)


async def load(args: argparse.Namespace) -> None:
    articles = make_articles(args.articles)
    counted = shares(articles)
    began = time.perf_counter()
    await prepare_postgres(BENCH_DB)
    with tempfile.TemporaryDirectory(prefix="bench_risk_") as scratch:
        await load_through_hub(articles[:THROUGH_HUB], Path(scratch))
    through_hub = time.perf_counter() - began
    await load_by_copy(articles[THROUGH_HUB:])
    print(f"loaded {len(articles):,} articles in {time.perf_counter() - began:.1f}s "
          f"({THROUGH_HUB} through the hub's write path in {through_hub:.1f}s, the rest by COPY, "
          f"then VACUUM ANALYZE); load {load_average()}")
    print("  titles holding each keyword: " + "; ".join(
        f"{kw} {n} ({n / len(articles):.2%})" for kw, n in counted.items()))
    print(await check_load(articles, counted))


async def run(args: argparse.Namespace) -> None:
    if not args.keep:
        await load(args)
    profile_path = tempfile.mkstemp(prefix="bench_risk_hub_", suffix=".prof")[1] if args.profile else None
    hub_args = [sys.executable, SERVE, "hub", "--db", URL, "--log-level", args.log_level]
    if profile_path:
        hub_args += ["--profile", profile_path]
    hub = start_child("hub", hub_args, "READY")
    pool = await asyncpg.create_pool(DSN, min_size=args.concurrency, max_size=args.concurrency)
    try:
        rounds, checked = await measure(args, hub.ready_line.split()[1], portal_token(),
                                        Ceiling(pool), hub.process.pid, bool(profile_path))
    finally:
        await pool.close()
        hub.stop()
    print(f"\n{args.articles:,} articles; per keyword length and round {args.requests} searches "
          f"with {args.concurrency} in flight (saturation), then {args.latency_requests} with "
          f"{args.latency_concurrency} in flight (steady load); keywords in turn: " + "; ".join(
              f"{n}: {' '.join(kws)}" for n, kws in KEYWORDS.items()))
    print(checked)
    report(rounds, bool(profile_path))
    if profile_path:
        dump = f"{profile_path}.1"
        print_profile_buckets(dump, per=args.requests * len(KEYWORDS))
        print_profile(dump, top=args.top)


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_argument("--articles", type=int, default=100_000)
    cli.add_argument("--requests", type=int, default=1500, help="searches per keyword length and round")
    cli.add_argument("--concurrency", type=int, default=32, help="in flight at saturation")
    cli.add_argument("--latency-concurrency", type=int, default=4,
                     help="in flight at the steady load the p99 target is judged at")
    cli.add_argument("--latency-requests", type=int, default=800,
                     help="searches per keyword length and round at the steady load")
    cli.add_argument("--rounds", type=int, default=3)
    cli.add_argument("--keep", action="store_true", help="search the articles loaded last time")
    cli.add_argument("--log-level", default="INFO", help="the hub's log level (sw-hub serve: INFO)")
    cli.add_argument("--profile", action="store_true", help="run the hub under cProfile")
    cli.add_argument("--top", type=int, default=30)
    asyncio.run(run(cli.parse_args()))


if __name__ == "__main__":
    main()
