-- Scheduling: hospitals, slots of capacity, bookings, and the request log.
CREATE SCHEMA IF NOT EXISTS scheduling;

CREATE TABLE scheduling.hospitals (
  code          text PRIMARY KEY,
  display_name  text NOT NULL,
  district_code text NOT NULL CHECK (district_code ~ '^[0-9]{6}$'),
  update_time   timestamptz NOT NULL DEFAULT now()
);

-- One row per hospital, day and screening. `booked` counts active bookings
-- and is changed only together with them; the CHECK is the last line of
-- defence against overbooking.
CREATE TABLE scheduling.slots (
  id             bigserial PRIMARY KEY,
  hospital_code  text NOT NULL REFERENCES scheduling.hospitals (code),
  day            date NOT NULL,
  screening_type smallint NOT NULL CHECK (screening_type BETWEEN 1 AND 4),
  capacity       integer NOT NULL CHECK (capacity >= 0),
  booked         integer NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
  UNIQUE (hospital_code, day, screening_type)
);
CREATE INDEX slots_day ON scheduling.slots (day, id);

CREATE TABLE scheduling.bookings (
  id                     bigserial PRIMARY KEY,
  resident_id            bigint NOT NULL,
  slot_id                bigint NOT NULL REFERENCES scheduling.slots (id),
  hospital_code          text NOT NULL,
  screening_type         smallint NOT NULL,
  day                    date NOT NULL,
  programme_year         integer NOT NULL,
  state                  smallint NOT NULL DEFAULT 1,  -- screening.v1.BookingState
  hospital_district_code text NOT NULL,
  resident_district_code text NOT NULL,
  create_time            timestamptz NOT NULL DEFAULT now()
);
-- One active booking per resident, screening and programme year.
CREATE UNIQUE INDEX bookings_one_active
  ON scheduling.bookings (resident_id, screening_type, programme_year) WHERE state = 1;
CREATE INDEX bookings_slot ON scheduling.bookings (slot_id);

CREATE TABLE scheduling.requests (
  request_id  text PRIMARY KEY,
  method      text NOT NULL,
  fingerprint text NOT NULL,
  response    bytea,
  create_time timestamptz NOT NULL DEFAULT now()
);
