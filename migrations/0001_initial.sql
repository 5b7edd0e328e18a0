-- Spearmint vault schema, version 1.
-- Append-only: once released this file never changes (a tidy test holds its checksum).
-- Money is integer minor units plus an ISO 4217 currency; never a float. Negative is money out.
-- Dates a bank states (`posted_on`) are ISO dates, never shifted through time zones; instants
-- are UTC RFC 3339 text. Ids are UUID text. Credentials are never stored here: an account keeps
-- only the name of its keychain entry.

-- Device-local key/value settings (device id, clock, preferences).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- When the profile was last used: the daily extraction runs only for profiles used in 30 days.
CREATE TABLE activity (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    last_used_at TEXT NOT NULL
) STRICT;

CREATE TABLE categories (
    id         TEXT PRIMARY KEY,              -- stable code, e.g. FOOD or FOOD_GROCERIES
    name       TEXT NOT NULL,
    parent_id  TEXT REFERENCES categories (id),
    kind       TEXT NOT NULL CHECK (kind IN ('expense', 'income', 'transfer', 'uncategorized')),
    builtin    INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
    hidden     INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1))
) STRICT;

CREATE TABLE accounts (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('checking', 'savings', 'credit_card', 'loan', 'investment', 'cash', 'other')),
    currency            TEXT NOT NULL CHECK (length(currency) = 3),
    provider            TEXT NOT NULL CHECK (provider IN ('manual', 'demo', 'simplefin', 'ofx', 'file')),
    provider_account_id TEXT,
    institution         TEXT,
    credential_ref      TEXT,                 -- keychain entry name; never the credential itself
    status              TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'needs_attention', 'rate_limited')),
    status_reason       TEXT,
    balance_minor       INTEGER,
    balance_at          TEXT,
    created_at          TEXT NOT NULL,
    closed              INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
    UNIQUE (provider, provider_account_id)
) STRICT;

-- Raw provider payloads, compressed, kept for audit and re-processing (stored before parsing).
CREATE TABLE raw_payloads (
    id          INTEGER PRIMARY KEY,
    account_id  TEXT REFERENCES accounts (id),
    source      TEXT NOT NULL,                -- simplefin, ofx, file:ofx, file:csv, ...
    fetched_at  TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    compression TEXT NOT NULL CHECK (compression IN ('none', 'deflate', 'zstd')),
    sha256      TEXT NOT NULL,
    body        BLOB NOT NULL
) STRICT;
CREATE INDEX raw_payloads_sha256 ON raw_payloads (sha256);

