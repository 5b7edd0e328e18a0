-- Connections and extraction state, version 2.
-- A connection is one login at a provider (a SimpleFIN access URL, an OFX user at a bank, the
-- demo bank); it holds one or more accounts. Its credentials live in the OS keychain: the
-- row keeps only the keychain entry's name.

CREATE TABLE connections (
    id               TEXT PRIMARY KEY,
    provider         TEXT NOT NULL CHECK (provider IN ('demo', 'simplefin', 'ofx')),
    label            TEXT NOT NULL,
    credential_ref   TEXT,                    -- keychain entry name; never the credential
    config           TEXT NOT NULL DEFAULT '{}', -- JSON: OFX url/org/fid, demo seed; no secrets
    status           TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'needs_attention', 'rate_limited')),
    status_reason    TEXT,
    last_success_at  TEXT,
    last_attempt_at  TEXT,
    requests_day     TEXT,                    -- YYYY-MM-DD (UTC) that requests_today counts
    requests_today   INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL
) STRICT;

ALTER TABLE accounts ADD COLUMN connection_id TEXT REFERENCES connections (id);
-- The CSV column mapping last used for this account (JSON), offered again on the next import.
ALTER TABLE accounts ADD COLUMN import_mapping TEXT;

-- Pending rows are matched against their posted twins by account, amount and date.
CREATE INDEX transactions_pending ON transactions (account_id, pending, amount_minor);
CREATE INDEX accounts_connection ON accounts (connection_id);
