"""The recovery journal: every change to an open story, on disk before the next keystroke.

One append-only file per open story. The first line holds the document as it
was when editing began (and the revision it was based on); each later line is a
small change: a splice of the body (``p`` prefix length, ``d`` characters
deleted, ``i`` text inserted) or a field's new value. Lines are written with
``os.write`` straight away, so killing the process loses nothing (the kernel has
the bytes); a background thread ``fsync``s soon after, for power loss. A save
that leaves the journal clean deletes it; one that raced with more typing appends
a new ``doc`` line (the latest one wins on replay), so the GUI thread never
rewrites or flushes the file itself.

Replaying tolerates a torn last line. Nothing here imports Qt.

A journal being written is locked by the OS (``flock`` on POSIX, ``msvcrt.locking``
on Windows) for as long as its writer holds it open; the lock goes with the
process, so a crash frees it. Recovery skips locked journals: they belong to a
live window (this one, another window, or another Newsroom on the same store),
not to a crash. Two writers of one story get two files, and so does a writer
that finds a crash's leftover: a journal that holds text is never emptied by a
new session, only deleted once its text was recovered or discarded.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cms.document import StoryDocument, document_from_canonical


def _common_prefix(a: str, b: str) -> int:
    # Binary search on slice equality: C-speed comparisons, no per-character Python loop.
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def splice(old: str, new: str) -> tuple[int, int, str]:
    """The smallest ``(prefix, deleted, inserted)`` that turns ``old`` into ``new``."""
    prefix = _common_prefix(old, new)
    limit = min(len(old), len(new)) - prefix
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[len(old) - mid:] == new[len(new) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    suffix = lo
    return prefix, len(old) - prefix - suffix, new[prefix: len(new) - suffix]


def apply_splice(text: str, prefix: int, deleted: int, inserted: str) -> str:
    """Apply one body change recorded by :func:`splice`."""
    return text[:prefix] + inserted + text[prefix + deleted:]


def journal_folder(root: Path, store_key: str) -> Path:
    """The journals of one store (stores are told apart by a hash of their location)."""
    digest = hashlib.sha256(store_key.encode("utf-8")).hexdigest()[:16]
    return root / "recovery" / digest


def _try_lock(fd: int) -> bool:
    """Take the journal's lock without waiting; False when someone else holds it."""
    try:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # byte 0 stands for the whole file
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _open_locked(path: Path) -> int | None:
    """Open ``path`` for appending with its lock held; None when a live writer has it.

    The lock is on the inode, so after taking it we check that ``path`` still
    names that inode (recovery may have deleted the file between open and lock).
    """
    for _attempt in range(5):
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        if not _try_lock(fd):
            os.close(fd)
            return None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)
    return None


def is_locked(path: Path) -> bool:
    """True when a live window (in any process) is writing the journal at ``path``."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        return not _try_lock(fd)
    finally:
        os.close(fd)  # closing releases a lock taken just to look


def remove_unless_locked(path: Path) -> bool:
    """Delete a journal nobody is writing; False (and nothing deleted) when one is."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return True
    try:
        if not _try_lock(fd):
            return False
        path.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Recovered:
    """What a journal holds: the story as it was being edited, and its base revision."""

    path: Path
    story_id: str
    base_revision: str | None
    document: StoryDocument


