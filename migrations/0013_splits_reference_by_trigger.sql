-- Version 13: a split names its transaction through triggers instead of a foreign key. The rule
-- is the same: a split's transaction exists, and a transaction with splits keeps its id
-- (deleting a transaction still deletes its splits first: transactions_splits_delete, 0007).
--
-- Why: a large import stores many rows per INSERT statement. The statement's cursors stay where
-- its last row went, so rows in order reach each index at its end instead of descending from
-- its root each time (a statement per row closes its cursors when it ends). SQLite refuses a
-- many-row INSERT into a table that another table's foreign key references unless the
-- referenced column has a unique index, and a large import drops `transactions_id` to build it
-- once afterwards (0012). With the reference kept by triggers, no foreign key references
-- `transactions`; its own foreign keys (account, category, raw payload) are checked as before.
--
-- The table is rebuilt as in 0012 (create, copy, drop, rename); its two triggers come back word
-- for word. The migration runner checks every remaining foreign key before it commits.

CREATE TABLE splits_new (
    transaction_id TEXT NOT NULL,     -- a transaction's id: splits_transaction_* below
    position       INTEGER NOT NULL,
    category_id    TEXT NOT NULL REFERENCES categories (id),
    amount_minor   INTEGER NOT NULL,
    memo           TEXT,
    PRIMARY KEY (transaction_id, position)
) STRICT, WITHOUT ROWID;

INSERT INTO splits_new (transaction_id, position, category_id, amount_minor, memo)
SELECT transaction_id, position, category_id, amount_minor, memo FROM splits;

DROP TABLE splits;
PRAGMA legacy_alter_table = ON;
ALTER TABLE splits_new RENAME TO splits;
PRAGMA legacy_alter_table = OFF;

-- A part counts in its parent's month and currency.
CREATE TRIGGER splits_spending_insert AFTER INSERT ON splits
BEGIN
    INSERT INTO monthly_spending (month, category_id, currency, amount_minor, txn_count)
    SELECT substr(t.posted_on, 1, 7), NEW.category_id, t.currency, NEW.amount_minor, 1
    FROM transactions t WHERE t.id = NEW.transaction_id
    ON CONFLICT (month, category_id, currency)
    DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor, txn_count = txn_count + 1;
END;

CREATE TRIGGER splits_spending_delete AFTER DELETE ON splits
BEGIN
    UPDATE monthly_spending
    SET amount_minor = amount_minor - OLD.amount_minor, txn_count = txn_count - 1
    WHERE category_id = OLD.category_id
      AND (month, currency) = (SELECT substr(posted_on, 1, 7), currency FROM transactions WHERE id = OLD.transaction_id);
    DELETE FROM monthly_spending WHERE txn_count = 0;
END;

-- The reference the foreign key held.
CREATE TRIGGER splits_transaction_insert BEFORE INSERT ON splits
WHEN NOT EXISTS (SELECT 1 FROM transactions WHERE id = NEW.transaction_id)
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: a split names a transaction that does not exist');
END;

CREATE TRIGGER splits_transaction_update BEFORE UPDATE OF transaction_id ON splits
WHEN NOT EXISTS (SELECT 1 FROM transactions WHERE id = NEW.transaction_id)
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: a split names a transaction that does not exist');
END;

CREATE TRIGGER transactions_id_update BEFORE UPDATE OF id ON transactions
WHEN NEW.id IS NOT OLD.id AND EXISTS (SELECT 1 FROM splits WHERE transaction_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: a transaction with splits cannot change its id');
END;
