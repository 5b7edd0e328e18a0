-- Version 12: the same transactions table and rows, made cheaper to fill in bulk.
--
-- 1. CHECK constraints SQLite tests without building a lookup table on every insert.
-- SQLite tests `x IN (a, b, c, ...)` against a list of more than two constants by building a
-- temporary B-tree of the list first. In a CHECK constraint that happens once per INSERT
-- statement, so each row a bulk import stored paid for opening, filling and freeing one for
-- `category_source`: about a fifth of the time a million-row import spent storing rows. The
-- same test written with `=` and `OR` costs a few comparisons. The allowed values are the same.
--
-- 2. Ids unique through an index of their own instead of the primary key's. The ids are hashes
-- (random to a B-tree), so each new row of an import went into that index at a random place.
-- A primary key's index cannot be dropped; this one can, so an import of more rows than the
-- vault holds stores them first and builds the index once, from a sort (the engine's
-- `Writer::insert_many_new_expecting`; it tells stored ids apart on its own meanwhile). Ids
-- stay as unique as before, and lookups by id read the same kind of index.
--
-- SQLite cannot change a CHECK or a primary key in place: the table is rebuilt as its documentation describes
-- (create, copy, drop, rename), with its indexes and triggers. The migration runner turns
-- foreign key enforcement off around the migrations and checks every foreign key before it
-- commits. `legacy_alter_table` keeps the rename from checking and rewriting the triggers of
-- `splits`: they name `transactions`, which is missing at that moment and right again after.
-- The rows are copied in date order, the order lists read them in. The copy is done once, when
-- the vault is opened by this version: about 5 s for a million rows, a blink for most vaults.

CREATE TABLE transactions_new (
    id                      TEXT NOT NULL,    -- unique: transactions_id below
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
    category_source         TEXT CHECK (
        category_source = 'user' OR category_source = 'rule' OR category_source = 'learned'
        OR category_source = 'dictionary' OR category_source = 'crowd' OR category_source = 'provider'
        OR category_source = 'default'
    ),
    category_locked         INTEGER NOT NULL DEFAULT 0 CHECK (category_locked IN (0, 1)),
    transfer_group          TEXT,             -- both legs of a transfer between the user's accounts
    raw_payload_id          INTEGER REFERENCES raw_payloads (id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    is_split                INTEGER NOT NULL DEFAULT 0 CHECK (is_split IN (0, 1)),
    payee                   TEXT              -- the payee name a rule gives the row (0008)
) STRICT;

INSERT INTO transactions_new (
    id, account_id, provider_transaction_id, content_hash, posted_on, amount_minor, currency, seller,
    seller_normalized, memo, pending, category_id, category_source, category_locked, transfer_group,
    raw_payload_id, created_at, updated_at, is_split, payee
)
SELECT
    id, account_id, provider_transaction_id, content_hash, posted_on, amount_minor, currency, seller,
    seller_normalized, memo, pending, category_id, category_source, category_locked, transfer_group,
    raw_payload_id, created_at, updated_at, is_split, payee
FROM transactions ORDER BY posted_on, id;

-- Its indexes and triggers go with it.
DROP TABLE transactions;
PRAGMA legacy_alter_table = ON;
ALTER TABLE transactions_new RENAME TO transactions;
PRAGMA legacy_alter_table = OFF;

CREATE UNIQUE INDEX transactions_id ON transactions (id);
CREATE INDEX transactions_account_posted ON transactions (account_id, posted_on);
CREATE INDEX transactions_posted_search ON transactions (posted_on, id, seller, payee, memo);

-- The triggers as 0007 and 0010 left them, word for word.
CREATE TRIGGER transactions_splits_delete BEFORE DELETE ON transactions
BEGIN
    DELETE FROM splits WHERE transaction_id = OLD.id;
END;

CREATE TRIGGER transactions_spending_delete AFTER DELETE ON transactions WHEN OLD.is_split = 0
BEGIN
    UPDATE monthly_spending
    SET amount_minor = amount_minor - OLD.amount_minor, txn_count = txn_count - 1
    WHERE month = substr(OLD.posted_on, 1, 7)
      AND category_id = coalesce(OLD.category_id, 'UNCATEGORIZED')
      AND currency = OLD.currency;
    DELETE FROM monthly_spending WHERE txn_count = 0;
END;

CREATE TRIGGER transactions_spending_update
AFTER UPDATE OF posted_on, amount_minor, currency, category_id, is_split ON transactions
BEGIN
    UPDATE monthly_spending
    SET amount_minor = amount_minor - OLD.amount_minor, txn_count = txn_count - 1
    WHERE OLD.is_split = 0
      AND month = substr(OLD.posted_on, 1, 7)
      AND category_id = coalesce(OLD.category_id, 'UNCATEGORIZED')
      AND currency = OLD.currency;
    UPDATE monthly_spending
    SET amount_minor = amount_minor - (SELECT coalesce(sum(s.amount_minor), 0) FROM splits s
                                       WHERE s.transaction_id = OLD.id AND s.category_id = monthly_spending.category_id),
        txn_count = txn_count - (SELECT count(*) FROM splits s
                                 WHERE s.transaction_id = OLD.id AND s.category_id = monthly_spending.category_id)
    WHERE OLD.is_split = 1
      AND month = substr(OLD.posted_on, 1, 7)
      AND currency = OLD.currency
      AND category_id IN (SELECT category_id FROM splits WHERE transaction_id = OLD.id);
    INSERT INTO monthly_spending (month, category_id, currency, amount_minor, txn_count)
    SELECT substr(NEW.posted_on, 1, 7), coalesce(NEW.category_id, 'UNCATEGORIZED'), NEW.currency, NEW.amount_minor, 1
    WHERE NEW.is_split = 0
    ON CONFLICT (month, category_id, currency)
    DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor, txn_count = txn_count + 1;
    INSERT INTO monthly_spending (month, category_id, currency, amount_minor, txn_count)
    SELECT substr(NEW.posted_on, 1, 7), s.category_id, NEW.currency, sum(s.amount_minor), count(*)
    FROM splits s WHERE NEW.is_split = 1 AND s.transaction_id = NEW.id
    GROUP BY s.category_id
    ON CONFLICT (month, category_id, currency)
    DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor, txn_count = txn_count + excluded.txn_count;
    DELETE FROM monthly_spending WHERE txn_count = 0;
END;

CREATE TRIGGER transactions_count_delete AFTER DELETE ON transactions
BEGIN
    UPDATE account_counts SET txn_count = txn_count - 1 WHERE account_id = OLD.account_id;
END;

CREATE TRIGGER transactions_count_move AFTER UPDATE OF account_id ON transactions
WHEN OLD.account_id IS NOT NEW.account_id
BEGIN
    UPDATE account_counts SET txn_count = txn_count - 1 WHERE account_id = OLD.account_id;
    INSERT INTO account_counts (account_id, txn_count) VALUES (NEW.account_id, 1)
    ON CONFLICT (account_id) DO UPDATE SET txn_count = txn_count + 1;
END;
