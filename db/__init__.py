"""Alembic migrations of the figscrape database (installed as figscrape.migrations)."""
