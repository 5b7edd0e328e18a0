-- Version 14: a transaction records why it has its category, from more kinds of reason.
--
-- 1. Four more values of `category_source`: 'profile' (what the user's corrections of other
-- sellers teach), 'channel' (the descriptor's payment processor or channel: a Toast register,
-- a Zelle payment to someone), 'lexicon' (words of the seller's name that mean a category)
-- and 'model' (the shipped text classifier).
-- 2. `category_reason`: the reason in the app's words (`"coffee" in the name`), shown when the
-- user asks "why this category?"; NULL where the source says it all (a rule, the dictionary).
-- 3. An index of the rows the user categorized by hand, so the model of their corrections is
-- read without a scan of every transaction.
--
-- SQLite cannot change a CHECK in place: the table is rebuilt as in 0012 (create, copy, drop,
-- rename), with its indexes and triggers word for word. About 5 s for a million rows, once.

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
        OR category_source = 'default' OR category_source = 'profile' OR category_source = 'channel'
        OR category_source = 'lexicon' OR category_source = 'model'
    ),
    category_locked         INTEGER NOT NULL DEFAULT 0 CHECK (category_locked IN (0, 1)),
    transfer_group          TEXT,             -- both legs of a transfer between the user's accounts
    raw_payload_id          INTEGER REFERENCES raw_payloads (id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    is_split                INTEGER NOT NULL DEFAULT 0 CHECK (is_split IN (0, 1)),
    payee                   TEXT,             -- the payee name a rule gives the row (0008)
    category_reason         TEXT              -- why the category, in the app's words (0014)
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

-- The triggers as 0007, 0010 and 0013 left them, word for word.
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

CREATE TRIGGER transactions_id_update BEFORE UPDATE OF id ON transactions
WHEN NEW.id IS NOT OLD.id AND EXISTS (SELECT 1 FROM splits WHERE transaction_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: a transaction with splits cannot change its id');
END;

-- The sellers the user filed by hand, for the model of their corrections: only their rows.
CREATE INDEX transactions_user_categorized ON transactions (seller_normalized, category_id)
WHERE category_source = 'user';
