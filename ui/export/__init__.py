"""Exporting from the window: the Export Site dialog."""
