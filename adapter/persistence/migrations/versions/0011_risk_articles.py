"""risk articles, their versions and search index (X-IN-6, R-1 … R-5)

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_articles",
        sa.Column("article_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("title_keys", sa.Text().with_variant(postgresql.ARRAY(sa.Text()), "postgresql"),
                  nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("countries", sa.String(length=400), nullable=False),
        sa.Column("industries", sa.String(length=100), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("has_attachments", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("article_id", name="pk_risk_articles"),
    )
    op.create_index("ix_risk_articles_category_published_at_article_id", "risk_articles",
                    ["category", "published_at", "article_id"])
    op.create_index("ix_risk_articles_published_at_article_id", "risk_articles",
                    ["published_at", "article_id"])
    op.create_index("ix_risk_articles_title_keys", "risk_articles", ["title_keys"],
                    postgresql_using="gin")
    op.create_table(
        "risk_article_tags",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("article_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("kind", "code", "article_id", name="pk_risk_article_tags"),
    )
    op.create_index("ix_risk_article_tags_article_id", "risk_article_tags", ["article_id"])
    op.create_table(
        "risk_article_attachments",
        sa.Column("article_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("article_id", "position", name="pk_risk_article_attachments"),
    )
    op.create_table(
        "risk_article_versions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("article_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_risk_article_versions"),
    )
    op.create_index("ix_risk_article_versions_article_id_version", "risk_article_versions",
                    ["article_id", "version"])


def downgrade() -> None:
    op.drop_index("ix_risk_article_versions_article_id_version", table_name="risk_article_versions")
    op.drop_table("risk_article_versions")
    op.drop_table("risk_article_attachments")
    op.drop_index("ix_risk_article_tags_article_id", table_name="risk_article_tags")
    op.drop_table("risk_article_tags")
    op.drop_index("ix_risk_articles_title_keys", table_name="risk_articles")
    op.drop_index("ix_risk_articles_published_at_article_id", table_name="risk_articles")
    op.drop_index("ix_risk_articles_category_published_at_article_id", table_name="risk_articles")
    op.drop_table("risk_articles")
