-- Version 19: what a device needs to change the budget's keys, and to follow another device's
-- change, without the recovery phrase typed again:
-- - phrase_key: the key the current recovery phrase derives (it wraps every epoch's data key
--   and vouches for the devices' public keys), and `phrase`, which phrase that is (0 for the
--   one shown at setup, one more at each change);
-- - device_secret: this device's X25519 secret, whose public half other devices seal a new
--   phrase's key to;
-- - keys_revision: the revision of the server's key bundle last read here (-1: none yet).
-- A vault set up before this version has no phrase_key or device_secret: it keeps syncing, and
-- takes part in key changes once joined again.
ALTER TABLE sync_account ADD COLUMN phrase_key BLOB CHECK (phrase_key IS NULL OR length(phrase_key) = 32);
ALTER TABLE sync_account ADD COLUMN phrase INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_account ADD COLUMN device_secret BLOB CHECK (device_secret IS NULL OR length(device_secret) = 32);
ALTER TABLE sync_account ADD COLUMN keys_revision INTEGER NOT NULL DEFAULT -1;
