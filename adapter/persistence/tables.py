"""The hub's tables, the same on SQLite and PostgreSQL. Alembic migrations mirror them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database, on both engines alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value  # type: ignore[no-any-return]


inbound_messages = Table(
    "inbound_messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("sender", String(64)),
    Column("message_id", String(64)),
    Column("message_type", String(40)),
    Column("business_serial", String(64)),
    Column("correlation_id", String(64)),
    # Set only while the document stands accepted: the unique pair makes delivery idempotent.
    Column("dedup_sender", String(64)),
    Column("dedup_message_id", String(64)),
    Column("raw", LargeBinary, nullable=False),
    Column("raw_size", BigInteger, nullable=False),
    Column("truncated", Boolean, nullable=False, default=False),
    Column("status", String(16), nullable=False),
    Column("ack_id", String(64), nullable=False),
    Column("ack_status", String(12), nullable=False),
    Column("ack_xml", LargeBinary, nullable=False),
    Column("error_code", String(40)),
    Column("error_path", String(300)),
    Column("error_reason", Text),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("last_duplicate_at", UtcDateTime()),
    UniqueConstraint("dedup_sender", "dedup_message_id"),
    Index(None, "received_at"),
    # The operator's filters, newest first: by type, and the rare rejected rows apart.
    Index(None, "message_type", "id"),
    Index("ix_inbound_messages_rejected", "id", postgresql_where=text("status = 'rejected'"),
          sqlite_where=text("status = 'rejected'")),
    Index("ix_inbound_messages_rejected_type", "message_type", "id",
          postgresql_where=text("status = 'rejected'"), sqlite_where=text("status = 'rejected'")),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("message_id", String(64), nullable=False, unique=True),
    Column("message_type", String(40), nullable=False),
    Column("partner", String(32), nullable=False),
    Column("business_serial", String(64), nullable=False),
    Column("correlation_id", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_until", UtcDateTime()),
    Column("claimed_by", String(64)),
    Column("sent_at", UtcDateTime()),
    Column("last_error_code", String(40)),
    Column("last_error", Text),
    Column("remote_ack", LargeBinary),
    # Each status in id order: the operator's pages, and the claim's search on SQLite.
    Index(None, "status", "id"),
    # The claim's path: only the rows still to send, so it does not walk the sent history.
    Index("ix_outbox_due", "id", postgresql_where=text("status IN ('pending', 'sending')"),
          sqlite_where=text("status IN ('pending', 'sending')")),
    # Messages not delivered, by how long ago they were written: the overdue report's
    # search and count, index-only, however long the sent history.
    Index("ix_outbox_undelivered", "status", "created_at",
          postgresql_where=text("status IN ('pending', 'sending', 'dead')"),
          sqlite_where=text("status IN ('pending', 'sending', 'dead')")),
)

# One row per partner: its circuit as every dispatcher sharing the database sees it.
partner_circuits = Table(
    "partner_circuits",
    metadata,
    Column("partner", String(32), primary_key=True),
    Column("state", String(12), nullable=False),
    Column("failures", Integer, nullable=False, default=0),
    Column("changed_at", UtcDateTime(), nullable=False),
    Column("probe_after", UtcDateTime()),
    Column("opened_at", UtcDateTime()),
    Column("last_error_code", String(40)),
    Column("changed_by", String(64)),
)

timeline = Table(
    "timeline",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("event", String(32), nullable=False),
    Column("message_type", String(40)),
    Column("message_id", String(64)),
    Column("correlation_id", String(64)),
    Column("outcome", String(32)),
    Column("detail", Text),
    Index(None, "object_type", "object_id", "id"),
)

agreements = Table(
    "agreements",
    metadata,
    Column("agreement_no", String(64), primary_key=True),
    Column("uscc", String(18), nullable=False),
    Column("enterprise_name", String(200), nullable=False),
    Column("org_code", String(10)),
    Column("status", String(16), nullable=False),
    Column("signer_name", String(200), nullable=False),
    Column("seal_id", String(64), nullable=False),
    Column("signed_at", UtcDateTime(), nullable=False),
    Column("stamped_at", UtcDateTime()),
    Column("insurer_seal_serial", String(64)),
    Column("refusal_reason", Text),
    Column("updated_at", UtcDateTime(), nullable=False),
    # The enterprise's USCC while the agreement is live: one live agreement per enterprise.
    Column("live_uscc", String(18), unique=True),
    Column("seal_name", String(200)),
    Column("termination_requested_at", UtcDateTime()),
    Column("terminated_at", UtcDateTime()),
    Column("termination_reason", Text),
    # The signed PDF, and the status it was rendered for (re-rendered when that changes).
    Column("document", LargeBinary),
    Column("document_status", String(16)),
    Index(None, "uscc", "signed_at"),
    # The overdue report's searches: agreements waiting in a state, oldest first.
    Index(None, "status", "signed_at"),
    Index(None, "status", "termination_requested_at"),
)

data_authorizations = Table(
    "data_authorizations",
    metadata,
    Column("authorization_no", String(64), primary_key=True),
    Column("uscc", String(18), nullable=False, unique=True),
    Column("enterprise_name", String(200), nullable=False),
    Column("authorized_by", String(200), nullable=False),
    Column("authorized_at", UtcDateTime(), nullable=False),
    Column("data_types", String(200), nullable=False),
)

insurance_applications = Table(
    "insurance_applications",
    metadata,
    Column("offer_no", String(64), primary_key=True),
    Column("uscc", String(18), nullable=False),
    Column("enterprise_name", String(200), nullable=False),
    Column("org_code", String(10)),
    Column("insurer_name", String(200), nullable=False),
    Column("insurer_code", String(64), nullable=False),
    Column("product_code", String(64), nullable=False),
    Column("product_name", String(200), nullable=False),
    Column("coverage_start", Date, nullable=False),
    Column("coverage_end", Date, nullable=False),
    Column("max_liability", Numeric(18, 2)),
    Column("currency", String(3)),
    Column("offered_at", UtcDateTime(), nullable=False),
    Column("status", String(8), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # The enterprise's USCC while the offer is open: one open offer per enterprise.
    Column("open_uscc", String(18), unique=True),
    Column("application_no", String(64), unique=True),
    Column("contact_name", String(200)),
    Column("contact_mobile", String(20)),
    Column("contact_email", String(254)),
    Column("submitted_at", UtcDateTime()),
    Column("submitted_by", String(200)),
    Column("card_type", String(16)),
    Column("decided_at", UtcDateTime()),
    Column("return_reason", Text),
    Column("policy_no", String(64)),
    Column("policy_start", Date),
    Column("policy_end", Date),
    Column("policy_issued_at", UtcDateTime()),
    Column("receipt_status", String(8)),
    Column("acknowledged_at", UtcDateTime()),
    Column("acknowledged_by", String(200)),
    Index(None, "uscc", "offered_at"),
    Index(None, "uscc", "policy_issued_at"),
)

# The PDFs of an application: the form (application), the policy, the insurer's e-policy.
insurance_documents = Table(
    "insurance_documents",
    metadata,
    Column("offer_no", String(64), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("pdf", LargeBinary, nullable=False),
    Column("shown", String(16)),
)

sms_codes = Table(
    "sms_codes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("subject", String(64), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("mobile", String(20), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("used_at", UtcDateTime()),
    Index(None, "subject", "id"),
    Index(None, "uscc", "issued_at"),
)

# 询保申请 (§3.2): one row per inquiry, the form as submitted and the insurer's reply.
insurance_inquiries = Table(
    "insurance_inquiries",
    metadata,
    Column("serial_no", String(32), primary_key=True),
    Column("uscc", String(18), nullable=False),
    Column("insurer_name", String(200), nullable=False),
    Column("company_name", String(200), nullable=False),
    Column("province_code", String(6), nullable=False),
    Column("province_name", String(200), nullable=False),
    Column("city_code", String(6)),
    Column("city_name", String(200)),
    Column("district_code", String(6)),
    Column("district_name", String(200)),
    Column("address_detail", String(200), nullable=False),
    Column("contact_name", String(200), nullable=False),
    Column("contact_mobile", String(20), nullable=False),
    Column("contact_email", String(254), nullable=False),
    Column("content", String(16), nullable=False),
    Column("other_needs", Text),
    Column("submitted_by", String(200), nullable=False),
    Column("card_type", String(16), nullable=False),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("status", String(8), nullable=False),
    Column("reply", Text),
    Column("reply_handler", String(200)),
    Column("reply_handler_contact", String(200)),
    Column("replied_at", UtcDateTime()),
    Index(None, "uscc", "submitted_at"),
)

# 买方信息 (§四, C-3): the buyers an enterprise picked from the insurer's list (已选用) or
# registered through the hub (登记中 until the insurer's code is known, then 已登记).
claim_buyers = Table(
    "claim_buyers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("uscc", String(18), nullable=False),
    Column("status", String(8), nullable=False),
    Column("code", String(32)),
    Column("registration_serial", String(32)),
    Column("english_name", String(200), nullable=False),
    Column("country", String(3), nullable=False),
    Column("address", String(200), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    UniqueConstraint("uscc", "code"),
    UniqueConstraint("uscc", "registration_serial"),
    Index(None, "uscc", "at"),
)

# 索赔申请 (§四): one row per claim; the form's sections and shipment lines as JSON, kept
# whole with the claim so a save is one statement and the report digest is taken of them.
claims = Table(
    "claims",
    metadata,
    Column("claim_no", String(32), primary_key=True),
    Column("uscc", String(18), nullable=False),
    Column("enterprise_name", String(200), nullable=False),
    Column("offer_no", String(64), nullable=False),
    Column("policy_no", String(64), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("insurer_name", String(200), nullable=False),
    Column("insurer_code", String(64), nullable=False),
    Column("status", String(8), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("form", Text, nullable=False),
    Column("lines", Text, nullable=False),
    Column("report_digest", String(64)),
    Column("report_sha256", String(64)),
    Column("report_generated_at", UtcDateTime()),
    Column("submissions", Integer, nullable=False),
    Column("business_serial", String(40)),
    Column("submitted_at", UtcDateTime()),
    Column("submitted_by", String(200)),
    Column("review", Text),
    Index(None, "uscc", "offer_no", "created_at"),
)

# The sealed 出运数据报告 of a claim: the latest one generated.
claim_reports = Table(
    "claim_reports",
    metadata,
    Column("claim_no", String(32), primary_key=True),
    Column("pdf", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
)

# A claim's 附件 (C-10): one row per uploaded file, the bytes in the attachment store under
# their SHA-256. The same bytes twice on one claim are refused (unique); the insurer's fetch
# finds a blob by its digest.
claim_attachments = Table(
    "claim_attachments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("claim_no", String(32), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("name", String(200), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("remark", String(400), nullable=False),
    Column("summary", String(400), nullable=False),
    Column("uploaded_at", UtcDateTime(), nullable=False),
    Column("uploaded_by", String(200), nullable=False),
    UniqueConstraint("claim_no", "sha256"),
    Index(None, "sha256"),
)


# 调查问卷 / 留言板 (§七): one row per message, written once; the enterprise lists its own
# (uscc, submitted_at), operators page all of them by id.
message_board_messages = Table(
    "message_board_messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("message_no", String(32), nullable=False, unique=True),
    Column("uscc", String(18), nullable=False),
    Column("company_name", String(200), nullable=False),
    Column("province_code", String(6), nullable=False),
    Column("province_name", String(200), nullable=False),
    Column("city_code", String(6)),
    Column("city_name", String(200)),
    Column("district_code", String(6)),
    Column("district_name", String(200)),
    Column("contact_name", String(200), nullable=False),
    Column("contact_mobile", String(20), nullable=False),
    Column("contact_email", String(254)),
    Column("content", Text, nullable=False),
    Column("submitted_by", String(200), nullable=False),
    Column("card_type", String(16), nullable=False),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Index(None, "uscc", "submitted_at"),
)


# 风险资讯 (X-IN-6, §五): the newest version the hub holds of each article. ``title_keys``
# is the title's characters and character pairs (PostgreSQL: text[] under a GIN index per
# category, so a keyword of two characters or more is looked up by its pairs within the
# module searched, then confirmed on the title); SQLite leaves it empty and scans titles
# (see adapter/persistence/risk_articles.py).
RISK_CATEGORIES = ("COUNTRY", "INDUSTRY", "BELT-AND-ROAD", "TRADE-NEWS")


def risk_title_keys_index(category: str) -> Index:
    """One category's GIN index of title keys: a keyword whose titles crowd into one module
    is not fetched row by row for the other three (migration 0013)."""
    where = text(f"category = '{category}'")
    return Index(f"ix_risk_articles_title_keys_{category.lower().replace('-', '_')}",
                 "title_keys", postgresql_using="gin", postgresql_where=where, sqlite_where=where)


risk_articles = Table(
    "risk_articles",
    metadata,
    Column("article_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("withdrawn", Boolean, nullable=False),
    Column("category", String(16), nullable=False),
    Column("title", String(200), nullable=False),
    Column("title_keys", Text().with_variant(ARRAY(Text()), "postgresql")),
    Column("summary", Text),
    Column("body_html", Text),
    Column("countries", String(400), nullable=False),
    Column("industries", String(100), nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("message_id", String(64), nullable=False),
    Column("has_attachments", Boolean, nullable=False),
    Index(None, "category", "published_at", "article_id"),
    Index(None, "published_at", "article_id"),
    *(risk_title_keys_index(category) for category in RISK_CATEGORIES),
)

# 国别 and 行业 of each held article, one row per code: the search filters' index.
risk_article_tags = Table(
    "risk_article_tags",
    metadata,
    Column("kind", String(8), primary_key=True),
    Column("code", String(8), primary_key=True),
    Column("article_id", String(64), primary_key=True),
    Index(None, "article_id"),
)

# The held version's attachments: names and types here, the bytes in the attachment store.
risk_article_attachments = Table(
    "risk_article_attachments",
    metadata,
    Column("article_id", String(64), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("file_name", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
)

# Every version received, applied or ignored: what the article's history shows.
risk_article_versions = Table(
    "risk_article_versions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("article_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("action", String(8), nullable=False),
    Column("title", String(200), nullable=False),
    Column("message_id", String(64), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("outcome", String(8), nullable=False),
    Index(None, "article_id", "version"),
)
