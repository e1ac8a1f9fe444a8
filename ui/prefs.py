"""Per-user window preferences (QSettings in an INI file), kept out of the shared store.

Desk-wide settings (time zone, central URL) live in the store via ``cms.config``;
what belongs to one person's window — geometry, splitters, theme, the store they
open and the name they work under — lives here. The file path is computed at
call time, so tests that point HOME elsewhere get their own file.
"""

from __future__ import annotations

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


def open_settings() -> QSettings:
    """A QSettings object on the preferences file (cheap; make one per use)."""
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.Format.IniFormat)


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


def set_bool(key: str, value: bool) -> None:
    """Store a yes/no preference."""
    settings = open_settings()
    settings.setValue(key, value)
    settings.sync()


def theme() -> str:
    """The chosen theme: system, light or dark."""
    value = get_str("view/theme", "system")
    return value if value in THEMES else "system"
