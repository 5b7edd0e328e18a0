-- Version 6: the crowd's votes, per normalized seller and category.
-- Opt-in: the sync server will fill this table with other users' top manual overrides per seller
-- (the seed's "top manual override per seller"). The categorizer consults the top vote after the
-- user's rules and the dictionary. Device-local cache: never synced back.

CREATE TABLE crowd_votes (
    seller      TEXT NOT NULL,
    category_id TEXT NOT NULL REFERENCES categories (id),
    votes       INTEGER NOT NULL CHECK (votes > 0),
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (seller, category_id)
) STRICT, WITHOUT ROWID;
