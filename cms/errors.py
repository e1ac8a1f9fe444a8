"""The exceptions the core raises: each carries a message a user can act on."""

from __future__ import annotations


class NewsroomError(Exception):
    """Base class: anything the CLI prints as one line and the window shows as a message."""


class UsageError(NewsroomError):
    """The request itself is malformed (bad option value, bad date, empty headline)."""


class NotFound(NewsroomError):
    """A story, revision, person or photo that does not exist."""


class Ambiguous(NewsroomError):
    """A reference that matches more than one thing."""


class StoreError(NewsroomError):
    """The store cannot be opened or used: unreachable, corrupt, read-only, foreign or too new."""


class PermissionDenied(NewsroomError):
    """The acting person's role does not allow the action."""


class ConflictError(NewsroomError):
    """An edit was based on a revision that is no longer the story's head."""


class SyncError(NewsroomError):
    """A sync could not finish (central unreachable, schema mismatch, damaged data).

    Whatever was committed before the error is kept; unsent work stays queued.
    """


NOTHING_CHANGED = "nothing was changed"


class WriteRefused(NewsroomError):
    """The disk or a folder refused a write (full, over quota, read-only, not permitted).

    Raised once what was being written is rolled back: ``problem`` says what was
    refused and ``outcome`` what the failure left (normally nothing changed); see
    :mod:`cms.write_errors`.
    """

    def __init__(self, problem: str, outcome: str = NOTHING_CHANGED) -> None:
        """The message is ``problem: outcome``."""
        super().__init__(f"{problem}: {outcome}")
        self.problem = problem
        self.outcome = outcome
