"""The desk around the stories: notes between editors, assignments, updates to live stories,
and who is editing what now.

- :mod:`cms.desk.events` – immutable desk events, their folds and projections.
- :mod:`cms.desk.rights` – who may make which event (the same rules on a secured central).
- :mod:`cms.desk.notes` – notes and replies, anchored to a quoted passage.
- :mod:`cms.desk.assignments` – who is on a story, and by when.
- :mod:`cms.desk.updates` – updates prepared for live stories, approved and applied once.
- :mod:`cms.desk.presence` – who has a story open for editing (central store, leased).
- :mod:`cms.desk.work` – "my desk": what waits on me.
"""
