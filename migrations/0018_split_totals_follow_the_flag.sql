-- Version 18: a transaction's parts count in monthly_spending only while it is marked split,
-- as its whole counts only while it is not (0007's update trigger moves the totals when the
-- mark changes). Until now a part counted as it was inserted or deleted whatever the mark, so
-- the totals were right only if the mark was set before the parts went in and cleared after
-- they went out: the engine's own order, but not the order in which another device's changes
-- may arrive (a concurrent unsplit, a part that waited for its transaction).

DROP TRIGGER splits_spending_insert;
DROP TRIGGER splits_spending_delete;

CREATE TRIGGER splits_spending_insert AFTER INSERT ON splits
WHEN (SELECT is_split FROM transactions WHERE id = NEW.transaction_id) = 1
BEGIN
    INSERT INTO monthly_spending (month, category_id, currency, amount_minor, txn_count)
    SELECT substr(t.posted_on, 1, 7), NEW.category_id, t.currency, NEW.amount_minor, 1
    FROM transactions t WHERE t.id = NEW.transaction_id
    ON CONFLICT (month, category_id, currency)
    DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor, txn_count = txn_count + 1;
END;

CREATE TRIGGER splits_spending_delete AFTER DELETE ON splits
WHEN (SELECT is_split FROM transactions WHERE id = OLD.transaction_id) = 1
BEGIN
    UPDATE monthly_spending
    SET amount_minor = amount_minor - OLD.amount_minor, txn_count = txn_count - 1
    WHERE category_id = OLD.category_id
      AND (month, currency) = (SELECT substr(posted_on, 1, 7), currency FROM transactions WHERE id = OLD.transaction_id);
    DELETE FROM monthly_spending WHERE txn_count = 0;
END;
