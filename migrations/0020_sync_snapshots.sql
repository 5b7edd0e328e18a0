-- Version 20: snapshots, so a new device starts from the latest value of every cell instead of
-- every record, and the server can delete the records a snapshot stands for.
-- - snapshot_out: the manifest (JSON) of the snapshot this device is uploading, and
--   `sync_snapshot_out` its sealed chunks, kept until the server holds them all, so an upload
--   cut off resumes with the chunks the server lacks;
-- - snapshot_in: the manifest of the snapshot this device is starting from, and
--   snapshot_in_next the first of its chunks not applied yet, so a start cut off resumes;
-- - snapshot_seen: the id of the latest snapshot on the server this device knows of, and
--   bytes_since_snapshot how many bytes of records it sent or applied since: a device makes a
--   snapshot when that passes the snapshot's own size (so snapshots cost at most as much as
--   the records they stand for) and no other device made one meanwhile;
-- - snapshot_bytes: the size of that snapshot, as far as this device knows it.
ALTER TABLE sync_account ADD COLUMN snapshot_out TEXT;
ALTER TABLE sync_account ADD COLUMN snapshot_in TEXT;
ALTER TABLE sync_account ADD COLUMN snapshot_in_next INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_account ADD COLUMN snapshot_seen TEXT;
ALTER TABLE sync_account ADD COLUMN bytes_since_snapshot INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_account ADD COLUMN snapshot_bytes INTEGER NOT NULL DEFAULT 0;

CREATE TABLE sync_snapshot_out (
    idx   INTEGER PRIMARY KEY,
    chunk TEXT NOT NULL
) STRICT;
