"""Sync in the window: the status-bar controller and the conflicts panel."""
