"""The Newsroom desktop window (PySide6). Everything Qt lives here; the core is ``cms``."""
