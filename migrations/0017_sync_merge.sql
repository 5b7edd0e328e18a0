-- Version 17: what merging other devices' changes needs. Nothing here syncs itself.
--
-- `sync_clocks`: the clock of the last change applied to each cell, to each row's insert
-- (`column_name` '*') and to each row's deletion (''), local or remote: a change applies only
-- if its clock is later (last writer wins; a deletion is a tombstone).
CREATE TABLE sync_clocks (
    table_name  TEXT NOT NULL,
    row_id      TEXT NOT NULL,
    column_name TEXT NOT NULL,
    hlc         TEXT NOT NULL,
    PRIMARY KEY (table_name, row_id, column_name)
) STRICT, WITHOUT ROWID;

-- Other devices' changes that cannot apply yet: to a row this device does not hold yet (its
-- insert is still on its way), or with a clock too far ahead of this device's (quarantined, the
-- device named, until the clocks agree). `value` is the change's JSON.
CREATE TABLE sync_waiting (
    hlc         TEXT NOT NULL,
    table_name  TEXT NOT NULL,
    row_id      TEXT NOT NULL,
    column_name TEXT NOT NULL,
    value       TEXT,
    reason      TEXT NOT NULL CHECK (reason IN ('row', 'clock')),
    PRIMARY KEY (hlc, table_name, row_id, column_name)
) STRICT, WITHOUT ROWID;
CREATE INDEX sync_waiting_row ON sync_waiting (table_name, row_id);

-- The sync client (one server per vault). The row exists once the vault is set up or joined.
-- `device_seq` and `device_head` are this device's last sealed record and its content hash;
-- `sealed_through` the last `changes.seq` sealed. The account's refresh token is in the
-- keychain, never here.
CREATE TABLE sync_account (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    server_url     TEXT NOT NULL,
    user_name      TEXT NOT NULL,
    vault_id       TEXT NOT NULL,
    epoch          INTEGER NOT NULL,
    device_seq     INTEGER NOT NULL DEFAULT 0,
    device_head    TEXT,
    sealed_through INTEGER NOT NULL DEFAULT 0,
    last_sync_at   TEXT,
    last_error     TEXT
) STRICT;

-- The data keys of each epoch (the file itself is encrypted).
CREATE TABLE sync_keys (
    epoch INTEGER PRIMARY KEY,
    key   BLOB NOT NULL CHECK (length(key) = 32)
) STRICT;

-- Sealed records not yet acknowledged by the server, in seq order: uploaded again until they are.
CREATE TABLE sync_outbox (
    seq      INTEGER PRIMARY KEY,
    envelope TEXT NOT NULL
) STRICT;

-- Per other device: the last of its records applied here and that record's content hash, so
-- the next must chain to it (a server cannot drop, replay or reorder records unnoticed).
CREATE TABLE sync_cursors (
    device TEXT PRIMARY KEY,
    seq    INTEGER NOT NULL,
    head   TEXT NOT NULL
) STRICT, WITHOUT ROWID;
