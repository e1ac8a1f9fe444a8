"""The secured central store: PostgreSQL itself enforces who may do what.

``newsroom central init URL --secure`` (run with the URL of the database's
owner) installs what this module holds. From then on the person acting is the
database login (``session_user``), never a name a client claims, and whatever
client or SQL a login uses:

- **Group roles** ``newsroom_reporter``, ``newsroom_editor``, ``newsroom_desk``
  and ``newsroom_admin`` carry the table privileges; each person's login is a
  member of the one matching their role, and only people added to the desk may
  connect to its database at all.
- **Revisions** are judged as they arrive by a trigger applying the same rules
  as :mod:`cms.rules`, read from the same workflow tables: a move, a schedule, an
  embargo or a change to a story the login's role may not make is refused. The
  revision's content address is checked and its author is stamped from the
  login. Revisions, their parent edges, workflow moves, the revision log and the
  audit log are append-only for everyone.
- **The projection** a central keeps in ``stories`` is derived by triggers
  from the revision a row names, which must be the story's preferred head (a
  public or killed version always outranks a stale draft), so no ``UPDATE`` can
  publish, unpublish or rewrite a story; photos, links and tags are rebuilt by
  the store itself.
- **People, roles and the workflow tables** are written only through the
  functions below, by admins; **desk settings** by desk chiefs and admins
  (``comments_embed``, ``base_url``, ``export_theme``: admins), under
  row-level security.
- **Every accepted change** goes into ``central_audit`` with the login and the
  server's time.

The policies carry a version (``store_meta.policy_version``); every schema
upgrade installs them again (:func:`reinstall_if_secured`, called from the
migrations), and a client older than the policies is refused by the store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cms.config import ADMIN_SETTINGS
from cms.policy import (
    CLIENT_SETTING,
    DAMAGED,
    POLICY_KEY,
    POLICY_VERSION,
    REFUSED,
    TOO_OLD,
    UNKNOWN_LOGIN,
)
from cms.revlog import record_arrivals_function
from cms.rules import STATE_FIELDS

GROUP_ROLES = {
    "reporter": "newsroom_reporter",
    "editor": "newsroom_editor",
    "desk_chief": "newsroom_desk",
    "admin": "newsroom_admin",
}

DESK_TABLES = ("desk_events", "notes", "note_recipients", "assignments", "story_updates",
               "presence")
READ_TABLES = (*DESK_TABLES,
    "alembic_version", "store_meta", "settings", "roles", "people", "statuses",
    "workflow_transitions", "sections", "blobs", "revisions", "revision_parents",
    "story_transitions", "stories", "story_tags", "photo_placements", "related_links",
    "sync_counters", "revision_seq", "sync_replicas", "sync_dirty", "revision_holds",
    "quarantined_revisions",
)
INSERT_TABLES = ("blobs", "revisions", "revision_parents", "story_transitions", "sections",
                 "sync_replicas", "stories", "settings", "quarantined_revisions",
                 "desk_events", "presence")
UPDATE_TABLES = ("stories", "sync_replicas", "settings", "presence")
DELETE_TABLES = ("stories", "presence")
CLIENT_FUNCTIONS = ("newsroom_actor", "newsroom_may_set", "newsroom_may_read_audit",
                    "newsroom_record_arrivals",
                    "newsroom_rotate_epoch", "newsroom_person_add", "newsroom_person_role",
                    "newsroom_person_active")
APPEND_ONLY = ("revisions", "revision_parents", "story_transitions", "revision_seq",
               "central_audit", "quarantined_revisions", "desk_events")


def group_role(role: str) -> str:
    """The PostgreSQL group role that carries ``role``'s privileges."""
    return GROUP_ROLES.get(role, f"newsroom_{role}")


def scram_verifier(password: str, *, iterations: int = 4096) -> str:
    """A SCRAM-SHA-256 verifier for ``password`` (RFC 5802, 7677), as PostgreSQL stores it.

    Sent instead of the password, so the password itself never reaches the
    server, its statement log or its error log.
    """
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _state_keys() -> str:
    """The document keys that are not what a story says, as a PostgreSQL text array."""
    return "ARRAY[" + ", ".join(_literal(key) for key in sorted(STATE_FIELDS)) + "]"


