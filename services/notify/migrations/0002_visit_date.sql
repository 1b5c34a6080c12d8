-- The day of the visit a message is about (NULL for results and referrals):
-- a message still unsent when that day has passed is not sent (EXPIRED).
ALTER TABLE notify.notifications ADD COLUMN visit_date date;
