"""The inspector: the open story's fields, its workflow tab, its "Read next" links and time
entry.
"""
