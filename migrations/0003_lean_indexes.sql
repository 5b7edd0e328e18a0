-- Version 3: fewer indexes on the hot write path.
-- Every index costs each insert a B-tree descent; a million-row import paid for six on
-- transactions and two on changes, and no query used these. Matching reads by account and
-- date; lists read by date; sync reads the log by seq. A feature that needs another lookup
-- adds its index with the feature.

DROP INDEX transactions_provider_id;
DROP INDEX transactions_content_hash;
DROP INDEX transactions_seller;
DROP INDEX transactions_pending;
DROP INDEX changes_hlc;
DROP INDEX changes_cell;
