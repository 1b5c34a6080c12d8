-- Notifications to residents, made from the scheduling and results outboxes
-- and sent through the SMS gateway. The notifier connects as
-- screening_notify, with rights on this schema only. Roles are cluster-wide
-- and may be made by several migrating databases at once.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'screening_notify') THEN
    BEGIN
      CREATE ROLE screening_notify LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
END
$$;

CREATE SCHEMA notify;

-- One row per message. `event_key` names what caused it ("scheduling:<offset>",
-- "results:<offset>", "reminder:<booking>:<date>"): unique, so an event
-- consumed twice makes one message. No phone is kept: it is read from the
-- registry when the message is sent.
CREATE TABLE notify.notifications (
  id                bigserial PRIMARY KEY,
  event_key         text NOT NULL UNIQUE,
  resident_id       bigint NOT NULL,
  district_code     text NOT NULL,
  kind              smallint NOT NULL,
  booking_id        bigint,
  template_id       text NOT NULL,
  template_params   jsonb NOT NULL,
  text              text NOT NULL,
  status            smallint NOT NULL DEFAULT 1,  -- NotificationStatus; 1 pending
  attempts          integer NOT NULL DEFAULT 0,
  -- While pending: not before this time (a claimed row is pushed past its
  -- lease, so a sender that dies leaves it to be tried again).
  next_attempt_time timestamptz NOT NULL DEFAULT now(),
  last_error        text NOT NULL DEFAULT '',
  create_time       timestamptz NOT NULL DEFAULT now(),
  final_time        timestamptz
);
CREATE INDEX notifications_due ON notify.notifications (next_attempt_time, id) WHERE status = 1;
CREATE INDEX notifications_resident ON notify.notifications (resident_id, id);

-- Where each outbox has been read up to.
CREATE TABLE notify.offsets (
  consumer    text PRIMARY KEY,
  last_offset text NOT NULL DEFAULT ''
);
INSERT INTO notify.offsets (consumer) VALUES ('scheduling'), ('results');

-- The visits still to come, kept from the booking events, for the reminder
-- the day before.
CREATE TABLE notify.visits (
  booking_id        bigint PRIMARY KEY,
  resident_id       bigint NOT NULL,
  district_code     text NOT NULL,
  visit_date        date NOT NULL,
  template_params   jsonb NOT NULL,  -- hospital, session, code, screenings, preparation
  active            boolean NOT NULL
);
CREATE INDEX visits_to_remind ON notify.visits (visit_date) WHERE active;

GRANT USAGE ON SCHEMA notify TO screening_notify;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA notify TO screening_notify;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA notify TO screening_notify;
