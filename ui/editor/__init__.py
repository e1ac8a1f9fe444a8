"""Writing a story: the editor, autosave and the recovery journal, find/replace, the live
preview and history.
"""
