"""agreement workflow: live agreement per enterprise, PDF, termination, data authorization

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agreements") as batch:
        batch.add_column(sa.Column("live_uscc", sa.String(length=18), nullable=True))
        batch.add_column(sa.Column("seal_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("termination_requested_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("terminated_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("termination_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("document", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("document_status", sa.String(length=16), nullable=True))
        batch.create_unique_constraint("uq_agreements_live_uscc", ["live_uscc"])
    op.create_table(
        "data_authorizations",
        sa.Column("authorization_no", sa.String(length=64), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("enterprise_name", sa.String(length=200), nullable=False),
        sa.Column("authorized_by", sa.String(length=200), nullable=False),
        sa.Column("authorized_at", sa.DateTime(), nullable=False),
        sa.Column("data_types", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("authorization_no", name="pk_data_authorizations"),
        sa.UniqueConstraint("uscc", name="uq_data_authorizations_uscc"),
    )


def downgrade() -> None:
    op.drop_table("data_authorizations")
    with op.batch_alter_table("agreements") as batch:
        batch.drop_constraint("uq_agreements_live_uscc", type_="unique")
        for column in ("document_status", "document", "termination_reason", "terminated_at",
                       "termination_requested_at", "seal_name", "live_uscc"):
            batch.drop_column(column)