def _functions(schema: str) -> list[str]:
    """Every function of the policies, owned by the store's owner."""
    definer = f"SECURITY DEFINER SET search_path = {_quote(schema)}, pg_temp"
    state = _state_keys()
    admin_settings = "ARRAY[" + ", ".join(_literal(k) for k in ADMIN_SETTINGS) + "]"
    return [
        # Who is acting: the owner (or a superuser) administers; anyone else must be a
        # person of this desk whose login this is, active, using a client that knows
        # the current policies.
        f"""
CREATE OR REPLACE FUNCTION newsroom_is_owner() RETURNS boolean LANGUAGE sql STABLE {definer} AS $$
  SELECT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)
      OR pg_has_role(session_user, (SELECT tableowner FROM pg_tables
                                    WHERE schemaname = {_literal(schema)}
                                      AND tablename = 'revisions'), 'MEMBER')
$$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_actor(OUT username text, OUT role text, OUT rank int)
LANGUAGE plpgsql STABLE {definer} AS $$
DECLARE
  wanted int := (SELECT value::int FROM store_meta WHERE key = {_literal(POLICY_KEY)});
  told text := current_setting({_literal(CLIENT_SETTING)}, true);
BEGIN
  SELECT p.username, p.role, r.rank INTO username, role, rank
    FROM people p JOIN roles r ON r.name = p.role
   WHERE p.login = session_user AND p.active;
  IF FOUND THEN
    IF coalesce(nullif(told, ''), '0')::int < coalesce(wanted, 0) THEN
      RAISE EXCEPTION USING ERRCODE = {_literal(TOO_OLD)}, MESSAGE = format(
        'this Newsroom is older than the rules of the central store (policy %s): '
        'update Newsroom to sync', wanted);
    END IF;
    RETURN;
  END IF;
  IF newsroom_is_owner() THEN
    username := session_user;
    SELECT r.name, r.rank INTO role, rank FROM roles r ORDER BY r.rank DESC LIMIT 1;
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM people p WHERE p.login = session_user) THEN
    RAISE EXCEPTION USING ERRCODE = {_literal(UNKNOWN_LOGIN)}, MESSAGE = format(
      'the login %s is disabled on this desk', session_user);
  END IF;
  RAISE EXCEPTION USING ERRCODE = {_literal(UNKNOWN_LOGIN)}, MESSAGE = format(
    'the login %s is not a person of this desk: an admin adds it with '
    '`newsroom central user add NAME --role ROLE --login %s`', session_user, session_user);
END $$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_audit(kind text, story text, revision text, detail text)
RETURNS void LANGUAGE plpgsql VOLATILE {definer} AS $$
DECLARE who record;
BEGIN
  SELECT * INTO who FROM newsroom_actor();
  INSERT INTO central_audit (at, login, person, kind, story_id, revision_id, detail)
  VALUES (clock_timestamp(), session_user, who.username, kind, story, revision, detail);
END $$""",
        # The rules of cms.rules, on the same tables and the same canonical JSON.
        """
CREATE OR REPLACE FUNCTION newsroom_role_label(role text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN left(replace(role, '_', ' '), 1) IN ('a','e','i','o','u')
              THEN 'an ' ELSE 'a ' END || replace(role, '_', ' ')
$$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_entry_rank(status text) RETURNS int
LANGUAGE sql STABLE {definer} AS $$
  SELECT coalesce(min(r.rank), (SELECT max(rank) FROM roles))
    FROM workflow_transitions t JOIN roles r ON r.name = t.min_role WHERE t.to_status = status
$$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_role_at(wanted int) RETURNS text
LANGUAGE sql STABLE {definer} AS $$
  SELECT coalesce((SELECT name FROM roles WHERE rank >= wanted ORDER BY rank LIMIT 1),
                  (SELECT name FROM roles ORDER BY rank DESC LIMIT 1))
$$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_reachable(mine int, start text, goal text) RETURNS boolean
LANGUAGE sql STABLE {definer} AS $$
  WITH RECURSIVE walk(status) AS (
    SELECT start
    UNION
    SELECT t.to_status FROM walk w
      JOIN workflow_transitions t ON t.from_status = w.status
      JOIN roles r ON r.name = t.min_role
     WHERE r.rank <= mine)
  SELECT EXISTS (SELECT 1 FROM walk WHERE status = goal)
$$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_judge_one(mine int, before jsonb, after jsonb,
                                              OUT message text, OUT need text)
LANGUAGE plpgsql STABLE {definer} AS $$
DECLARE
  old jsonb := coalesce(before, jsonb_build_object('status', 'draft', 'publish_at', null,
                                                  'embargo_until', null, 'correction', ''));
  start text := coalesce(old->>'status', 'draft');
  goal text := coalesce(after->>'status', 'draft');
  writing int;
  schedule_rank int := newsroom_entry_rank('scheduled');
BEGIN
  IF NOT EXISTS (SELECT 1 FROM statuses WHERE name = goal) THEN
    message := format('%L is not a status of this desk', goal);
    need := newsroom_role_at(2147483647);
    RETURN;
  END IF;
  IF start <> goal AND NOT newsroom_reachable(mine, start, goal) THEN
    SELECT name INTO need FROM roles WHERE newsroom_reachable(rank, start, goal)
     ORDER BY rank LIMIT 1;
    need := coalesce(need, newsroom_role_at(2147483647));
    message := format('moving a story from %s to %s needs %s', start, goal,
                      newsroom_role_label(need));
    RETURN;
  END IF;
  writing := greatest(newsroom_entry_rank(start), newsroom_entry_rank(goal));
  IF (old->'embargo_until') IS DISTINCT FROM (after->'embargo_until')
     AND mine < schedule_rank THEN
    need := newsroom_role_at(schedule_rank);
    message := format('setting or lifting an embargo needs %s', newsroom_role_label(need));
    RETURN;
  END IF;
  IF (old->'publish_at') IS DISTINCT FROM (after->'publish_at') AND mine < writing THEN
    need := newsroom_role_at(writing);
    message := format('changing the publication time of a %s story needs %s', goal,
                      newsroom_role_label(need));
    RETURN;
  END IF;
  IF coalesce(old->>'correction', '') <> coalesce(after->>'correction', '')
     AND mine < newsroom_entry_rank('corrected') THEN
    need := newsroom_role_at(newsroom_entry_rank('corrected'));
    message := format('a correction note needs %s', newsroom_role_label(need));
    RETURN;
  END IF;
  IF (before IS NULL OR (before - {state}) IS DISTINCT FROM (after - {state}))
     AND mine < writing THEN
    need := newsroom_role_at(writing);
    message := format('changing a %s story needs %s',
      CASE WHEN newsroom_entry_rank(start) >= newsroom_entry_rank(goal) THEN start ELSE goal END,
      newsroom_role_label(need));
    RETURN;
  END IF;
END $$""",
        # The shape every consumer of a revision relies on (cms.validate holds the full rules;
        # this is what keeps a raw INSERT from breaking everyone else's sync or export).
        r"""
CREATE OR REPLACE FUNCTION newsroom_document_problem(doc jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN jsonb_typeof(doc) IS DISTINCT FROM 'object' THEN 'not a story document'
    WHEN jsonb_typeof(doc->'story_id') IS DISTINCT FROM 'string'
      OR jsonb_typeof(doc->'headline') IS DISTINCT FROM 'string'
      OR jsonb_typeof(doc->'body') IS DISTINCT FROM 'string'
      OR jsonb_typeof(doc->'status') IS DISTINCT FROM 'string'
      OR jsonb_typeof(doc->'slug') IS DISTINCT FROM 'string'
      OR coalesce(jsonb_typeof(doc->'deleted'), 'boolean') <> 'boolean'
      OR coalesce(jsonb_typeof(doc->'tags'), 'array') <> 'array'
      OR coalesce(jsonb_typeof(doc->'photos'), 'array') <> 'array'
      OR coalesce(jsonb_typeof(doc->'related'), 'array') <> 'array'
      OR coalesce(jsonb_typeof(doc->'aliases'), 'array') <> 'array'
      OR coalesce(jsonb_typeof(doc->'language'), 'string') <> 'string'
      OR coalesce(jsonb_typeof(doc->'section'), 'null') NOT IN ('null', 'string')
      OR coalesce(jsonb_typeof(doc->'publish_at'), 'null') NOT IN ('null', 'string')
      OR coalesce(jsonb_typeof(doc->'embargo_until'), 'null') NOT IN ('null', 'string')
      THEN 'a field of the wrong type'
    WHEN NOT (doc->>'slug' ~ '^[a-z0-9](?:[a-z0-9._-]{0,98}[a-z0-9])?$')
      OR doc->>'slug' LIKE '%..%' THEN 'an invalid slug'
    WHEN doc->>'section' IS NOT NULL
      AND (NOT (doc->>'section' ~ '^[a-z0-9](?:[a-z0-9._-]{0,98}[a-z0-9])?$')
           OR doc->>'section' LIKE '%..%') THEN 'an invalid section'
    WHEN EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(doc->'photos', '[]')) p
                  WHERE jsonb_typeof(p) <> 'object'
                     OR NOT coalesce(p->>'sha256', '') ~ '^[0-9a-f]{64}$')
      THEN 'a photo that is not a SHA-256'
    WHEN EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(doc->'related', '[]')) l
                  WHERE jsonb_typeof(l) <> 'object'
                     OR (l->>'url' IS NOT NULL AND NOT l->>'url' ~ '^https?://[^\s]+$'))
      THEN 'a link that is not http(s)'
    WHEN (doc->>'publish_at') IS NOT NULL AND NOT (doc->>'publish_at')
         ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$' THEN 'a time that is not a time'
    WHEN (doc->>'embargo_until') IS NOT NULL AND NOT (doc->>'embargo_until')
         ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$' THEN 'a time that is not a time'
    WHEN length(doc->>'headline') > 500 OR length(coalesce(doc->>'byline', '')) > 300
      OR length(coalesce(doc->>'dateline', '')) > 200 THEN 'a field longer than its column'
    ELSE NULL END
$$""",
        """
CREATE OR REPLACE FUNCTION newsroom_content_address(content text, parents text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(
    '{"document":' || content || ',"parents":'
    || coalesce((SELECT '[' || string_agg('"' || p || '"', ',' ORDER BY p COLLATE "C") || ']'
                   FROM jsonb_array_elements_text(parents::jsonb) AS p), '[]')
    || '}', 'UTF8')), 'hex')
$$""",
        # Revisions: judged, addressed, stamped with the login, audited. A revision the
        # store holds already is skipped (a replayed push), whoever sends it.
        f"""
CREATE OR REPLACE FUNCTION newsroom_revisions_guard() RETURNS trigger
LANGUAGE plpgsql {definer} AS $$
DECLARE
  who record;
  doc jsonb;
  parent text;
  parent_doc jsonb;
  verdict record;
  refusal text;
  need text;
BEGIN
  IF EXISTS (SELECT 1 FROM revisions WHERE id = NEW.id) THEN
    RETURN NULL;
  END IF;
  SELECT * INTO who FROM newsroom_actor();
  IF newsroom_content_address(NEW.content, NEW.parents) <> NEW.id THEN
    RAISE EXCEPTION USING ERRCODE = {_literal(DAMAGED)}, MESSAGE = format(
      'revision %s does not match its content: refused', left(NEW.id, 12));
  END IF;
  doc := NEW.content::jsonb;
  refusal := newsroom_document_problem(doc);
  IF refusal IS NOT NULL OR doc->>'story_id' IS DISTINCT FROM NEW.story_id
     OR NOT (NEW.hlc ~ '^[0-9]{{13}}[.][0-9]{{5}}$') THEN
    RAISE EXCEPTION USING ERRCODE = {_literal(DAMAGED)}, MESSAGE = format(
      'revision %s holds %s: refused', left(NEW.id, 12),
      coalesce(refusal, 'another story or a clock reading that is not one'));
  END IF;
  -- A clock far ahead of the store's is the store's clock (cms.clock.relabel).
  IF left(NEW.hlc, 13)::bigint > (extract(epoch FROM clock_timestamp()) * 1000)::bigint
                                  + 600000 THEN
    NEW.hlc := lpad(((extract(epoch FROM clock_timestamp()) * 1000)::bigint)::text, 13, '0')
               || '.' || right(NEW.hlc, 5);
  END IF;
  NEW.created_at := least(NEW.created_at, clock_timestamp());
  IF NEW.parents::jsonb = '[]'::jsonb THEN
    IF EXISTS (SELECT 1 FROM revisions WHERE story_id = NEW.story_id) THEN
      RAISE EXCEPTION USING ERRCODE = {_literal(REFUSED)}, MESSAGE = format(
        'story %s exists already: a second first version of it is refused', NEW.story_id),
        DETAIL = '', HINT = NEW.id;
    END IF;
    SELECT * INTO verdict FROM newsroom_judge_one(who.rank, NULL, doc);
  ELSE
    FOR parent IN SELECT jsonb_array_elements_text(NEW.parents::jsonb) LOOP
      IF NOT EXISTS (SELECT 1 FROM revisions WHERE id = parent AND story_id = NEW.story_id)
      THEN
        RAISE EXCEPTION USING ERRCODE = {_literal(REFUSED)}, MESSAGE = format(
          'revision %s follows %s, which the central store does not hold',
          left(NEW.id, 12), left(parent, 12)), DETAIL = '', HINT = NEW.id;
      END IF;
    END LOOP;
    -- A merge is judged as a change of the parent that wins (the one a central shows):
    -- choosing another parent cannot launder a change.
    SELECT content::jsonb INTO parent_doc FROM revisions
     WHERE id IN (SELECT jsonb_array_elements_text(NEW.parents::jsonb))
     ORDER BY coalesce(content::jsonb->'deleted' = 'true'::jsonb, false),
              newsroom_entry_rank(content::jsonb->>'status') DESC,
              hlc COLLATE "C" DESC, id COLLATE "C" DESC
     LIMIT 1;
    SELECT * INTO verdict FROM newsroom_judge_one(who.rank, parent_doc, doc);
  END IF;
  refusal := verdict.message;
  need := verdict.need;
  IF refusal IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = {_literal(REFUSED)},
      MESSAGE = format('%s is %s; %s', who.username, newsroom_role_label(who.role), refusal),
      DETAIL = need, HINT = NEW.id;
  END IF;
  NEW.author := who.username;
  PERFORM newsroom_audit('revision', NEW.story_id, NEW.id,
    CASE WHEN NEW.parents::jsonb = '[]'::jsonb THEN 'created as ' || (doc->>'status')
         ELSE coalesce((SELECT string_agg(DISTINCT (r.content::jsonb->>'status'), '+')
                          FROM revisions r
                         WHERE r.id IN (SELECT jsonb_array_elements_text(NEW.parents::jsonb))),
                       '?') || ' → ' || (doc->>'status') END);
  RETURN NEW;
END $$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_parents_guard() RETURNS trigger
LANGUAGE plpgsql {definer} AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM revision_parents
              WHERE revision_id = NEW.revision_id AND parent_id = NEW.parent_id) THEN
    RETURN NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM revisions r
                  WHERE r.id = NEW.revision_id
                    AND r.parents::jsonb ? NEW.parent_id) THEN
    RAISE EXCEPTION USING ERRCODE = {_literal(DAMAGED)}, MESSAGE = format(
      'an edge %s → %s that no revision declares: refused',
      left(NEW.revision_id, 12), left(NEW.parent_id, 12));
  END IF;
  RETURN NEW;
END $$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_transitions_guard() RETURNS trigger
LANGUAGE plpgsql {definer} AS $$
DECLARE who record; doc jsonb; made_by text; parent_ids text;
BEGIN
  IF EXISTS (SELECT 1 FROM story_transitions WHERE id = NEW.id) THEN
    RETURN NULL;
  END IF;
  SELECT * INTO who FROM newsroom_actor();
  SELECT content::jsonb, author, parents INTO doc, made_by, parent_ids FROM revisions
   WHERE id = NEW.revision_id AND story_id = NEW.story_id;
  IF NOT FOUND OR doc->>'status' IS DISTINCT FROM NEW.to_status
     OR made_by IS DISTINCT FROM who.username
     OR NOT (NEW.from_status = 'draft' AND parent_ids::jsonb = '[]'::jsonb
             OR EXISTS (SELECT 1 FROM revisions p
                         WHERE p.id IN (SELECT jsonb_array_elements_text(parent_ids::jsonb))
                           AND p.content::jsonb->>'status' = NEW.from_status)) THEN
    RAISE EXCEPTION USING ERRCODE = {_literal(DAMAGED)}, MESSAGE = format(
      'a workflow move %s → %s that revision %s by %s does not make: refused',
      NEW.from_status, NEW.to_status, left(NEW.revision_id, 12), who.username);
  END IF;
  NEW.username := who.username;
  NEW.at := clock_timestamp();
  PERFORM newsroom_audit('move', NEW.story_id, NEW.revision_id,
    NEW.from_status || ' → ' || NEW.to_status
    || CASE WHEN NEW.note <> '' THEN ': ' || NEW.note ELSE '' END);
  RETURN NEW;
END $$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = {_literal(REFUSED)}, MESSAGE = format(
    '%s is append-only: its rows are never changed or deleted', TG_TABLE_NAME);
END $$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_blobs_guard() RETURNS trigger
LANGUAGE plpgsql {definer} AS $$
BEGIN
  IF encode(sha256(NEW.data), 'hex') <> NEW.sha256 OR length(NEW.data) <> NEW.size THEN
    RAISE EXCEPTION USING ERRCODE = {_literal(DAMAGED)}, MESSAGE = format(
      'photo %s does not match its hash: refused', left(NEW.sha256, 12));
  END IF;
  IF NEW.media_type NOT IN ('image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/tiff')
     OR coalesce(NEW.width, 1) <= 0 OR coalesce(NEW.height, 1) <= 0
     OR NEW.size > 104857600 OR jsonb_typeof(NEW.meta::jsonb) <> 'object' THEN
    RAISE EXCEPTION USING ERRCODE = {_literal(DAMAGED)}, MESSAGE = format(
      'photo %s is not an image Newsroom stores: refused', left(NEW.sha256, 12));
  END IF;
  RETURN NEW;
END $$""",
        # The story a central shows: the preferred head (not deleted, then the highest
        # status to enter, then the latest clock, then the id): a reporter's stale draft
        # never hides a published or killed version.
        f"""
CREATE OR REPLACE FUNCTION newsroom_preferred_head(story text) RETURNS text
LANGUAGE sql STABLE {definer} AS $$
  SELECT r.id FROM revisions r
   WHERE r.story_id = story
     AND NOT EXISTS (SELECT 1 FROM revision_parents rp WHERE rp.parent_id = r.id)
   ORDER BY coalesce(r.content::jsonb->'deleted' = 'true'::jsonb, false),
            newsroom_entry_rank(r.content::jsonb->>'status') DESC,
            r.hlc COLLATE "C" DESC, r.id COLLATE "C" DESC
   LIMIT 1
$$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_stories_guard() RETURNS trigger
LANGUAGE plpgsql {definer} AS $$
DECLARE doc jsonb; head text; who text; made timestamptz;
BEGIN
  IF TG_OP = 'DELETE' THEN
    head := newsroom_preferred_head(OLD.id);
    IF head IS NULL OR NOT coalesce((SELECT content::jsonb->'deleted' = 'true'::jsonb
                                       FROM revisions WHERE id = head), false) THEN
      RAISE EXCEPTION USING ERRCODE = {_literal(REFUSED)}, MESSAGE = format(
        'story %s is not deleted in its history: its row stays', OLD.slug);
    END IF;
    RETURN OLD;
  END IF;
  PERFORM newsroom_actor();
  head := newsroom_preferred_head(NEW.id);
  IF head IS NULL OR NEW.revision_id IS DISTINCT FROM head THEN
    RAISE EXCEPTION USING ERRCODE = {_literal(REFUSED)}, MESSAGE = format(
      'story %s must show its preferred head %s, not %s', NEW.id, left(head, 12),
      left(NEW.revision_id, 12));
  END IF;
  SELECT content::jsonb, author, created_at INTO doc, who, made FROM revisions WHERE id = head;
  -- Its own slug unless another story shows under it (cms.sync.project._free_slugs).
  NEW.slug := CASE WHEN EXISTS (SELECT 1 FROM stories s WHERE s.slug = doc->>'slug'
                                   AND s.id <> NEW.id)
                   THEN (doc->>'slug') || '-' || left(NEW.id, 8) ELSE doc->>'slug' END;
  NEW.updated_by := who;
  NEW.updated_at := made;
  IF TG_OP = 'INSERT' THEN
    NEW.created_by := (SELECT r.author FROM revisions r WHERE r.story_id = NEW.id
                        ORDER BY r.hlc COLLATE "C", r.id COLLATE "C" LIMIT 1);
    NEW.created_at := (SELECT min(r.created_at) FROM revisions r WHERE r.story_id = NEW.id);
  ELSE
    NEW.created_by := OLD.created_by;
    NEW.created_at := OLD.created_at;
  END IF;
  NEW.word_count := coalesce(array_length(regexp_split_to_array(
      regexp_replace(doc->>'body', '^\\s+|\\s+$', '', 'g'), '\\s+'), 1), 0)
    - CASE WHEN regexp_replace(doc->>'body', '^\\s+|\\s+$', '', 'g') = '' THEN 1 ELSE 0 END;
  NEW.aliases := coalesce((doc->'aliases')::text, '[]');
  NEW.headline := doc->>'headline';
  NEW.standfirst := doc->>'standfirst';
  NEW.body := doc->>'body';
  NEW.byline := doc->>'byline';
  NEW.dateline := doc->>'dateline';
  NEW.section := doc->>'section';
  NEW.tags := (doc->'tags')::text;
  NEW.status := doc->>'status';
  NEW.publish_at := (doc->>'publish_at')::timestamptz;
  NEW.embargo_until := (doc->>'embargo_until')::timestamptz;
  NEW.correction := doc->>'correction';
  NEW.language := left(coalesce(doc->>'language', ''), 35);
  RETURN NEW;
END $$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_stories_children() RETURNS trigger
LANGUAGE plpgsql {definer} AS $$
DECLARE doc jsonb := (SELECT content::jsonb FROM revisions WHERE id = NEW.revision_id);
BEGIN
  DELETE FROM story_tags WHERE story_id = NEW.id;
  DELETE FROM photo_placements WHERE story_id = NEW.id;
  DELETE FROM related_links WHERE story_id = NEW.id;
  INSERT INTO story_tags (story_id, tag)
    SELECT DISTINCT NEW.id, t FROM jsonb_array_elements_text(doc->'tags') AS t;
  INSERT INTO photo_placements (id, story_id, sha256, caption, credit, alt, role, position)
    SELECT p->>'id', NEW.id, p->>'sha256', p->>'caption', p->>'credit', p->>'alt',
           p->>'role', n - 1
      FROM jsonb_array_elements(doc->'photos') WITH ORDINALITY AS x(p, n);
  INSERT INTO related_links (id, story_id, target_story_id, url, label, position,
                             visible_from, visible_until)
    SELECT l->>'id', NEW.id, l->>'target_story_id', l->>'url', l->>'label', n - 1,
           (l->>'visible_from')::timestamptz, (l->>'visible_until')::timestamptz
      FROM jsonb_array_elements(doc->'related') WITH ORDINALITY AS x(l, n);
  RETURN NULL;
END $$""",
        # Desk events: made by the login itself (the id covers the author), judged as
        # cms.desk.rights judges them, audited.
        """
CREATE OR REPLACE FUNCTION newsroom_event_address(e desk_events) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(
    '{"at":' || to_json(to_char(e.created_at AT TIME ZONE 'UTC',
                                 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00')::text
    || ',"author":' || to_json(e.author)::text || ',"body":' || e.body
    || ',"kind":' || to_json(e.kind)::text || ',"story_id":' || to_json(e.story_id)::text
    || ',"subject":' || to_json(e.subject)::text || '}', 'UTF8')), 'hex')
$$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_events_guard() RETURNS trigger
LANGUAGE plpgsql {definer} AS $$
DECLARE
  who record;
  about text;
  editor int := newsroom_entry_rank('ready');
  publisher int := (SELECT min(newsroom_entry_rank(name)) FROM statuses WHERE public);
  need int;
BEGIN
  IF EXISTS (SELECT 1 FROM desk_events WHERE id = NEW.id) THEN
    RETURN NULL;
  END IF;
  SELECT * INTO who FROM newsroom_actor();
  IF NEW.author <> who.username THEN
    RAISE EXCEPTION USING ERRCODE = {_literal(REFUSED)}, MESSAGE = format(
      'a desk event by %s cannot be sent by the login of %s', NEW.author, who.username),
      DETAIL = '', HINT = NEW.id;
  END IF;
  IF newsroom_event_address(NEW) <> NEW.id THEN
    RAISE EXCEPTION USING ERRCODE = {_literal(DAMAGED)}, MESSAGE = format(
      'desk event %s does not match its content: refused', left(NEW.id, 12));
  END IF;
  SELECT author INTO about FROM desk_events WHERE id = NEW.subject;
  IF NEW.kind IN ('resolve', 'reopen') AND about IS DISTINCT FROM who.username
     AND who.rank < editor THEN
    need := editor;
  ELSIF (NEW.kind = 'assign' OR (NEW.kind = 'unassign' AND NEW.subject <> who.username))
     AND who.rank < editor THEN
    need := editor;
  ELSIF (NEW.kind IN ('approve', 'apply')
         OR (NEW.kind = 'discard' AND about IS DISTINCT FROM who.username))
     AND who.rank < publisher THEN
    need := publisher;
  END IF;
  IF need IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = {_literal(REFUSED)}, MESSAGE = format(
      '%s is %s; that needs %s', who.username, newsroom_role_label(who.role),
      newsroom_role_label(newsroom_role_at(need))),
      DETAIL = newsroom_role_at(need), HINT = NEW.id;
  END IF;
  PERFORM newsroom_audit(NEW.kind, NEW.story_id, NEW.id,
                         NEW.kind || CASE WHEN NEW.subject <> '' THEN ' ' || left(NEW.subject, 12)
                                          ELSE '' END);
  RETURN NEW;
END $$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_quarantine_guard() RETURNS trigger
LANGUAGE plpgsql {definer} AS $$
DECLARE who record;
BEGIN
  IF EXISTS (SELECT 1 FROM quarantined_revisions WHERE id = NEW.id) THEN
    RETURN NULL;
  END IF;
  SELECT * INTO who FROM newsroom_actor();
  NEW.reason := NEW.reason || ' (sent by ' || who.username || ')';
  NEW.arrived_at := clock_timestamp();
  RETURN NEW;
END $$""",
        # Presence: each login may announce and withdraw only its own.
        f"""
CREATE OR REPLACE FUNCTION newsroom_presence_guard() RETURNS trigger
LANGUAGE plpgsql {definer} AS $$
DECLARE who record;
BEGIN
  SELECT * INTO who FROM newsroom_actor();
  NEW.person := who.username;
  RETURN NEW;
END $$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_may_read_audit() RETURNS boolean
LANGUAGE sql STABLE {definer} AS $$
  SELECT (newsroom_actor()).rank >= (SELECT min(newsroom_entry_rank(name)) FROM statuses
                                     WHERE public)
$$""",
        # Settings: who may set each key is the row-level policy; this stamps who did.
        f"""
CREATE OR REPLACE FUNCTION newsroom_may_set(setting text) RETURNS boolean
LANGUAGE sql STABLE {definer} AS $$
  SELECT (newsroom_actor()).rank >= CASE
    WHEN setting = ANY ({admin_settings}) THEN (SELECT max(rank) FROM roles)
    ELSE (SELECT min(newsroom_entry_rank(name)) FROM statuses WHERE public) END
$$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_settings_guard() RETURNS trigger
LANGUAGE plpgsql {definer} AS $$
DECLARE who record;
BEGIN
  SELECT * INTO who FROM newsroom_actor();
  NEW.updated_by := who.username;
  IF NEW.updated_at > now() + interval '10 minutes' THEN
    NEW.updated_at := now();
  END IF;
  PERFORM newsroom_audit('setting', NULL, NULL, NEW.key || ' = ' || left(NEW.value, 200));
  RETURN NEW;
END $$""",
        # The revision log: numbered by the store, the counter row locked only here.
        record_arrivals_function(definer),
        f"""
CREATE OR REPLACE FUNCTION newsroom_rotate_epoch(seen text) RETURNS text
LANGUAGE plpgsql {definer} AS $$
DECLARE current text;
BEGIN
  PERFORM newsroom_require_admin();  -- a new epoch makes every copy send all it has
  UPDATE store_meta SET value = gen_random_uuid()::text
   WHERE key = 'central_epoch' AND value = seen;
  SELECT value INTO current FROM store_meta WHERE key = 'central_epoch';
  RETURN current;
END $$""",
    ]


