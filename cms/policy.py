"""The secured central store's vocabulary, shared by the client and the store's policies.

A leaf module (it imports nothing of Newsroom's) so that opening a store, the
people module and the policies themselves (:mod:`cms.sync.security`) can all
use it.
"""

from __future__ import annotations

from collections.abc import Mapping

POLICY_KEY = "policy_version"
# 2: a revision's language must be a language tag in the form the core writes.
POLICY_VERSION = 2
# The client tells the store which policies it knows (see cms.store._make_engine).
CLIENT_SETTING = "newsroom.client_policy"
# SQLSTATEs the store raises: refused for lack of rights, unknown or disabled login,
# client too old, damaged or inconsistent data.
REFUSED = "NR403"
UNKNOWN_LOGIN = "NR401"
TOO_OLD = "NR426"
DAMAGED = "NR400"


def is_secured(meta: Mapping[str, str]) -> bool:
    """True when a store's ``store_meta`` says it is a secured central store."""
    return POLICY_KEY in meta


class Refused(Exception):
    """What a secured central store said when it refused something (its SQLSTATE and words)."""

    def __init__(self, code: str, message: str, need_role: str = "", revision: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.need_role = need_role
        self.revision = revision


def refusal(exc: BaseException) -> Refused | None:
    """The store's refusal behind a database error, or None when it is something else."""
    orig = getattr(exc, "orig", exc)
    code = str(getattr(orig, "sqlstate", "") or "")
    diag = getattr(orig, "diag", None)
    if code in (REFUSED, UNKNOWN_LOGIN, TOO_OLD, DAMAGED):
        return Refused(code, str(getattr(diag, "message_primary", "") or orig),
                       str(getattr(diag, "message_detail", "") or ""),
                       str(getattr(diag, "message_hint", "") or ""))
    if code == "42501":  # row-level security or a missing privilege
        return Refused(REFUSED, str(getattr(diag, "message_primary", "") or orig))
    return None

