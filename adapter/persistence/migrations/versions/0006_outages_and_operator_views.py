"""partner circuits; indexes for dead letters, the operator's filters and overdue searches

The circuit breaker's state per partner lives in the database, so every dispatcher sharing
it sees one state and the probe rate holds for all of them together.

Readiness, metrics and the operator lists read only what an index bounds: an outbox page
or count of one status (dead letters too) through (status, id), in the page's own order
(the former (status, next_attempt_at) left the planner sorting every sent row for a page
once its estimates were off; the claim reads the partial index of due rows on
PostgreSQL); undelivered messages by age through a partial (status, created_at) of the
rows not sent (few, however long the sent history); the inbox by
message type through (message_type, id), and its rejected rows, rare among millions
accepted, through partial indexes of their own; agreements waiting in a state, oldest
first, for the overdue report.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UNDELIVERED = sa.text("status IN ('pending', 'sending', 'dead')")
REJECTED = sa.text("status = 'rejected'")


def upgrade() -> None:
    op.create_table(
        "partner_circuits",
        sa.Column("partner", sa.String(32), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("probe_after", sa.DateTime()),
        sa.Column("opened_at", sa.DateTime()),
        sa.Column("last_error_code", sa.String(40)),
        sa.Column("changed_by", sa.String(64)),
        sa.PrimaryKeyConstraint("partner", name="pk_partner_circuits"),
    )
    op.create_index("ix_outbox_undelivered", "outbox", ["status", "created_at"],
                    postgresql_where=UNDELIVERED, sqlite_where=UNDELIVERED)
    op.create_index("ix_outbox_status_id", "outbox", ["status", "id"])
    op.drop_index("ix_outbox_status_next_attempt_at", table_name="outbox")
    op.create_index("ix_inbound_messages_message_type_id", "inbound_messages",
                    ["message_type", "id"])
    op.create_index("ix_inbound_messages_rejected", "inbound_messages", ["id"],
                    postgresql_where=REJECTED, sqlite_where=REJECTED)
    op.create_index("ix_inbound_messages_rejected_type", "inbound_messages",
                    ["message_type", "id"], postgresql_where=REJECTED, sqlite_where=REJECTED)
    op.create_index("ix_agreements_status_signed_at", "agreements", ["status", "signed_at"])
    op.create_index("ix_agreements_status_termination_requested_at", "agreements",
                    ["status", "termination_requested_at"])


def downgrade() -> None:
    op.drop_index("ix_agreements_status_termination_requested_at", table_name="agreements")
    op.drop_index("ix_agreements_status_signed_at", table_name="agreements")
    op.drop_index("ix_inbound_messages_rejected_type", table_name="inbound_messages")
    op.drop_index("ix_inbound_messages_rejected", table_name="inbound_messages")
    op.drop_index("ix_inbound_messages_message_type_id", table_name="inbound_messages")
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])
    op.drop_index("ix_outbox_status_id", table_name="outbox")
    op.drop_index("ix_outbox_undelivered", table_name="outbox")
    op.drop_table("partner_circuits")
