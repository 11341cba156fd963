"""Alembic environment of the registry: runs its migrations on the connection handed over
(SQLite or PostgreSQL), recording the revision in the registry's own version table."""

from alembic import context

from escape_desktop.registry.migrate import VERSION_TABLE
from escape_desktop.registry.models import RegistryBase

config = context.config

context.configure(
    connection=config.attributes["connection"],
    target_metadata=RegistryBase.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
