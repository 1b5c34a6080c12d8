-- The progress consumer also reads the scheduling outbox (bookings,
-- cancellations, no-shows), with its own offset.
INSERT INTO progress.consumer_offsets (consumer) VALUES ('scheduling');
