"""insurance inquiries (询保申请, §3.2): the form as submitted and the insurer's reply

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "insurance_inquiries",
        sa.Column("serial_no", sa.String(length=32), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("insurer_name", sa.String(length=200), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("province_code", sa.String(length=6), nullable=False),
        sa.Column("province_name", sa.String(length=200), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("city_name", sa.String(length=200), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("district_name", sa.String(length=200), nullable=True),
        sa.Column("address_detail", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_mobile", sa.String(length=20), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("content", sa.String(length=16), nullable=False),
        sa.Column("other_needs", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("card_type", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("reply_handler", sa.String(length=200), nullable=True),
        sa.Column("reply_handler_contact", sa.String(length=200), nullable=True),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("serial_no", name="pk_insurance_inquiries"),
    )
    op.create_index("ix_insurance_inquiries_uscc_submitted_at", "insurance_inquiries",
                    ["uscc", "submitted_at"])


def downgrade() -> None:
    op.drop_index("ix_insurance_inquiries_uscc_submitted_at", table_name="insurance_inquiries")
    op.drop_table("insurance_inquiries")
