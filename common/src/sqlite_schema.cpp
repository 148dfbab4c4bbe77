// The schema of a store, version by version (docs/storage.md). Every store, a laptop's and head
// office's, has every table: the directory's stay empty on a laptop.
#include "sqlite_schema.h"

#include <array>

namespace dsptsync::sqlite {
namespace {

// Each entry upgrades the schema from version (index) to (index + 1), in its own transaction.
constexpr std::array<std::string_view, 13> kMigrations = {
    R"sql(
CREATE TABLE settings(
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE changes(
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  change_id   TEXT NOT NULL UNIQUE,
  scope       TEXT NOT NULL,
  year        TEXT NOT NULL,
  target_kind INTEGER NOT NULL,
  target      TEXT NOT NULL,
  field       INTEGER NOT NULL,
  hlc         INTEGER NOT NULL,
  user        TEXT NOT NULL,
  device      TEXT NOT NULL,
  sealed      BLOB NOT NULL,
  server_seq  INTEGER
);
CREATE INDEX changes_by_target ON changes(scope, year, target_kind, target);

CREATE TABLE fields(
  scope       TEXT NOT NULL,
  year        TEXT NOT NULL,
  target_kind INTEGER NOT NULL,
  target      TEXT NOT NULL,
  field       INTEGER NOT NULL,
  in_conflict INTEGER NOT NULL,
  sealed      BLOB NOT NULL,
  last_seq    INTEGER NOT NULL,
  PRIMARY KEY(scope, year, target_kind, target, field)
) WITHOUT ROWID;
)sql",
    // 1 -> 2: sync. The HQ server's directory and audit trail, and the client's upload queue.
    R"sql(
CREATE INDEX changes_pending ON changes(device, server_seq, seq);
CREATE INDEX changes_by_scope ON changes(scope, seq);

CREATE TABLE branches(
  ods       TEXT PRIMARY KEY,
  name      TEXT NOT NULL,
  added_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE users(
  name       TEXT PRIMARY KEY,
  branch     TEXT NOT NULL,          -- '' for head office users
  role       TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
) WITHOUT ROWID;

CREATE TABLE invites(
  invite_id   TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  user        TEXT NOT NULL,
  branch      TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER,
  device_id   TEXT
) WITHOUT ROWID;

CREATE TABLE devices(
  device_id   TEXT PRIMARY KEY,
  user        TEXT NOT NULL REFERENCES users(name),
  public_key  BLOB NOT NULL,
  name        TEXT NOT NULL,
  enrolled_at INTEGER NOT NULL,
  revoked_at  INTEGER
) WITHOUT ROWID;

CREATE TABLE audit(
  batch       INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id   TEXT NOT NULL,
  user        TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  change_ids  TEXT NOT NULL,         -- space separated, in push order
  digest      BLOB NOT NULL,
  signature   BLOB NOT NULL
);
)sql",
    // 2 -> 3: publishing. A publication is immutable once recorded: the triggers refuse any
    // change or removal, whichever program tries.
    R"sql(
CREATE TABLE publications(
  publication_id INTEGER PRIMARY KEY AUTOINCREMENT,
  year           TEXT NOT NULL,
  published_at   INTEGER NOT NULL,
  published_by   TEXT NOT NULL,
  log_seq        INTEGER NOT NULL      -- the server's log position the answers were read at
);

CREATE TABLE publication_sites(
  publication_id       INTEGER NOT NULL REFERENCES publications(publication_id),
  ods                  TEXT NOT NULL,
  name                 TEXT NOT NULL,
  status               TEXT NOT NULL CHECK (status IN ('approaching', 'met', 'exceeded')),
  public_status        TEXT NOT NULL,  -- "21/22 Standards Met", as the public search shows it
  answers_hash         TEXT NOT NULL,  -- BLAKE2b-256 hex of the effective assessment published
  mandatory_provided   INTEGER NOT NULL,
  mandatory_total      INTEGER NOT NULL,
  assertions_confirmed INTEGER NOT NULL,
  assertions_total     INTEGER NOT NULL,
  PRIMARY KEY(publication_id, ods)
) WITHOUT ROWID;
CREATE INDEX publication_sites_by_ods ON publication_sites(ods, publication_id);

CREATE TRIGGER publications_immutable_update BEFORE UPDATE ON publications
BEGIN SELECT RAISE(ABORT, 'publications are immutable'); END;
CREATE TRIGGER publications_immutable_delete BEFORE DELETE ON publications
BEGIN SELECT RAISE(ABORT, 'publications are immutable'); END;
CREATE TRIGGER publication_sites_immutable_update BEFORE UPDATE ON publication_sites
BEGIN SELECT RAISE(ABORT, 'publications are immutable'); END;
CREATE TRIGGER publication_sites_immutable_delete BEFORE DELETE ON publication_sites
BEGIN SELECT RAISE(ABORT, 'publications are immutable'); END;
)sql",
    // 3 -> 4: the web app. People's passwords, as Argon2id strings (never the password itself).
    R"sql(
CREATE TABLE passwords(
  user    TEXT PRIMARY KEY REFERENCES users(name),
  hash    TEXT NOT NULL,                -- $argon2id$v=19$m=...,t=...,p=1$salt$hash
  set_at  INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
    // 4 -> 5: the question set in force travels with sync. Every set a store holds, as signed by head
    // office (or unsigned: an offline store's own import); the newest of a year is the one in force.
    // Rows are never changed or removed: at head office they are the record of every import.
    R"sql(
CREATE TABLE question_sets(
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  year         TEXT NOT NULL,
  version      INTEGER NOT NULL,      -- 0: shipped with dsptsync; 1, 2...: imports of the year
  content_hash BLOB NOT NULL,         -- BLAKE2b-256 of the items, as in the record
  source       TEXT NOT NULL CHECK (source IN ('shipped', 'imported')),
  stored_at    INTEGER NOT NULL,
  record       BLOB NOT NULL          -- the whole record, signature included, as sync sends it
);
CREATE INDEX question_sets_by_year ON question_sets(year, seq);

CREATE TRIGGER question_sets_immutable_update BEFORE UPDATE ON question_sets
BEGIN SELECT RAISE(ABORT, 'question sets are kept as they were stored'); END;
CREATE TRIGGER question_sets_immutable_delete BEFORE DELETE ON question_sets
BEGIN SELECT RAISE(ABORT, 'question sets are kept as they were stored'); END;
)sql",
    // 5 -> 6: revoking is no longer for ever. Who revoked or reinstated whom, and when, kept for
    // good: a reinstatement is a new row, never an edit of the revocation.
    R"sql(
CREATE TABLE people_events(
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  at      INTEGER NOT NULL,
  action  TEXT NOT NULL CHECK (action IN ('revoked', 'reinstated')),
  user    TEXT NOT NULL REFERENCES users(name),
  by      TEXT NOT NULL      -- the head office administrator; '' for the console without --as
);

CREATE TRIGGER people_events_immutable_update BEFORE UPDATE ON people_events
BEGIN SELECT RAISE(ABORT, 'people events are kept as they were recorded'); END;
CREATE TRIGGER people_events_immutable_delete BEFORE DELETE ON people_events
BEGIN SELECT RAISE(ABORT, 'people events are kept as they were recorded'); END;
)sql",
    // 6 -> 7: incidents. Kept in the fields table like answers (target kind 5); listing every site's
    // incidents for the 72-hour clock reads them by kind, not by assessment.
    R"sql(
CREATE INDEX fields_by_kind ON fields(target_kind, scope, year);
)sql",
    // 7 -> 8: head office's record of each site's publication on the NHS toolkit website, as typed
    // in by an administrator. Kept as entered: a correction is a newer row.
    R"sql(
