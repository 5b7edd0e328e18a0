-- Version 7: splits. A transaction can be split across categories; its parts sum to it exactly
-- (the engine checks). A split transaction counts in monthly_spending through its parts, under
-- their categories, in the transaction's month and currency; an unsplit one counts as itself.

CREATE TABLE splits (
    transaction_id TEXT NOT NULL REFERENCES transactions (id),
    position       INTEGER NOT NULL,
    category_id    TEXT NOT NULL REFERENCES categories (id),
    amount_minor   INTEGER NOT NULL,
    memo           TEXT,
    PRIMARY KEY (transaction_id, position)
) STRICT, WITHOUT ROWID;

ALTER TABLE transactions ADD COLUMN is_split INTEGER NOT NULL DEFAULT 0 CHECK (is_split IN (0, 1));

DROP TRIGGER transactions_spending_insert;
DROP TRIGGER transactions_spending_delete;
DROP TRIGGER transactions_spending_update;

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

CREATE TRIGGER transactions_spending_insert AFTER INSERT ON transactions WHEN NEW.is_split = 0
BEGIN
    INSERT INTO monthly_spending (month, category_id, currency, amount_minor, txn_count)
    VALUES (substr(NEW.posted_on, 1, 7), coalesce(NEW.category_id, 'UNCATEGORIZED'), NEW.currency, NEW.amount_minor, 1)
    ON CONFLICT (month, category_id, currency)
    DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor, txn_count = txn_count + 1;
END;

-- Parts go first, while their parent still exists (their trigger reads its month).
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

-- Take out what the row counted for before, put in what it counts for now.
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
