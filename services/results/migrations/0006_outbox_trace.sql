-- The W3C trace of the call (or the sweep) that raised each event.
ALTER TABLE results.outbox ADD COLUMN trace_id text;
