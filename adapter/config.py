"""One typed settings object for the whole hub.

Read from environment variables prefixed ``HUB_`` (nested with ``__``) and an optional
file named by ``HUB_CONFIG_FILE``. The defaults run the embedded demo: an SQLite file,
the built-in mock insurer on loopback, and demo credentials.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class RetryPolicy(BaseModel):
    """How long an outbound document is retried before it becomes a dead letter."""

    max_attempts: int = Field(8, ge=1)
    max_total_seconds: float = Field(300.0, gt=0)
    initial_backoff_seconds: float = Field(0.5, gt=0)
    max_backoff_seconds: float = Field(30.0, gt=0)
    request_timeout_seconds: float = Field(10.0, gt=0)


class PartnerSettings(BaseModel):
    """A named outgoing connection to the insurer: where, how and with which credential."""

    code: str = "SINOSURE"
    channel: Literal["soap", "rest"] = "rest"
    soap_version: Literal["1.1", "1.2"] = "1.1"
    rest_base_url: str = "http://127.0.0.1:8090/api/v1/documents"
    soap_address: str = "http://127.0.0.1:8090/soap"
    soap_wsdl: Path = REPO_ROOT / "contracts" / "insurer.wsdl"
    username: str = "hub"
    password: SecretStr = SecretStr("hub-secret")


class InboundCredential(BaseModel):
    """The credential the insurer's systems present when they call the hub."""

    username: str = "sinosure"
    password: SecretStr = SecretStr("insurer-secret")
    sender: str = "SINOSURE"


class DispatcherSettings(BaseModel):
    """The outbox dispatcher: batch size, concurrency and the lease that covers a crash."""

    enabled: bool = True
    batch_size: int = Field(100, ge=1)
    concurrency: int = Field(32, ge=1)
    idle_poll_seconds: float = Field(0.2, gt=0)
    lease_seconds: float = Field(0.0, ge=0, description="0 means: the default, 20 s")


class DatabaseTimeouts(BaseModel):
    """How long the hub waits on its database before it answers 503 instead of hanging.

    A refused connection fails at once; a stalled one (the server or a proxy stops
    answering on an open connection) fails after ``statement_seconds`` and is dropped from
    the pool. ``inbound_deadline_seconds`` bounds how long a partner waits for an
    acknowledgement while documents queue for the database.
    """

    connect_seconds: float = Field(3.0, gt=0)
    statement_seconds: float = Field(4.0, gt=0)
    pool_wait_seconds: float = Field(3.0, gt=0)
    inbound_deadline_seconds: float = Field(5.0, gt=0)


class LimitSettings(BaseModel):
    max_document_bytes: int = Field(2 * 1024 * 1024, ge=1024)
    # A portal request is a form, not a document: its own, much smaller limit.
    portal_max_body_bytes: int = Field(64 * 1024, ge=1024)
    stored_prefix_of_oversized_bytes: int = Field(64 * 1024, ge=0)


class IdentitySettings(BaseModel):
    """How portal tokens from the Single Window's login are checked (G-3)."""

    jwt_key: SecretStr = SecretStr("single-window-demo-signing-key-change-me")
    jwt_algorithm: Literal["HS256", "HS384", "HS512", "RS256", "ES256"] = "HS256"
    issuer: str = "singlewindow-login"
    audience: str = "policy-export-credit"
    demo_token_hours: int = Field(8, ge=1)


class PortSettings(BaseModel):
    """Which client serves each outside system: ``demo`` for the built-in fake, or
    ``package.module:factory`` for a deployment's own (called with the settings)."""

    seals: str = "demo"
    customs: str = "demo"
    # The attachment store: ``demo`` keeps the bytes in a folder, ``attachments_dir``.
    attachments: str = "demo"
    attachments_dir: Path = REPO_ROOT / "var" / "attachments"


class BuyerLookupSettings(BaseModel):
    """The synchronous buyer lookup (X-OUT-8, C-3): a person waits on it, so it is short.

    ``timeout_seconds`` is the whole budget of one search, retries included; within it at
    most ``attempts`` tries, each cut at the time left. Answers are kept ``cache_seconds``
    per query (at most ``cache_entries`` queries), so paging through a result or reopening
    the dialog does not ask the insurer again.
    """

    timeout_seconds: float = Field(3.0, gt=0)
    attempts: int = Field(2, ge=1, le=5)
    cache_seconds: float = Field(300.0, ge=0)
    cache_entries: int = Field(1000, ge=1)