CREATE TABLE transactions (
    id                      TEXT PRIMARY KEY,
    account_id              TEXT NOT NULL REFERENCES accounts (id),
    provider_transaction_id TEXT,             -- FITID or provider id; NULL for manual rows
    content_hash            TEXT,             -- fallback identity when the provider id is empty or repeated
    posted_on               TEXT NOT NULL,    -- YYYY-MM-DD as the bank states it
    amount_minor            INTEGER NOT NULL,
    currency                TEXT NOT NULL CHECK (length(currency) = 3),
    seller                  TEXT NOT NULL,    -- the payee or descriptor as the bank wrote it
    seller_normalized       TEXT,
    memo                    TEXT,
    pending                 INTEGER NOT NULL DEFAULT 0 CHECK (pending IN (0, 1)),
    category_id             TEXT REFERENCES categories (id),
    category_source         TEXT CHECK (category_source IN ('user', 'rule', 'learned', 'dictionary', 'crowd', 'provider', 'default')),
    category_locked         INTEGER NOT NULL DEFAULT 0 CHECK (category_locked IN (0, 1)),
    transfer_group          TEXT,             -- both legs of a transfer between the user's accounts
    raw_payload_id          INTEGER REFERENCES raw_payloads (id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
) STRICT;
CREATE INDEX transactions_account_posted ON transactions (account_id, posted_on);
CREATE INDEX transactions_posted ON transactions (posted_on, id);
CREATE INDEX transactions_provider_id ON transactions (account_id, provider_transaction_id);
CREATE INDEX transactions_content_hash ON transactions (account_id, content_hash);
CREATE INDEX transactions_seller ON transactions (seller_normalized);

-- Spending per month and category, maintained incrementally in the same SQL transaction as the
-- rows it sums (the seed's SpendingByCategory output).
CREATE TABLE monthly_spending (
    month        TEXT NOT NULL,               -- YYYY-MM
    category_id  TEXT NOT NULL REFERENCES categories (id),
    currency     TEXT NOT NULL CHECK (length(currency) = 3),
    amount_minor INTEGER NOT NULL,
    txn_count    INTEGER NOT NULL,
    PRIMARY KEY (month, category_id, currency)
) STRICT, WITHOUT ROWID;

-- Only the user's overrides of the recommended budget are stored (as the seed says).
CREATE TABLE budget_overrides (
    category_id    TEXT NOT NULL REFERENCES categories (id),
    effective_from TEXT NOT NULL,             -- YYYY-MM: applies from this month on
    currency       TEXT NOT NULL CHECK (length(currency) = 3),
    amount_minor   INTEGER NOT NULL CHECK (amount_minor >= 0),
    rollover       INTEGER NOT NULL DEFAULT 0 CHECK (rollover IN (0, 1)),
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (category_id, effective_from)
) STRICT;

-- The user's rules and the rules learned from their overrides (visible and editable).
CREATE TABLE rules (
    id         TEXT PRIMARY KEY,
    position   INTEGER NOT NULL,
    origin     TEXT NOT NULL CHECK (origin IN ('user', 'learned')),
    conditions TEXT NOT NULL,                 -- JSON
    actions    TEXT NOT NULL,                 -- JSON
    enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- Durable background jobs: retried with backoff, resumed after a crash.
CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    account_id  TEXT REFERENCES accounts (id),
    state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_run_at TEXT NOT NULL,
    last_error  TEXT,
    payload     TEXT NOT NULL DEFAULT '{}',   -- JSON
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX jobs_runnable ON jobs (state, next_run_at);

-- The notification outbox: each row is delivered natively once, then marked.
CREATE TABLE notifications (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('budget_threshold', 'account_attention')),
    dedupe_key   TEXT NOT NULL UNIQUE,        -- e.g. budget:2026-11:FOOD:80, so it fires once ever
    summary      TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    delivered_at TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT
) STRICT;

-- The sync log: one row per changed cell, stamped by the hybrid logical clock.
CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    hlc         TEXT NOT NULL,                -- fixed-width text: text order is clock order
    device_id   TEXT NOT NULL,
    table_name  TEXT NOT NULL,
    row_id      TEXT NOT NULL,
    column_name TEXT NOT NULL,                -- '' for a row deletion
    value       TEXT                          -- JSON; NULL for a deletion
) STRICT;
CREATE INDEX changes_hlc ON changes (hlc);
CREATE INDEX changes_cell ON changes (table_name, row_id, column_name);

-- A Mint-like default set of categories, with the seed's HOUSING, FOOD, GAS and SHOPPING.
INSERT INTO categories (id, name, parent_id, kind, builtin) VALUES
    ('HOUSING', 'Housing', NULL, 'expense', 1),
    ('HOUSING_RENT', 'Rent', 'HOUSING', 'expense', 1),
    ('HOUSING_MORTGAGE', 'Mortgage', 'HOUSING', 'expense', 1),
    ('HOUSING_MAINTENANCE', 'Home Maintenance', 'HOUSING', 'expense', 1),
    ('FOOD', 'Food & Dining', NULL, 'expense', 1),
    ('FOOD_GROCERIES', 'Groceries', 'FOOD', 'expense', 1),
    ('FOOD_RESTAURANTS', 'Restaurants', 'FOOD', 'expense', 1),
    ('FOOD_COFFEE', 'Coffee Shops', 'FOOD', 'expense', 1),
    ('FOOD_FAST_FOOD', 'Fast Food', 'FOOD', 'expense', 1),
    ('GAS', 'Gas & Fuel', NULL, 'expense', 1),
    ('SHOPPING', 'Shopping', NULL, 'expense', 1),
    ('SHOPPING_CLOTHING', 'Clothing', 'SHOPPING', 'expense', 1),
    ('SHOPPING_ELECTRONICS', 'Electronics & Software', 'SHOPPING', 'expense', 1),
    ('SHOPPING_HOME', 'Home Goods', 'SHOPPING', 'expense', 1),
    ('AUTO', 'Auto & Transport', NULL, 'expense', 1),
    ('AUTO_PUBLIC_TRANSIT', 'Public Transportation', 'AUTO', 'expense', 1),
    ('AUTO_RIDESHARE', 'Rideshare & Taxi', 'AUTO', 'expense', 1),
    ('AUTO_PARKING', 'Parking & Tolls', 'AUTO', 'expense', 1),
    ('AUTO_SERVICE', 'Service & Parts', 'AUTO', 'expense', 1),
    ('UTILITIES', 'Bills & Utilities', NULL, 'expense', 1),
    ('UTILITIES_PHONE', 'Mobile Phone', 'UTILITIES', 'expense', 1),
    ('UTILITIES_INTERNET', 'Internet & Cable', 'UTILITIES', 'expense', 1),
    ('UTILITIES_POWER', 'Electricity, Gas & Water', 'UTILITIES', 'expense', 1),
    ('SUBSCRIPTIONS', 'Subscriptions & Streaming', 'UTILITIES', 'expense', 1),
    ('ENTERTAINMENT', 'Entertainment', NULL, 'expense', 1),
    ('HEALTH', 'Health & Fitness', NULL, 'expense', 1),
    ('HEALTH_PHARMACY', 'Pharmacy', 'HEALTH', 'expense', 1),
    ('HEALTH_GYM', 'Gym', 'HEALTH', 'expense', 1),
    ('PERSONAL_CARE', 'Personal Care', NULL, 'expense', 1),
    ('EDUCATION', 'Education', NULL, 'expense', 1),
    ('TRAVEL', 'Travel', NULL, 'expense', 1),
    ('TRAVEL_AIR', 'Air Travel', 'TRAVEL', 'expense', 1),
    ('TRAVEL_HOTEL', 'Hotel', 'TRAVEL', 'expense', 1),
    ('GIFTS', 'Gifts & Donations', NULL, 'expense', 1),
    ('KIDS', 'Kids', NULL, 'expense', 1),
    ('PETS', 'Pets', NULL, 'expense', 1),
    ('INSURANCE', 'Insurance', NULL, 'expense', 1),
    ('FEES', 'Fees & Charges', NULL, 'expense', 1),
    ('TAXES', 'Taxes', NULL, 'expense', 1),
    ('BUSINESS', 'Business Services', NULL, 'expense', 1),
    ('CASH', 'Cash & ATM', NULL, 'expense', 1),
    ('INCOME', 'Income', NULL, 'income', 1),
    ('INCOME_PAYCHECK', 'Paycheck', 'INCOME', 'income', 1),
    ('INCOME_INTEREST', 'Interest Income', 'INCOME', 'income', 1),
    ('INCOME_REFUND', 'Refunds & Reimbursements', 'INCOME', 'income', 1),
    ('TRANSFER', 'Transfer', NULL, 'transfer', 1),
    ('TRANSFER_CREDIT_CARD', 'Credit Card Payment', 'TRANSFER', 'transfer', 1),
    ('UNCATEGORIZED', 'Uncategorized', NULL, 'uncategorized', 1);
