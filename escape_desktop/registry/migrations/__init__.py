"""The registry's Alembic migrations (``registry/migrate.py`` runs them): apart from the class
data's (``db/migrations``), with a version table of their own (``registry_alembic_version``)."""