def _people_functions(schema: str) -> list[str]:
    """The admin functions that manage people, logins and their group roles."""
    definer = f"SECURITY DEFINER SET search_path = {_quote(schema)}, pg_temp"
    groups = ", ".join(
        f"({_literal(role)}, {_literal(group)})" for role, group in GROUP_ROLES.items())
    return [
        f"""
CREATE OR REPLACE FUNCTION newsroom_group_of(role text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce((SELECT g FROM (VALUES {groups}) AS m(r, g) WHERE m.r = role),
                  'newsroom_' || role)
$$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_require_admin() RETURNS void
LANGUAGE plpgsql {definer} AS $$
DECLARE who record;
BEGIN
  SELECT * INTO who FROM newsroom_actor();
  IF who.rank < (SELECT max(rank) FROM roles) THEN
    RAISE EXCEPTION USING ERRCODE = {_literal(REFUSED)}, MESSAGE = format(
      '%s is %s; only %s may manage people', who.username, newsroom_role_label(who.role),
      newsroom_role_label((SELECT name FROM roles ORDER BY rank DESC LIMIT 1))),
      DETAIL = (SELECT name FROM roles ORDER BY rank DESC LIMIT 1);
  END IF;
END $$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_grant_role(login text, role text) RETURNS void
LANGUAGE plpgsql {definer} AS $$
BEGIN
  -- Group roles are shared by every desk of the cluster and carry table privileges
  -- only: what a person may do here is their people.role on this desk. So a group is
  -- granted, never revoked (another desk may rely on it); CONNECT is this desk's own.
  EXECUTE format('GRANT %I TO %I', newsroom_group_of(role), login);
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), login);
END $$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_keep_an_admin(name text) RETURNS void
LANGUAGE plpgsql {definer} AS $$
DECLARE top text := (SELECT r.name FROM roles r ORDER BY rank DESC LIMIT 1);
BEGIN
  IF EXISTS (SELECT 1 FROM people WHERE username = name AND role = top AND active)
     AND NOT EXISTS (SELECT 1 FROM people WHERE username <> name AND role = top AND active)
  THEN
    RAISE EXCEPTION USING ERRCODE = {_literal(REFUSED)}, MESSAGE = format(
      '%s is the only %s; make someone else %s first', name, replace(top, '_', ' '),
      replace(top, '_', ' '));
  END IF;
END $$""",
        rf"""
CREATE OR REPLACE FUNCTION newsroom_person_add(name text, role text, login text,
                                               verifier text) RETURNS void
LANGUAGE plpgsql {definer} AS $$
BEGIN
  PERFORM newsroom_require_admin();
  IF NOT EXISTS (SELECT 1 FROM roles r WHERE r.name = role) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('unknown role %L', role);
  END IF;
  IF EXISTS (SELECT 1 FROM people p WHERE p.username = name) THEN
    RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = format(
      '%s is already on the desk: change their role with `newsroom central user role`', name);
  END IF;
  IF EXISTS (SELECT 1 FROM people p WHERE p.login = newsroom_person_add.login) THEN
    RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = format(
      'the login %s already belongs to someone on the desk', login);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
    IF verifier IS NULL THEN
      EXECUTE format('CREATE ROLE %I LOGIN', login);
    ELSE
      EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', login, verifier);
    END IF;
  ELSE
    -- An existing login keeps its password, and only a plain one may join a desk: never
    -- the owner, a superuser, a role that may create roles or databases or bypass
    -- row-level security, nor one that belongs to any role but the desk groups.
    IF verifier IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format(
        'the login %s exists already: it keeps its own password (leave out --password-file)',
        login);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = login
                 AND (r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolbypassrls
                      OR r.rolreplication))
       OR pg_has_role(login, (SELECT tableowner FROM pg_tables
                              WHERE tablename = 'revisions' AND schemaname = current_schema()),
                      'MEMBER')
       OR EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                   WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = login)
                     AND g.rolname NOT LIKE 'newsroom\_%') THEN
      RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format(
        'the login %s has powers beyond a desk (superuser, owner, role or database '
        'creation, or other roles): give the person a login of their own', login);
    END IF;
  END IF;
  PERFORM newsroom_grant_role(login, role);
  INSERT INTO people (id, username, display_name, role, active, created_at, login)
  VALUES (gen_random_uuid()::text, name, name, role, true, now(), login);
  PERFORM newsroom_audit('person', NULL, NULL, format('added %s (%s) as %s', name, login, role));
END $$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_person_role(name text, role text) RETURNS void
LANGUAGE plpgsql {definer} AS $$
DECLARE who people;
BEGIN
  PERFORM newsroom_require_admin();
  SELECT * INTO who FROM people p WHERE p.username = name;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '02000', MESSAGE = format(
      'nobody called %L works on this desk', name);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM roles r WHERE r.name = role) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('unknown role %L', role);
  END IF;
  IF who.role <> role THEN
    PERFORM newsroom_keep_an_admin(name);
  END IF;
  UPDATE people p SET role = newsroom_person_role.role WHERE p.username = name;
  IF who.login IS NOT NULL AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = who.login) THEN
    PERFORM newsroom_grant_role(who.login, role);
  END IF;
  PERFORM newsroom_audit('person', NULL, NULL, format('%s is now %s', name, role));
END $$""",
        f"""
CREATE OR REPLACE FUNCTION newsroom_person_active(name text, active boolean) RETURNS void
LANGUAGE plpgsql {definer} AS $$
DECLARE who people;
BEGIN
  PERFORM newsroom_require_admin();
  SELECT * INTO who FROM people p WHERE p.username = name;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '02000', MESSAGE = format(
      'nobody called %L works on this desk', name);
  END IF;
  IF NOT active THEN
    IF who.login = session_user THEN
      RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'you cannot disable yourself';
    END IF;
    PERFORM newsroom_keep_an_admin(name);
  END IF;
  UPDATE people p SET active = newsroom_person_active.active WHERE p.username = name;
  IF who.login IS NOT NULL AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = who.login) THEN
    IF active THEN
      PERFORM newsroom_grant_role(who.login, who.role);
    ELSE
      EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %I', current_database(), who.login);
    END IF;
  END IF;
  PERFORM newsroom_audit('person', NULL, NULL, format('%s %s', name,
                         CASE WHEN active THEN 'enabled' ELSE 'disabled' END));
END $$""",
    ]


