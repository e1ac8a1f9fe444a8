"""Replication between a local store and a central store (shared SQLite file or PostgreSQL).

The log both sides exchange is the core's (:mod:`cms.revlog`), labelled by the
core's clock (:mod:`cms.clock`); a story's history is a graph (:mod:`cms.graph`).
Modules here, one idea each:

- :mod:`cms.sync.merge` – three-way merge of two story documents.
- :mod:`cms.sync.diff3` – the paragraph-level three-way merge behind it.
- :mod:`cms.sync.project` – showing replicated heads in ``stories`` (one by one or in bulk).
- :mod:`cms.sync.settle` – after arrivals: project a single head, merge several, or record
  a conflict.
- :mod:`cms.sync.conflicts` – open conflicts: listing, both versions, resolution.
- :mod:`cms.sync.settings` – desk settings that travel (latest change wins).
- :mod:`cms.sync.transfer` – what travels: batches and the checks on arrival (quarantine).
- :mod:`cms.sync.holds` – changes a secured central refused, held here and settled later.
- :mod:`cms.sync.central` – opening a central store, its epoch, the push/pull transport.
- :mod:`cms.sync.replication` – one sync run: checks, pull, settle, push, checkpoints.
- :mod:`cms.sync.security` – the policies of a secured central store (PostgreSQL).
- :mod:`cms.sync.central_admin` – its people, logins and audit log.
- :mod:`cms.sync.faults` – named points where the fault tests stop or kill a sync.
"""
