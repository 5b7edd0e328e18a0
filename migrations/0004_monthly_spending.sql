-- Version 4: monthly_spending kept current by triggers.
-- Every insert, delete and change of a transaction's date, amount, currency or category
-- adjusts the month's total in the same SQL transaction as the row itself, whatever code path
-- wrote it. A row counts in the month of its posted date (pending rows too: they are real
-- spending until they post or are released), under its category, UNCATEGORIZED when it has
-- none. `spearmint doctor` recomputes the table from scratch and reports any difference.

CREATE TRIGGER transactions_spending_insert AFTER INSERT ON transactions
BEGIN
    INSERT INTO monthly_spending (month, category_id, currency, amount_minor, txn_count)
    VALUES (substr(NEW.posted_on, 1, 7), coalesce(NEW.category_id, 'UNCATEGORIZED'), NEW.currency, NEW.amount_minor, 1)
    ON CONFLICT (month, category_id, currency)
    DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor, txn_count = txn_count + 1;
END;

CREATE TRIGGER transactions_spending_delete AFTER DELETE ON transactions
BEGIN
    UPDATE monthly_spending
    SET amount_minor = amount_minor - OLD.amount_minor, txn_count = txn_count - 1
    WHERE month = substr(OLD.posted_on, 1, 7)
      AND category_id = coalesce(OLD.category_id, 'UNCATEGORIZED')
      AND currency = OLD.currency;
    DELETE FROM monthly_spending
    WHERE month = substr(OLD.posted_on, 1, 7)
      AND category_id = coalesce(OLD.category_id, 'UNCATEGORIZED')
      AND currency = OLD.currency
      AND txn_count = 0;
END;

CREATE TRIGGER transactions_spending_update
AFTER UPDATE OF posted_on, amount_minor, currency, category_id ON transactions
BEGIN
    UPDATE monthly_spending
    SET amount_minor = amount_minor - OLD.amount_minor, txn_count = txn_count - 1
    WHERE month = substr(OLD.posted_on, 1, 7)
      AND category_id = coalesce(OLD.category_id, 'UNCATEGORIZED')
      AND currency = OLD.currency;
    DELETE FROM monthly_spending
    WHERE month = substr(OLD.posted_on, 1, 7)
      AND category_id = coalesce(OLD.category_id, 'UNCATEGORIZED')
      AND currency = OLD.currency
      AND txn_count = 0;
    INSERT INTO monthly_spending (month, category_id, currency, amount_minor, txn_count)
    VALUES (substr(NEW.posted_on, 1, 7), coalesce(NEW.category_id, 'UNCATEGORIZED'), NEW.currency, NEW.amount_minor, 1)
    ON CONFLICT (month, category_id, currency)
    DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor, txn_count = txn_count + 1;
END;

-- Rows stored before this version.
DELETE FROM monthly_spending;
INSERT INTO monthly_spending (month, category_id, currency, amount_minor, txn_count)
SELECT substr(posted_on, 1, 7), coalesce(category_id, 'UNCATEGORIZED'), currency, sum(amount_minor), count(*)
FROM transactions
GROUP BY 1, 2, 3;
