-- Version 9: a large import pays per statement, not per row, for what it does not store.
--
-- monthly_spending: a trigger ran a sub-program and an upsert for every inserted transaction,
-- which cost a million-row import more than its own rows did. The engine's one mutation path
-- (the Writer) now adds the rows each insert stores, one upsert per month, category and
-- currency, in the same SQL transaction. Changes and deletions keep their triggers (0007);
-- `spearmint doctor` still recounts the table from scratch.
--
-- transactions_amount_posted (0005): every insert paid a B-tree descent at a random place for
-- it. Transfer pairing now reads the new rows' dates in one range scan and matches amounts in
-- memory.

DROP TRIGGER transactions_spending_insert;
DROP INDEX transactions_amount_posted;
