"""buyers the enterprise chose or registered (C-3)

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claim_buyers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("registration_serial", sa.String(length=32), nullable=True),
        sa.Column("english_name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_claim_buyers"),
        sa.UniqueConstraint("uscc", "code", name="uq_claim_buyers_uscc_code"),
        sa.UniqueConstraint("uscc", "registration_serial",
                            name="uq_claim_buyers_uscc_registration_serial"),
    )
    op.create_index("ix_claim_buyers_uscc_at", "claim_buyers", ["uscc", "at"])


def downgrade() -> None:
    op.drop_index("ix_claim_buyers_uscc_at", table_name="claim_buyers")
    op.drop_table("claim_buyers")
