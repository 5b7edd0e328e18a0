-- Version 5: find the other leg of a transfer between the user's accounts quickly.
-- A new row looks for an opposite amount in another account within a few days; without this
-- index every insert would scan those days' rows.

CREATE INDEX transactions_amount_posted ON transactions (amount_minor, posted_on);
