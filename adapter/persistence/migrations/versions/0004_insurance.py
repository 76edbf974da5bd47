"""insurance: applications (one per pending policy), their PDFs, SMS verification codes

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "insurance_applications",
        sa.Column("offer_no", sa.String(length=64), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("enterprise_name", sa.String(length=200), nullable=False),
        sa.Column("org_code", sa.String(length=10), nullable=True),
        sa.Column("insurer_name", sa.String(length=200), nullable=False),
        sa.Column("insurer_code", sa.String(length=64), nullable=False),
        sa.Column("product_code", sa.String(length=64), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("coverage_start", sa.Date(), nullable=False),
        sa.Column("coverage_end", sa.Date(), nullable=False),
        sa.Column("max_liability", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("offered_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("open_uscc", sa.String(length=18), nullable=True),
        sa.Column("application_no", sa.String(length=64), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_mobile", sa.String(length=20), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("submitted_by", sa.String(length=200), nullable=True),
        sa.Column("card_type", sa.String(length=16), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("policy_no", sa.String(length=64), nullable=True),
        sa.Column("policy_start", sa.Date(), nullable=True),
        sa.Column("policy_end", sa.Date(), nullable=True),
        sa.Column("policy_issued_at", sa.DateTime(), nullable=True),
        sa.Column("receipt_status", sa.String(length=8), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("offer_no", name="pk_insurance_applications"),
        sa.UniqueConstraint("open_uscc", name="uq_insurance_applications_open_uscc"),
        sa.UniqueConstraint("application_no", name="uq_insurance_applications_application_no"),
    )
    op.create_index("ix_insurance_applications_uscc_offered_at", "insurance_applications",
                    ["uscc", "offered_at"])
    op.create_index("ix_insurance_applications_uscc_policy_issued_at", "insurance_applications",
                    ["uscc", "policy_issued_at"])
    op.create_table(
        "insurance_documents",
        sa.Column("offer_no", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("shown", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("offer_no", "kind", name="pk_insurance_documents"),
    )
    op.create_table(
        "sms_codes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sms_codes"),
    )
    op.create_index("ix_sms_codes_subject_id", "sms_codes", ["subject", "id"])
    op.create_index("ix_sms_codes_uscc_issued_at", "sms_codes", ["uscc", "issued_at"])


def downgrade() -> None:
    op.drop_index("ix_sms_codes_uscc_issued_at", table_name="sms_codes")
    op.drop_index("ix_sms_codes_subject_id", table_name="sms_codes")
    op.drop_table("sms_codes")
    op.drop_table("insurance_documents")
    op.drop_index("ix_insurance_applications_uscc_policy_issued_at",
                  table_name="insurance_applications")
    op.drop_index("ix_insurance_applications_uscc_offered_at", table_name="insurance_applications")
    op.drop_table("insurance_applications")
