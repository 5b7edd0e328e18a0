-- Version 15: the app's Alerts screen shows what the user has read.
--
-- `read_at` is when the user marked the alert read in the app (NULL: unread). Delivery (the
-- native notification) and reading are separate: a notification shown while the user was away
-- is still unread in the app.

ALTER TABLE notifications ADD COLUMN read_at TEXT;