CREATE TABLE nhs_publications(
  record_id     INTEGER PRIMARY KEY AUTOINCREMENT,
  ods           TEXT NOT NULL,
  name          TEXT NOT NULL,
  year          TEXT NOT NULL,
  published_on  TEXT NOT NULL,       -- YYYY-MM-DD, as the NHS website shows it
  status        TEXT NOT NULL CHECK (status IN ('approaching', 'met', 'exceeded')),
  public_status TEXT NOT NULL,       -- "26/27 Standards Met"
  recorded_at   INTEGER NOT NULL,
  recorded_by   TEXT NOT NULL        -- '' for the console without --as
);
CREATE INDEX nhs_publications_by_ods ON nhs_publications(ods, record_id);

CREATE TRIGGER nhs_publications_immutable_update BEFORE UPDATE ON nhs_publications
BEGIN SELECT RAISE(ABORT, 'NHS publication records are kept as they were entered'); END;
CREATE TRIGGER nhs_publications_immutable_delete BEFORE DELETE ON nhs_publications
BEGIN SELECT RAISE(ABORT, 'NHS publication records are kept as they were entered'); END;
)sql",
    // 8 -> 9: head office manages its people from the web app. One-time links to set a web app
    // password (the token kept only as its BLAKE2b hash; a newer link for the same person voids the
    // older), and people events for roles changed, links issued and passwords set, with what changed
    // ("member -> admin"). SQLite cannot widen a CHECK in place: people_events is rebuilt, its rows
    // and their sequence numbers kept, its triggers made again.
    R"sql(