def _create_group_roles(connection: Connection) -> None:
    """The four group roles (cluster-wide: another desk's database may have made them)."""
    for group in GROUP_ROLES.values():
        connection.execute(sa.text(f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {_literal(group)}) THEN
    CREATE ROLE {_quote(group)} NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$"""))


def _grants(schema: str, groups: Iterable[str]) -> list[str]:
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {_quote(schema)} FROM PUBLIC",
        # Only people of this desk may connect to its database at all.
        "DO $$ BEGIN EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', "
        "current_database()); END $$",
    ]
    for group in groups:
        q = _quote(group)
        statements += [
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {_quote(schema)} FROM {q}",
            f"GRANT USAGE ON SCHEMA {_quote(schema)} TO {q}",
            f"GRANT SELECT ON {', '.join(READ_TABLES)} TO {q}",
            f"GRANT INSERT ON {', '.join(INSERT_TABLES)} TO {q}",
            f"GRANT UPDATE ON {', '.join(UPDATE_TABLES)} TO {q}",
            f"GRANT DELETE ON {', '.join(DELETE_TABLES)} TO {q}",
            f"GRANT USAGE ON SEQUENCE stories_pk_seq TO {q}",
        ]
    for group in groups:  # row-level security says who reads it (people.role on this desk)
        statements.append(f"GRANT SELECT ON central_audit TO {_quote(group)}")
    return statements


def _triggers() -> list[str]:
    statements: list[str] = []

    def trigger(name: str, table: str, when: str, function: str, each: str = "ROW") -> None:
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        statements.append(f"CREATE TRIGGER {name} {when} ON {table} FOR EACH {each} "
                          f"EXECUTE FUNCTION {function}()")

    trigger("newsroom_revisions_guard", "revisions", "BEFORE INSERT", "newsroom_revisions_guard")
    trigger("newsroom_parents_guard", "revision_parents", "BEFORE INSERT",
            "newsroom_parents_guard")
    trigger("newsroom_transitions_guard", "story_transitions", "BEFORE INSERT",
            "newsroom_transitions_guard")
    trigger("newsroom_blobs_guard", "blobs", "BEFORE INSERT", "newsroom_blobs_guard")
    trigger("newsroom_stories_guard", "stories", "BEFORE INSERT OR UPDATE OR DELETE",
            "newsroom_stories_guard")
    trigger("newsroom_stories_children", "stories", "AFTER INSERT OR UPDATE OF revision_id",
            "newsroom_stories_children")
    trigger("newsroom_settings_guard", "settings", "BEFORE INSERT OR UPDATE",
            "newsroom_settings_guard")
    trigger("newsroom_events_guard", "desk_events", "BEFORE INSERT", "newsroom_events_guard")
    trigger("newsroom_quarantine_guard", "quarantined_revisions", "BEFORE INSERT",
            "newsroom_quarantine_guard")
    trigger("newsroom_presence_guard", "presence", "BEFORE INSERT OR UPDATE",
            "newsroom_presence_guard")
    for table in APPEND_ONLY:
        trigger(f"newsroom_{table}_append_only", table, "BEFORE UPDATE OR DELETE",
                "newsroom_append_only")
        trigger(f"newsroom_{table}_no_truncate", table, "BEFORE TRUNCATE",
                "newsroom_append_only", each="STATEMENT")
    return statements


def _row_security() -> list[str]:
    return [
        "ALTER TABLE central_audit ENABLE ROW LEVEL SECURITY",
        "DROP POLICY IF EXISTS newsroom_audit_read ON central_audit",
        "CREATE POLICY newsroom_audit_read ON central_audit FOR SELECT "
        "USING (newsroom_may_read_audit())",
        "ALTER TABLE presence ENABLE ROW LEVEL SECURITY",
        "DROP POLICY IF EXISTS newsroom_presence_read ON presence",
        "DROP POLICY IF EXISTS newsroom_presence_own ON presence",
        "CREATE POLICY newsroom_presence_read ON presence FOR SELECT USING (true)",
        "CREATE POLICY newsroom_presence_own ON presence FOR ALL "
        "USING (person = (newsroom_actor()).username OR expires_at < now()) "
        "WITH CHECK (person = (newsroom_actor()).username)",
        "ALTER TABLE settings ENABLE ROW LEVEL SECURITY",
        "DROP POLICY IF EXISTS newsroom_settings_read ON settings",
        "DROP POLICY IF EXISTS newsroom_settings_insert ON settings",
        "DROP POLICY IF EXISTS newsroom_settings_update ON settings",
        "CREATE POLICY newsroom_settings_read ON settings FOR SELECT USING (true)",
        "CREATE POLICY newsroom_settings_insert ON settings FOR INSERT "
        "WITH CHECK (newsroom_may_set(key))",
        "CREATE POLICY newsroom_settings_update ON settings FOR UPDATE "
        "USING (newsroom_may_set(key)) WITH CHECK (newsroom_may_set(key))",
    ]


def install_policies(connection: Connection) -> None:
    """Create or replace every role, grant, policy and trigger of a secured central store.

    Idempotent: run by ``central init --secure`` and again by every upgrade.
    Needs the database's owner, with the right to create roles (or a superuser).
    """
    schema = str(connection.execute(sa.text("SELECT current_schema()")).scalar())
    _create_group_roles(connection)
    groups = list(dict.fromkeys(
        [*GROUP_ROLES.values(),
         *(group_role(str(name)) for name in connection.execute(
             sa.text("SELECT name FROM roles")).scalars())]))
    for statement in [*_functions(schema), *_people_functions(schema), *_grants(schema, groups),
                      *_triggers(), *_row_security()]:
        connection.execute(sa.text(statement))
    # Clients call only these; the rest run inside triggers and policies as the owner.
    connection.execute(sa.text(
        "DO $$ DECLARE f regprocedure; BEGIN FOR f IN SELECT p.oid::regprocedure FROM pg_proc p "
        "WHERE p.proname LIKE 'newsroom\\_%' AND p.pronamespace = current_schema()::regnamespace "
        "LOOP EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f); END LOOP; END $$"))
    for name in CLIENT_FUNCTIONS:
        for group in groups:
            connection.execute(sa.text(
                f"GRANT EXECUTE ON FUNCTION {name} TO {_quote(group)}"))
    connection.execute(sa.text(
        "INSERT INTO store_meta (key, value) VALUES (:k, :v) "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"),
        {"k": POLICY_KEY, "v": str(POLICY_VERSION)})


def reinstall_if_secured(connection: Connection) -> None:
    """Install the current policies again on a central store set up with ``--secure``."""
    row = connection.execute(
        sa.text("SELECT value FROM store_meta WHERE key = :k"), {"k": POLICY_KEY}).first()
    if row is not None:
        install_policies(connection)
