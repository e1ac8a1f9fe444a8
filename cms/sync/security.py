"""The secured central store: PostgreSQL roles, grants, row-level security and triggers.

Filled in by the trust work (issue 14); the migration hook is here so that every
schema upgrade of a secured central installs its policies again.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

POLICY_KEY = "policy_version"


def reinstall_if_secured(connection: Connection) -> None:
    """Install the current policies again on a central store set up with ``--secure``."""
    from sqlalchemy import text

    row = connection.execute(
        text("SELECT value FROM store_meta WHERE key = :k"), {"k": POLICY_KEY}
    ).first()
    if row is None:
        return
    install_policies(connection)


def install_policies(connection: Connection) -> None:
    """Create or replace every role, grant, policy and trigger of a secured central store."""
    raise NotImplementedError("secured central stores arrive with issue 14")
