"""One story being edited: its working document, autosave, and the recovery journal.

The working document changes with every keystroke (and goes to the journal at
once); after a short pause, on switching stories and on closing, it is saved as
a revision on the write thread with ``base_revision`` set to the revision the
editor started from, so a change made elsewhere meanwhile becomes a
``ConflictError`` instead of being overwritten. A failed save keeps the text,
says why, and tries again later.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from cms import stories
from cms.document import StoryDocument
from cms.errors import ConflictError
from cms.people import Actor
from cms.store import Store
from cms.stories import SavedStory
from ui.editor.journal import RecoveryJournal
from ui.ops import Op, OpContext, describe_error

AUTOSAVE_IDLE_MS = 1500
RETRY_MS = 5000


class SaveState(Enum):
    """What the status bar says about the open story."""

    SAVED = "saved"
    UNSAVED = "unsaved"
    SAVING = "saving"
    FAILED = "failed"
    CONFLICT = "conflict"


class EditingSession(QObject):
    """The open story's edits; see the module docstring. Holds no database session."""

    state_changed = Signal(object, str)  # SaveState, detail
    retire_done = Signal(object)  # this session, once its last save is in
    saved = Signal(str, str)  # story id, revision id
    conflict = Signal(str)  # message

    def __init__(
        self,
        store: Store,
        actor: Actor,
        document: StoryDocument,
        base_revision: str | None,
        journal: RecoveryJournal,
        write_pool: QThreadPool,
        parent: QObject | None = None,
        *,
        saved_document: StoryDocument | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.actor = actor
        self.document = document
        self.base_revision = base_revision
        # What the store holds; differs from ``document`` only for recovered text.
        self.saved_document = (saved_document or document).normalised()
        self.journal = journal
        self._pool = write_pool
        self._save_op: Op[SavedStory] | None = None
        self._again = False
        self._blocked_by_conflict = False
        self.state = SaveState.SAVED
        self.last_error = ""
        self.retired = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_IDLE_MS)
        self._timer.timeout.connect(self.save)

    @property
    def story_id(self) -> str:
        """The story being edited."""
        return self.document.story_id

    @property
    def dirty(self) -> bool:
        """True when the working document differs from what the store holds."""
        return self.document.normalised() != self.saved_document

    def saving(self) -> bool:
        """True while a save is on the write thread."""
        return self._save_op is not None

    def _set_state(self, state: SaveState, detail: str = "") -> None:
        self.state = state
        self.state_changed.emit(state, detail)

    def update(self, **changes: Any) -> None:
        """Apply the user's changes to the working document (and journal them)."""
        new = self.document.evolve(**changes)
        if new == self.document:
            return
        if not self.journal.started:
            self.journal.start(self.document, self.base_revision)
        fields = [name for name in changes if name != "body"]
        if "body" in changes:
            self.journal.body_changed(new.body)
        if fields:  # the canonical form is only needed for fields (typing skips it)
            canonical = new.canonical()
            for name in fields:
                # A field empty by default (language) is absent from the canonical form.
                self.journal.field_changed(name, canonical.get(name, ""))
        self.document = new
        if self.state is not SaveState.CONFLICT:
            self._set_state(SaveState.UNSAVED)
        if not self._blocked_by_conflict:
            self._timer.start()

    def save(self) -> None:
        """Save now if anything changed (asynchronously, on the write thread)."""
        self._timer.stop()
        if self._blocked_by_conflict:
            return
        if self._save_op is not None:
            self._again = True
            return
        if not self.dirty:
            if self.state is not SaveState.SAVED:
                self._set_state(SaveState.SAVED)
            return
        document, base = self.document, self.base_revision
        store, actor = self.store, self.actor

        def work(_ctx: OpContext) -> SavedStory:
            with store.session() as session:
                return stories.save(session, actor, document, base_revision=base,
                                    message="edited")

        self._set_state(SaveState.SAVING)
        op: Op[SavedStory] = Op(None, work, pool=self._pool)
        op.success(lambda result: self._saved(document, result))
        op.failure(self._save_failed)
        self._save_op = op
        op.run()

    def _saved(self, sent: StoryDocument, result: SavedStory) -> None:
        self._save_op = None
        self.base_revision = result.revision_id
        self.saved_document = result.document
        self.last_error = ""
        if self.document.normalised() == result.document:
            self.journal.discard()
            self._set_state(SaveState.SAVED)
        else:
            # Typing went on during the save: restart the journal from the new base.
            self.journal.start(self.document, self.base_revision)
            self._set_state(SaveState.UNSAVED)
        self.saved.emit(self.story_id, result.revision_id)
        again, self._again = self._again, False
        if self.state is SaveState.UNSAVED:
            self._timer.start(0 if again or self.retired else AUTOSAVE_IDLE_MS)
        elif self.retired:
            self._finished_retiring()

    def _save_failed(self, error: BaseException) -> None:
        self._save_op = None
        self._again = False
        self.last_error = describe_error(error)
        if isinstance(error, ConflictError):
            self._blocked_by_conflict = True
            self._set_state(SaveState.CONFLICT, self.last_error)
            self.conflict.emit(self.last_error)
            return
        # Locked or unreachable store: the text stays here and in the journal; retry.
        self._set_state(SaveState.FAILED, self.last_error)
        self._timer.start(RETRY_MS)

    def overwrite_with_mine(self) -> None:
        """Resolve a conflict by saving this text on top of the other change."""
        with self.store.reading() as session:
            self.base_revision = stories.head_revision(session, self.story_id)
        self._blocked_by_conflict = False
        self.save()

    def detach_as_copy(self) -> None:
        """Stop saving into this story (the caller saved the text as a new story)."""
        self._blocked_by_conflict = True
        self._timer.stop()

    def retire(self) -> None:
        """The user moved to another story: save in the background, then let go.

        If the save fails the session keeps retrying and the journal stays, so the
        text is never lost; :attr:`retire_done` fires once everything is stored.
        """
        self.retired = True
        self._timer.stop()
        if self._save_op is not None:
            self._again = True
            return
        if self.dirty and not self._blocked_by_conflict:
            self.save()
        elif not self.dirty:
            self._finished_retiring()
        else:
            self.journal.close()

    def _finished_retiring(self) -> None:
        self.journal.discard()
        self.retire_done.emit(self)

    def wait(self) -> None:
        """Block until the save in flight (if any) has delivered its result."""
        while self._save_op is not None:
            from PySide6.QtCore import QCoreApplication, QEventLoop

            self._pool.waitForDone(50)
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)

    def finish(self) -> bool:
        """Save synchronously before the story is put away; True when nothing is unsaved."""
        self._timer.stop()
        self.wait()
        if self.dirty and not self._blocked_by_conflict:
            self.save()
            self.wait()
        clean = not self.dirty
        if clean:
            self.journal.discard()
        else:
            self.journal.close()  # keep it: the next start offers the text back
        return clean