class SmsSettings(BaseModel):
    """The SMS gateway of the insurance application's verification codes (I-4)."""

    gateway: str = Field("demo", description="demo, or package.module:factory")
    code_key: SecretStr = SecretStr("sms-code-demo-key-change-me")
    codes_per_enterprise_per_hour: int = Field(10, ge=1)


# --- slow and abusive clients ----------------------------------------------------------------


class HttpSettings(BaseModel):
    """How long one client may hold a connection without finishing its request, and how many
    connections the hub keeps open at once.

    ``header_timeout_seconds`` bounds the wait for a complete request head, on a new
    connection and between requests on a kept-alive one (an idle kept-alive connection is
    closed after it too). ``body_timeout_seconds`` bounds the reading of a body from the
    moment its head arrived: a body trickled at a byte a second is answered 408 and closed.
    An upload (multipart) gets on top the time its declared length takes at
    ``upload_min_bytes_per_second`` (32 KiB/s: a 4 MB attachment may take 30 s + 128 s).
    ``max_connections`` 0 means: derived from the process's open-file limit, so accepting a
    connection never runs out of file descriptors.
    """

    header_timeout_seconds: float = Field(10.0, gt=0)
    body_timeout_seconds: float = Field(30.0, gt=0)
    upload_min_bytes_per_second: int = Field(32 * 1024, gt=0)
    max_connections: int = Field(0, ge=0)


class RateLimitSettings(BaseModel):
    """Rate limits (``limits`` notation: ``10/minute;50/hour``), kept in ``storage``.

    ``memory://`` keeps them in the process; ``redis://127.0.0.1:6379`` shares them between
    several hub processes. Failed authentications count per client address and channel
    (Basic, operator token, portal token); once a tier is spent every attempt of that
    client on that channel is 429 until its window has passed, the right credential too, so
    the wider tiers make a lasting guesser wait longer and longer. Portal writes count per
    enterprise user. ``log_lines`` bounds how often one kind of log line is written.
    """

    storage: str = "memory://"
    key_prefix: str = "sw-hub"
    failed_authentication: str = "10/minute;50/hour;200/day"
    portal_writes: str = "60/minute;600/hour"
    log_lines: str = "5/10 seconds"


# --- outages: the partner's circuit breaker, crash leases, metrics, overdue conversations ---


class BreakerSettings(BaseModel):
    """The circuit breaker per partner, and how old a waiting message may grow.

    After ``failure_threshold`` consecutive connection failures the partner counts as down:
    messages wait without spending their retry budget, and one probe per
    ``probe_interval_seconds`` (across all dispatchers sharing the database) asks whether it
    is back. A message still undelivered ``max_message_age_seconds`` after it became due is
    a dead letter, however it failed.
    """

    failure_threshold: int = Field(5, ge=1)
    probe_interval_seconds: float = Field(5.0, gt=0)
    max_message_age_seconds: float = Field(3 * 24 * 3600.0, gt=0)


class OverdueDeadline(BaseModel):
    """How long one kind of conversation may wait: working days, or hours, or both added."""

    working_days: int = Field(0, ge=0)
    hours: float = Field(0.0, ge=0)


class OverdueSettings(BaseModel):
    """Deadlines of the overdue report by rule kind, and the calendar working days follow:
    Monday to Friday in China Standard Time, less ``holidays``, plus ``working_weekends``
    (the weekend days the State Council's holiday notice makes working days, 调休)."""

    deadlines: dict[str, OverdueDeadline] = {}
    holidays: list[date] = []
    working_weekends: list[date] = []


# --- the portal's reading pages: financing (§六) and the zones' login (第四篇 第一章) --------


class FinancingProduct(BaseModel):
    """One 信保贷 product of the 融资超市 and where its 立即申请 leads (the financial
    services system, which is not the hub's)."""

    code: str
    name: str
    description: str
    apply_url: str


