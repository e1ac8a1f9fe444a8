"""Per-user window preferences (QSettings in an INI file), kept out of the shared store.

Desk-wide settings (time zone, central URL) live in the store via ``cms.config``;
what belongs to one person's window — geometry, splitters, theme, the store they
open and the name they work under — lives here. The file path is computed at
call time, so tests that point HOME elsewhere get their own file.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

import platformdirs
from PySide6.QtCore import QByteArray, QSettings

from cms.store import APP_NAME

THEMES = ("system", "light", "dark")


def settings_path() -> Path:
    """Where the window preferences are kept."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "window.ini"


def data_dir() -> Path:
    """The per-user data folder (recovery journals live under it)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


# Configuration folders found unusable this run -> (temporary folder, why).
_fallbacks: dict[Path, tuple[Path, str]] = {}


def _fallback_file(folder: Path, reason: str) -> Path:
    """A throw-away preferences file for this run only (``folder`` is unusable)."""
    if folder not in _fallbacks:
        temporary = Path(tempfile.mkdtemp(prefix="newsroom-prefs-"))
        atexit.register(shutil.rmtree, temporary, True)
        _fallbacks[folder] = (temporary, reason)
        print(f"newsroom: {reason}", file=sys.stderr)
    return _fallbacks[folder][0] / "window.ini"


def fallback_reason() -> str | None:
    """Why preferences are not being saved this run (None when they are)."""
    found = _fallbacks.get(settings_path().parent)
    return found[1] if found is not None else None


def open_settings() -> QSettings:
    """A QSettings object on the preferences file (cheap; make one per use).

    When the configuration folder cannot be made or written (a file in its place,
    no permission), the preferences live in a temporary file for this run only,
    so the window still starts; :func:`fallback_reason` says why.
    """
    path = settings_path()
    folder = path.parent
    if folder not in _fallbacks:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            settings = QSettings(str(path), QSettings.Format.IniFormat)
            if settings.isWritable():
                return settings
            problem = "it is not writable"
        except OSError as exc:
            problem = exc.strerror or str(exc)
        reason = (f"preferences cannot be saved in {folder} ({problem}); "
                  "window settings are kept for this session only")
        return QSettings(str(_fallback_file(folder, reason)), QSettings.Format.IniFormat)
    return QSettings(str(_fallbacks[folder][0] / "window.ini"), QSettings.Format.IniFormat)


def get_str(key: str, default: str = "") -> str:
    """A text preference."""
    value = open_settings().value(key, default)
    return value if isinstance(value, str) else default


def set_str(key: str, value: str) -> None:
    """Store a text preference (an empty value removes it)."""
    settings = open_settings()
    if value:
        settings.setValue(key, value)
    else:
        settings.remove(key)
    settings.sync()


def get_bytes(key: str) -> QByteArray | None:
    """A binary preference such as a saved geometry, or None."""
    value = open_settings().value(key)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def set_bytes(key: str, value: QByteArray) -> None:
    """Store a binary preference."""
    settings = open_settings()
    settings.setValue(key, value)
    settings.sync()


def get_bool(key: str, default: bool) -> bool:
    """A yes/no preference (INI files store them as text)."""
    value = open_settings().value(key, default)
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def get_int(key: str, default: int) -> int:
    """A whole-number preference; ``default`` when unset or not a number."""
    value = open_settings().value(key, default)
    try:
        return int(str(value))
    except ValueError:
        return default


def set_bool(key: str, value: bool) -> None:
    """Store a yes/no preference."""
    settings = open_settings()
    settings.setValue(key, value)
    settings.sync()


def theme() -> str:
    """The chosen theme: system, light or dark."""
    value = get_str("view/theme", "system")
    return value if value in THEMES else "system"
