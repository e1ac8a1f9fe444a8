"""Alembic migrations for the Newsroom store (run by :mod:`cms.store` on open)."""
