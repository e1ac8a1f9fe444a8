"""The desk in the window: notes beside the text, "My desk", who is editing now, updates.

- :mod:`ui.desk.notes_panel` – the open story's notes, their passages marked in the editor.
- :mod:`ui.desk.assign_panel` – who is on the open story, assigning and unassigning.
- :mod:`ui.desk.my_desk` – "My desk": what waits on me (a dock shown at start).
- :mod:`ui.desk.presence` – announcing the open story and showing who else edits it.
- :mod:`ui.desk.updates_panel` – pending updates to a live story beside the live version.

Each installs itself through :mod:`ui.window.extensions`; all store work runs as ops.
"""