class _Syncer:
    """One background thread that fsyncs journals shortly after they are written.

    It works on its own duplicates of the file descriptors, so the GUI thread
    never waits for a disk flush and may close its descriptor at any time.
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._pending: dict[Path, int] = {}
        self._thread: threading.Thread | None = None

    def request(self, path: Path, fd: int) -> None:
        with self._lock:
            if path in self._pending:
                return  # a flush of this file is already queued
            self._pending[path] = os.dup(fd)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="journal-fsync",
                                                daemon=True)
                self._thread.start()
            self._lock.notify()

    def _loop(self) -> None:
        while True:
            with self._lock:
                while not self._pending:
                    if not self._lock.wait(timeout=5.0) and not self._pending:
                        self._thread = None
                        return
                batch = list(self._pending.values())
                self._pending.clear()
            for fd in batch:
                try:
                    os.fsync(fd)
                except OSError:
                    pass  # a file system without fsync: the bytes are written anyway
                finally:
                    os.close(fd)


_SYNCER = _Syncer()


class RecoveryJournal:
    """The journal of one story being edited."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._written = False  # True once this journal wrote its file (it is ours)
        self._body = ""

    def _write(self, records: list[dict[str, Any]]) -> None:
        data = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n"
                       for r in records).encode("utf-8")
        if self._fd is None:
            raise RuntimeError("the journal was not started")
        os.write(self._fd, data)
        _SYNCER.request(self.path, self._fd)

    def start(self, document: StoryDocument, base_revision: str | None) -> None:
        """Begin the journal (or, once begun, record a new starting point after a save).

        Both are appends: a later ``doc`` line supersedes everything before it, so
        a save never rewrites the file while the user types.
        """
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = self._open_own(document.story_id)
            self._written = True
        header = document.canonical()
        header["body"] = document.body  # raw, as the editor holds it
        self._body = document.body
        self._write([{"t": "doc", "base": base_revision, "doc": header}])

    def _open_own(self, story_id: str) -> int:
        """Lock an empty journal file of our own; what another run left is never touched.

        A file that a live window holds, or that holds text (a crash's leftover
        nobody has recovered or discarded yet), stays as it is: this session
        writes a fresh ``<story>-<random>.journal`` beside it.
        """
        fd = _open_locked(self.path)
        if fd is not None and os.fstat(fd).st_size == 0:
            return fd
        if fd is not None:
            os.close(fd)
        self.path = self.path.with_name(f"{story_id}-{uuid.uuid4().hex[:8]}.journal")
        fd = _open_locked(self.path)
        if fd is None:
            raise OSError(f"cannot lock the recovery journal {self.path}")
        return fd

    @property
    def started(self) -> bool:
        """True once :meth:`start` wrote the first line."""
        return self._fd is not None

    def body_changed(self, body: str) -> None:
        """Record the body's new text as a splice of the previous one."""
        prefix, deleted, inserted = splice(self._body, body)
        if deleted == 0 and not inserted:
            return
        self._body = body
        self._write([{"t": "b", "p": prefix, "d": deleted, "i": inserted}])

    def field_changed(self, name: str, canonical_value: Any) -> None:
        """Record a field's new value (in its canonical JSON form)."""
        self._write([{"t": "f", "k": name, "v": canonical_value}])

    def close(self) -> None:
        """Stop writing (the file stays)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def discard(self) -> None:
        """Delete and close: everything in it is safely in the store.

        Only a file this journal wrote: one never started leaves whatever is at its
        path (a crash's leftover that recovery has not offered yet) as it is.
        """
        if self._fd is not None or (self._written and not is_locked(self.path)):
            # Deleted while still locked, so no other window can have taken the name over.
            self.path.unlink(missing_ok=True)
        self.close()


def read_journal(path: Path) -> Recovered | None:
    """Replay a journal; None when it holds no usable start line."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    state: dict[str, Any] | None = None
    base: str | None = None
    body = ""
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            break  # a torn last line: everything before it is good
        kind = record.get("t")
        if kind == "doc":
            state = dict(record["doc"])
            base = record.get("base")
            body = state.get("body", "")
        elif state is None:
            continue
        elif kind == "b":
            body = apply_splice(body, int(record["p"]), int(record["d"]), str(record["i"]))
        elif kind == "f":
            state[str(record["k"])] = record["v"]
    if state is None:
        return None
    state["body"] = body
    try:
        document = document_from_canonical(state)
    except (KeyError, TypeError, ValueError):
        return None
    return Recovered(path=path, story_id=document.story_id, base_revision=base, document=document)


def journals(folder: Path) -> list[Path]:
    """Every journal in a store's folder."""
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.journal"))
