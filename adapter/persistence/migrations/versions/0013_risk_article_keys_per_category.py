"""risk article title keys: one GIN index per category instead of one for all

Every keyword search asks for one category's newest matches. With one index over all
categories, a keyword whose titles crowd into one module (一带一路: nearly all of them in
一带一路专报) had every match fetched from the table and dropped for each of the other three
(bench/risk_search.py: 12 ms a search at 100 000 articles); an index per category hands
each module only its own titles.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CATEGORIES = ("COUNTRY", "INDUSTRY", "BELT-AND-ROAD", "TRADE-NEWS")


def _name(category: str) -> str:
    return f"ix_risk_articles_title_keys_{category.lower().replace('-', '_')}"


def upgrade() -> None:
    for category in CATEGORIES:
        where = sa.text(f"category = '{category}'")
        op.create_index(_name(category), "risk_articles", ["title_keys"], postgresql_using="gin",
                        postgresql_where=where, sqlite_where=where)
    op.drop_index("ix_risk_articles_title_keys", table_name="risk_articles")


def downgrade() -> None:
    op.create_index("ix_risk_articles_title_keys", "risk_articles", ["title_keys"],
                    postgresql_using="gin")
    for category in CATEGORIES:
        op.drop_index(_name(category), table_name="risk_articles")
