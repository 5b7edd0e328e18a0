-- Version 16: a note the user writes on a transaction, beside the memo, which stays as the bank
-- wrote it. Synced like every other column of a transaction.

ALTER TABLE transactions ADD COLUMN note TEXT;
