"""outbox: a partial index of the rows still to send, and vacuum it as the queue it is

The claim takes the oldest due rows by id. Without this index PostgreSQL walks the primary
key from the first row ever written and filters out every row already sent, so each claim
grew with the outbox's history (5 ms at 6 000 sent rows). The partial index holds only
pending and sending rows: the claim costs what is due, however long the history.

Every message leaves two dead row versions behind (pending → sending → sent), and the
claim's index scans step over them until a vacuum clears them. On PostgreSQL the outbox
is vacuumed after a fixed number of dead rows instead of a fifth of the table.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DUE = sa.text("status IN ('pending', 'sending')")


def upgrade() -> None:
    op.create_index("ix_outbox_due", "outbox", ["id"], postgresql_where=DUE, sqlite_where=DUE)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, "
                   "autovacuum_vacuum_threshold = 5000)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE outbox RESET (autovacuum_vacuum_scale_factor, "
                   "autovacuum_vacuum_threshold)")
    op.drop_index("ix_outbox_due", table_name="outbox")