CREATE TABLE password_links(
  token_hash  TEXT PRIMARY KEY,      -- BLAKE2b-256 hex of the token; the token itself is never stored
  user        TEXT NOT NULL REFERENCES users(name),
  issued_by   TEXT NOT NULL,         -- the head office administrator; '' for the console without --as
  issued_at   INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER,
  voided_at   INTEGER                -- a newer link for the same person was issued
) WITHOUT ROWID;
CREATE INDEX password_links_by_user ON password_links(user, issued_at);

DROP TRIGGER people_events_immutable_update;
DROP TRIGGER people_events_immutable_delete;
ALTER TABLE people_events RENAME TO people_events_8;
CREATE TABLE people_events(
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  at      INTEGER NOT NULL,
  action  TEXT NOT NULL CHECK (action IN ('revoked', 'reinstated', 'role_changed', 'password_link_issued',
                                          'password_set')),
  user    TEXT NOT NULL REFERENCES users(name),
  by      TEXT NOT NULL,     -- the head office administrator; '' for the console without --as
  detail  TEXT NOT NULL DEFAULT ''  -- role_changed: "member -> admin"
);
INSERT INTO people_events(seq, at, action, user, by) SELECT seq, at, action, user, by FROM people_events_8;
DROP TABLE people_events_8;

CREATE TRIGGER people_events_immutable_update BEFORE UPDATE ON people_events
BEGIN SELECT RAISE(ABORT, 'people events are kept as they were recorded'); END;
CREATE TRIGGER people_events_immutable_delete BEFORE DELETE ON people_events
BEGIN SELECT RAISE(ABORT, 'people events are kept as they were recorded'); END;
)sql",
    // 9 -> 10: when each device last signed in to sync, for head office's "last synced" per site.
    R"sql(
ALTER TABLE devices ADD COLUMN last_synced_at INTEGER;
)sql",
    // 10 -> 11: one device signature over several pushes sent unsigned (protocol version 5), so a
    // stream of small pushes costs one signature per cover. Kept as received, like the audit rows.
    R"sql(
CREATE TABLE audit_covers(
  cover       INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id   TEXT NOT NULL,
  user        TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  digests     BLOB NOT NULL,         -- the covered pushes' digests, 32 bytes each, in the order sent
  signature   BLOB NOT NULL
);
CREATE INDEX audit_covers_by_device ON audit_covers(device_id, cover);

CREATE TRIGGER audit_covers_immutable_update BEFORE UPDATE ON audit_covers
BEGIN SELECT RAISE(ABORT, 'audit covers are kept as they were received'); END;
CREATE TRIGGER audit_covers_immutable_delete BEFORE DELETE ON audit_covers
BEGIN SELECT RAISE(ABORT, 'audit covers are kept as they were received'); END;
)sql",
    // 11 -> 12: the policy library's files (file_store.h), content-addressed by their root hash. A
    // file's manifest (sizes and chunk hashes) is in the clear; its chunks are sealed, kept once
    // however many sites hold the file; each site's progress is its own row, so a second site
    // receiving a file already kept still proves it holds every chunk. file_chunks has a rowid: its
    // rows are up to 256 KiB, too large for a WITHOUT ROWID table's b-tree.
    R"sql(
CREATE TABLE files(
  root        TEXT PRIMARY KEY,      -- BLAKE2b-256 of the manifest, 64 lower-case hex digits
  size        INTEGER NOT NULL CHECK (size > 0),
  manifest    BLOB NOT NULL,         -- chunk size and each chunk's BLAKE2b-256: nothing of the content
  created_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE file_chunks(
  root    TEXT NOT NULL REFERENCES files(root),
  chunk   INTEGER NOT NULL CHECK (chunk >= 0),
  sealed  BLOB NOT NULL,             -- crypto::seal of the chunk, bound to root and chunk
  PRIMARY KEY(root, chunk)
);

CREATE TABLE file_holders(
  root        TEXT NOT NULL REFERENCES files(root),
  scope       TEXT NOT NULL,         -- the site the file is for: its document's scope
  next_chunk  INTEGER NOT NULL CHECK (next_chunk >= 0),
  PRIMARY KEY(root, scope)
) WITHOUT ROWID;
)sql",
    // 12 -> 13: an index of incidents' changes alone (target kind 5). Head office's store goes without
    // changes_by_target (sqlite_store.cpp makes or drops it at each open), yet every incident edit
    // pushed to it reads that incident's changes first (may_record); this index is written by
    // incident changes only.
    R"sql(
CREATE INDEX changes_of_incidents ON changes(scope, year, target) WHERE target_kind = 5;
)sql",
};

}  // namespace

std::span<const std::string_view> migrations() { return kMigrations; }

}  // namespace dsptsync::sqlite
