"""SQLAlchemy tables, the repositories and the unit of work that implement
``service_layer.unit_of_work``, the database handle, alembic migrations.

Imported only by the app factory and the CLI (which wire it) and the tests.
"""
