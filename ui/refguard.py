"""A guard for a PySide6 6.12 bug: void QPainter calls drop a reference to ``None``.

On CPython before 3.12 (where ``None`` is not yet immortal), each call such as
``QPainter.setBrush``, ``setPen``, ``drawRect``, ``drawRoundedRect``,
``drawLine`` or ``fillRect`` lowers ``None``'s reference count by one without
having raised it. ``None`` starts with a few thousand references, so a widget
that paints a few thousand shapes kills the interpreter ("deallocating None")
within a paint or two. :func:`painting` lends ``None`` enough references before
a paint and settles the balance afterwards, so the count ends where it started.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_AFFECTED = sys.version_info < (3, 12)
_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None
_decref = ctypes.pythonapi.Py_DecRef
_decref.argtypes = [ctypes.py_object]
_decref.restype = None


@contextmanager
def painting(calls: int) -> Iterator[None]:
    """Wrap a paint that makes at most ``calls`` void QPainter calls."""
    if not _AFFECTED:
        yield
        return
    start = sys.getrefcount(None)
    for _ in range(calls):
        _incref(None)
    try:
        yield
    finally:
        surplus = sys.getrefcount(None) - start
        # Give back what the paint did not use (or lend what it used beyond the estimate).
        for _ in range(max(0, surplus)):
            _decref(None)
        for _ in range(max(0, -surplus)):
            _incref(None)
