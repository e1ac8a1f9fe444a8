"""What an export is asked to do, and what it reports having done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from platformdirs import user_cache_path

from cms.errors import NewsroomError

Progress = Callable[[int, int, str], None]


class ExportCancelled(NewsroomError):
    """The export was cancelled; nothing was changed."""


@dataclass
class ExportOptions:
    """What to export and where."""

    out: Path | None = None
    zip_path: Path | None = None
    as_of: datetime | None = None
    story: str | None = None
    base_url: str | None = None
    theme: Path | None = None
    cache_dir: Path | None = field(default_factory=lambda: user_cache_path("newsroom") / "export")
    full: bool = False
    workers: int | None = None


@dataclass
class ExportReport:
    """What an export did."""

    out: Path | None
    zip_path: Path | None
    as_of: datetime
    stories: int = 0
    files: int = 0
    written: int = 0
    deleted: int = 0
    checked: int = 0  # files planned and compared (the others were known unchanged)
    rendered: int = 0
    from_cache: int = 0
    bodies_rendered: int = 0
    bodies_cached: int = 0
    photos_encoded: int = 0
    incremental: bool = False
    quick: bool = False  # only the files showing changed stories were looked at
    skipped: list[tuple[str, str]] = field(default_factory=list)
    written_paths: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people."""
        where = str(self.out or self.zip_path)
        text = (f"exported {self.stories} stories to {where}: {self.files} files, "
                f"wrote {self.written}")
        if self.incremental:
            text += f", deleted {self.deleted}, {self.files - self.written} unchanged"
        return text
