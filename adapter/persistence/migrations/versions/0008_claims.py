"""claims, shipment lines, the shipment report's digest, review receipts (§四)

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("claim_no", sa.String(length=32), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("enterprise_name", sa.String(length=200), nullable=False),
        sa.Column("offer_no", sa.String(length=64), nullable=False),
        sa.Column("policy_no", sa.String(length=64), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("insurer_name", sa.String(length=200), nullable=False),
        sa.Column("insurer_code", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("form", sa.Text(), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("report_digest", sa.String(length=64), nullable=True),
        sa.Column("report_sha256", sa.String(length=64), nullable=True),
        sa.Column("report_generated_at", sa.DateTime(), nullable=True),
        sa.Column("submissions", sa.Integer(), nullable=False),
        sa.Column("business_serial", sa.String(length=40), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("submitted_by", sa.String(length=200), nullable=True),
        sa.Column("review", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("claim_no", name="pk_claims"),
    )
    op.create_index("ix_claims_uscc_offer_no_created_at", "claims",
                    ["uscc", "offer_no", "created_at"])
    op.create_table(
        "claim_reports",
        sa.Column("claim_no", sa.String(length=32), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("claim_no", name="pk_claim_reports"),
    )


def downgrade() -> None:
    op.drop_table("claim_reports")
    op.drop_index("ix_claims_uscc_offer_no_created_at", table_name="claims")
    op.drop_table("claims")
