-- Version 8: the payee name a rule gives a transaction ("rename payee"), shown instead of the
-- descriptor; the descriptor itself (`seller`) is kept as the bank wrote it.

ALTER TABLE transactions ADD COLUMN payee TEXT;