def _default_products() -> list[FinancingProduct]:
    base = "https://www.singlewindow.cn/financial-services/apply"
    return [
        FinancingProduct(code="XBD-POLICY", name="信保贷·保单融资",
                         description="以出口信用保险保单增信，向合作银行申请流动资金贷款",
                         apply_url=f"{base}?product=XBD-POLICY"),
        FinancingProduct(code="XBD-RECEIVABLE", name="信保贷·应收账款融资",
                         description="以已投保出口业务的应收账款为还款来源的短期融资",
                         apply_url=f"{base}?product=XBD-RECEIVABLE"),
        FinancingProduct(code="XBD-ORDER", name="信保贷·订单融资",
                         description="凭已投保的出口订单申请备货生产所需资金",
                         apply_url=f"{base}?product=XBD-ORDER"),
    ]


class FinancingSettings(BaseModel):
    """融资超市 (F-1): the products shown; a deployment lists its partner banks' own."""

    products: list[FinancingProduct] = Field(default_factory=_default_products)


class PortalZoneSettings(BaseModel):
    """The zones' login (P-1/P-2): the Single Window's unified login, the parameter it takes
    the address to come back to, and the portal paths a return may lead to (an allow-list of
    path prefixes; nothing absolute, no other site)."""

    login_url: str = "https://app.singlewindow.cn/cas/login"
    return_parameter: str = "service"
    return_prefixes: list[str] = ["/policy-credit/", "/zones/"]


class Settings(BaseSettings):
    """Everything the hub reads from its environment, in one place."""

    model_config = SettingsConfigDict(env_prefix="HUB_", env_nested_delimiter="__", extra="ignore")

    database_url: str = f"sqlite+aiosqlite:///{REPO_ROOT / 'var' / 'hub.sqlite'}"
    # PostgreSQL connections kept open per process: at least the requests expected in flight.
    database_pool_size: int = Field(32, ge=1)
    # Reads of one process at the database at once (Database.reader_turn): about its cores.
    database_reads_in_flight: int = Field(4, ge=1)
    database_timeouts: DatabaseTimeouts = DatabaseTimeouts()
    host: str = "127.0.0.1"
    port: int = 8080
    public_base_url: str = ""
    hub_party_code: str = "SWCREDIT"
    insurer: PartnerSettings = PartnerSettings()
    inbound: InboundCredential = InboundCredential()
    operator_token: SecretStr = SecretStr("operator-demo-token")
    identity: IdentitySettings = IdentitySettings()
    cors_origins: list[str] = ["http://127.0.0.1:3000", "http://localhost:3000"]
    retry: RetryPolicy = RetryPolicy()
    dispatcher: DispatcherSettings = DispatcherSettings()
    limits: LimitSettings = LimitSettings()
    ports: PortSettings = PortSettings()
    sms: SmsSettings = SmsSettings()
    buyer_lookup: BuyerLookupSettings = BuyerLookupSettings()
    duplicate_retention_days: int = Field(30, ge=1)
    log_json: bool = True
    # Demo mode (``sw-hub demo`` or HUB_DEMO=true) accepts the published demo secrets.
    demo: bool = False
    http: HttpSettings = HttpSettings()
    rate_limits: RateLimitSettings = RateLimitSettings()
    breaker: BreakerSettings = BreakerSettings()
    overdue: OverdueSettings = OverdueSettings()
    # R-5 资信服务: where the 风险信息查询 screen's button leads (SinoRating 海外企业资信评估报告).
    credit_service_url: str = "https://www.sinosure.com.cn/sinorating/"
    financing: FinancingSettings = FinancingSettings()
    portal_zones: PortalZoneSettings = PortalZoneSettings()

    @property
    def base_url(self) -> str:
        return self.public_base_url or f"http://{self.host}:{self.port}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def lease_seconds(self) -> float:
        """A claimed outbox row is reclaimed after this long unless its dispatcher renews it
        (a heartbeat every quarter lease while it holds the row): short, so a killed
        dispatcher's messages are resent within half a minute."""
        return self.dispatcher.lease_seconds or 20.0


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, the optional file, then explicit overrides."""
    config_file = os.environ.get("HUB_CONFIG_FILE")
    base: dict[str, object] = {}
    if config_file:
        import json

        base = json.loads(Path(config_file).read_text(encoding="utf-8"))
    return Settings(**{**base, **overrides})  # type: ignore[arg-type]
