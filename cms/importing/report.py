"""What an import did (or, with ``--dry-run``, would do), file by file."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ImportReport:
    """Every file of an import under one heading, by its site-relative name."""

    generator: str = ""
    dry_run: bool = False
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    collisions: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    flagged: list[tuple[str, str]] = field(default_factory=list)  # template code to look at
    not_markdown: Counter[str] = field(default_factory=Counter)  # skipped pages by suffix
    converted: int = 0  # template tags converted
    redirects: int = 0  # old URLs kept as aliases
    cancelled: bool = False

    @property
    def files(self) -> int:
        """How many files the import looked at (skipped pages in other markups included)."""
        return (len(self.created) + len(self.updated) + len(self.unchanged)
                + len(self.skipped) + len(self.failed))

    def summary(self) -> str:
        """One line for people."""
        verb = "would import" if self.dry_run else "imported"
        other = sum(self.not_markdown.values())
        kinds = ", ".join(f"{suffix} {count}" for suffix, count in sorted(
            self.not_markdown.items()))
        skipped = f"{len(self.skipped)} skipped" + (
            f" ({other} not Markdown: {kinds})" if other else "")
        text = (f"{verb} {len(self.created)} new, {len(self.updated)} updated, "
                f"{len(self.unchanged)} unchanged, {len(self.collisions)} colliding, "
                f"{skipped}, {len(self.failed)} failed")
        extras = []
        if self.converted or self.flagged:
            extras.append(f"{self.converted} template tags converted, "
                          f"{len(self.flagged)} flagged")
        if self.redirects:
            extras.append(f"{self.redirects} old URLs kept")
        if extras:
            text += "; " + "; ".join(extras)
        return text + (" (cancelled)" if self.cancelled else "")

    def details(self) -> list[str]:
        """Every file that is not simply new, updated or unchanged, one line each."""
        lines = [f"colliding: {name}: {why}" for name, why in self.collisions]
        lines += [f"skipped: {name}: {why}" for name, why in self.skipped]
        lines += [f"flagged: {name}: {note}" for name, note in self.flagged]
        lines += [f"warning: {name}: {message}" for name, message in self.warnings]
        lines += [f"failed: {name}: {why}" for name, why in self.failed]
        return lines
