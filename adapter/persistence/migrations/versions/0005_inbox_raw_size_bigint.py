"""inbox: raw_size as BIGINT, so a declared length past 2 GiB is recorded, not a 500

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.alter_column("raw_size", type_=sa.BigInteger(), existing_type=sa.Integer(),
                           existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.alter_column("raw_size", type_=sa.Integer(), existing_type=sa.BigInteger(),
                           existing_nullable=False)
