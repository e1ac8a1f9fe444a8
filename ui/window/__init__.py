"""The main window and what frames it: layout, menus and commands, settings, theme, and how
panels plug in.
"""
