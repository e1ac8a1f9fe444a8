"""One vocabulary: the statuses and roles written in code are the workflow tables' own."""

from __future__ import annotations

from cms.rules import load_rules
from cms.store import Store
from cms.sync.security import GROUP_ROLES
from cms.visibility import PUBLIC_STATUSES


def test_the_public_statuses_are_the_tables(store: Store) -> None:
    """Visibility works without a session (the export's SQL, a link's window): its set must
    be what ``statuses.public`` says, which the workflow reads."""
    with store.reading() as session:
        rules = load_rules(session)
    assert rules.public == PUBLIC_STATUSES
    assert set(GROUP_ROLES) == set(rules.roles)  # each role has its group on a secured desk
