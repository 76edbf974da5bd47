"""attachment records over the content-addressed store (C-10, X-IN-6)

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claim_attachments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("claim_no", sa.String(length=32), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("remark", sa.String(length=400), nullable=False),
        sa.Column("summary", sa.String(length=400), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_claim_attachments"),
        sa.UniqueConstraint("claim_no", "sha256", name="uq_claim_attachments_claim_no_sha256"),
    )
    op.create_index("ix_claim_attachments_sha256", "claim_attachments", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_claim_attachments_sha256", table_name="claim_attachments")
    op.drop_table("claim_attachments")
