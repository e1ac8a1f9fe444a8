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
