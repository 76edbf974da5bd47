"""the message board (Q-1): 调查问卷 / 留言板 messages, written once, listed per enterprise

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_board_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("message_no", sa.String(length=32), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("province_code", sa.String(length=6), nullable=False),
        sa.Column("province_name", sa.String(length=200), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("city_name", sa.String(length=200), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("district_name", sa.String(length=200), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_mobile", sa.String(length=20), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("card_type", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_message_board_messages"),
        sa.UniqueConstraint("message_no", name="uq_message_board_messages_message_no"),
    )
    op.create_index("ix_message_board_messages_uscc_submitted_at", "message_board_messages",
                    ["uscc", "submitted_at"])


def downgrade() -> None:
    op.drop_index("ix_message_board_messages_uscc_submitted_at",
                  table_name="message_board_messages")
    op.drop_table("message_board_messages")
