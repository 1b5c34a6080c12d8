-- Hospitals with what they offer and their capacity plan; slots per session;
-- a booking is a visit of one or more screenings; the waitlist; the outbox.

-- `details` is the whole screening.v1.Hospital (plan, working days,
-- holidays); `screenings` is kept as a column to filter on.
ALTER TABLE scheduling.hospitals
  ADD COLUMN screenings smallint[] NOT NULL DEFAULT '{}',
  ADD COLUMN details bytea;

ALTER TABLE scheduling.slots
  ADD COLUMN session smallint NOT NULL DEFAULT 1 CHECK (session IN (1, 2));
ALTER TABLE scheduling.slots
  DROP CONSTRAINT slots_hospital_code_day_screening_type_key;
ALTER TABLE scheduling.slots
  ADD CONSTRAINT slots_one_per_session UNIQUE (hospital_code, day, session, screening_type);
CREATE INDEX slots_hospital_day ON scheduling.slots (hospital_code, day);

-- A booking is one visit; its screenings are items, each holding a place in
-- one slot. `state`: screening.v1.BookingState.
ALTER TABLE scheduling.bookings
  ADD COLUMN session smallint NOT NULL DEFAULT 1,
  ADD COLUMN pregnancy_id bigint,
  ADD COLUMN verification_code text NOT NULL DEFAULT '',
  ADD COLUMN check_in_failures integer NOT NULL DEFAULT 0,
  ADD COLUMN check_in_time timestamptz,
  ADD COLUMN cancel_reason smallint,
  ADD COLUMN waitlist_entry_id bigint,
  ADD COLUMN update_time timestamptz NOT NULL DEFAULT now();

-- `entitlement` is what the free screening is counted against: the programme
-- year (`y2025`) or, for NIPT, the pregnancy (`p17`). `holds` is true while
-- the booking is active or checked in: then the item holds both its place
-- and the entitlement.
CREATE TABLE scheduling.booking_items (
  booking_id     bigint NOT NULL REFERENCES scheduling.bookings (id),
  screening_type smallint NOT NULL CHECK (screening_type BETWEEN 1 AND 4),
  slot_id        bigint NOT NULL REFERENCES scheduling.slots (id),
  resident_id    bigint NOT NULL,
  entitlement    text NOT NULL,
  holds          boolean NOT NULL DEFAULT true,
  PRIMARY KEY (booking_id, screening_type)
);
INSERT INTO scheduling.booking_items (booking_id, screening_type, slot_id, resident_id, entitlement, holds)
  SELECT id, screening_type, slot_id, resident_id, 'y' || programme_year, state = 1
  FROM scheduling.bookings;
-- One active booking per resident, screening and entitlement.
CREATE UNIQUE INDEX booking_items_one_active
  ON scheduling.booking_items (resident_id, screening_type, entitlement) WHERE holds;
CREATE INDEX booking_items_slot ON scheduling.booking_items (slot_id) WHERE holds;

DROP INDEX scheduling.bookings_one_active;
ALTER TABLE scheduling.bookings DROP COLUMN slot_id, DROP COLUMN screening_type;
CREATE INDEX bookings_roster ON scheduling.bookings (hospital_code, day, session, id);

-- `state`: screening.v1.WaitlistState.
CREATE TABLE scheduling.waitlist (
  id                     bigserial PRIMARY KEY,
  resident_id            bigint NOT NULL,
  hospital_code          text NOT NULL REFERENCES scheduling.hospitals (code),
  screening_type         smallint NOT NULL CHECK (screening_type BETWEEN 1 AND 4),
  start_day              date NOT NULL,
  end_day                date NOT NULL CHECK (end_day >= start_day),
  pregnancy_id           bigint,
  resident_district_code text NOT NULL,
  state                  smallint NOT NULL DEFAULT 1,
  booking_id             bigint,
  create_time            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX waitlist_waiting ON scheduling.waitlist (hospital_code, screening_type, id)
  WHERE state = 1;

-- Events other services count, written in the same transaction as the
-- change; read in commit order like results.outbox.
CREATE TABLE scheduling.outbox (
  seq                    bigserial PRIMARY KEY,
  xid                    xid8 NOT NULL DEFAULT pg_current_xact_id(),
  event_type             text NOT NULL,
  booking_id             bigint NOT NULL,
  resident_id            bigint NOT NULL,
  hospital_code          text NOT NULL,
  day                    date NOT NULL,
  programme_year         integer NOT NULL,
  screening_types        smallint[] NOT NULL,
  resident_district_code text NOT NULL,
  hospital_district_code text NOT NULL,
  create_time            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scheduling_outbox_order ON scheduling.outbox (xid, seq);

-- Applied allocation plans, each version kept (screening.v1.AllocationPlan).
-- `kind`: screening.v1.AllocationTarget.
CREATE TABLE scheduling.allocation_plans (
  year        integer NOT NULL,
  kind        smallint NOT NULL,
  version     integer NOT NULL,
  plan        bytea NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (year, kind, version)
);

GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA scheduling TO screening_scheduling;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA scheduling TO screening_scheduling;
