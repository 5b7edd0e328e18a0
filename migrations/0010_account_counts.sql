-- Version 10: how many transactions each account holds, kept current as rows come and go, so
-- the account list reads one row per account instead of counting every row (about 130 ms per
-- call at a million transactions, on every refresh of the list).
--
-- Inserts are counted by the engine's one mutation path (the Writer), one upsert per account
-- per insert, as monthly_spending is (0009); deletions and moves between accounts by the
-- triggers below. `spearmint doctor` recounts the table from the rows and repairs it.

CREATE TABLE account_counts (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    txn_count  INTEGER NOT NULL CHECK (txn_count >= 0)
) STRICT, WITHOUT ROWID;

INSERT INTO account_counts (account_id, txn_count)
SELECT account_id, count(*) FROM transactions GROUP BY account_id;

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
