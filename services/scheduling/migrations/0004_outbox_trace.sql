-- The W3C trace of the call that raised each event (NULL when none did),
-- so that a booking can be followed from the clinic's call to the event
-- that counted it.
ALTER TABLE scheduling.outbox ADD COLUMN trace_id text;
