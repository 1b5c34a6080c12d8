#include "services/scheduling/scheduling_store.h"

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/names.h"

namespace screening::scheduling {
namespace {

constexpr char kSlotColumns[] =
    "s.id, s.hospital_code, s.day::text, s.screening_type, s.capacity, s.booked, h.district_code";

constexpr char kBookingColumns[] =
    "id, resident_id, slot_id, hospital_code, screening_type, day::text, programme_year, state,"
    " hospital_district_code, resident_district_code,"
    " to_char(create_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

v1::Slot SlotFromRow(const pqxx::row& row) {
  v1::Slot slot;
  slot.set_name(MakeName("slots", row[0].as<int64_t>()));
  slot.set_hospital(MakeName("hospitals", row[1].as<std::string>()));
  slot.set_date(row[2].as<std::string>());
  slot.set_screening_type(static_cast<v1::ScreeningType>(row[3].as<int>()));
  slot.set_capacity(row[4].as<int>());
  slot.set_booked(row[5].as<int>());
  slot.set_available(slot.capacity() - slot.booked());
  slot.set_district_code(row[6].as<std::string>());
  return slot;
}

v1::Booking BookingFromRow(const pqxx::row& row) {
  v1::Booking b;
  b.set_name(MakeName("bookings", row[0].as<int64_t>()));
  b.set_resident(MakeName("residents", row[1].as<int64_t>()));
  b.set_slot(MakeName("slots", row[2].as<int64_t>()));
  b.set_hospital(MakeName("hospitals", row[3].as<std::string>()));
  b.set_screening_type(static_cast<v1::ScreeningType>(row[4].as<int>()));
  b.set_date(row[5].as<std::string>());
  b.set_programme_year(row[6].as<int>());
  b.set_state(static_cast<v1::BookingState>(row[7].as<int>()));
  b.set_hospital_district_code(row[8].as<std::string>());
  b.set_resident_district_code(row[9].as<std::string>());
  b.set_create_time(row[10].as<std::string>());
  return b;
}

}  // namespace

SchedulingStore::SchedulingStore(db::Pool& pool) : pool_(pool) {
  pool_.AddPreparer(requests_.Statements());
  pool_.AddPreparer([](pqxx::connection_base& c) {
    c.prepare("sched_upsert_hospital",
              "INSERT INTO scheduling.hospitals (code, display_name, district_code)"
              " VALUES ($1, $2, $3) ON CONFLICT (code) DO UPDATE SET"
              " display_name = EXCLUDED.display_name, district_code = EXCLUDED.district_code,"
              " update_time = now() RETURNING code, display_name, district_code");
    c.prepare("sched_hospital_exists", "SELECT 1 FROM scheduling.hospitals WHERE code = $1");
    // Creates the slot or changes its capacity, but never below what is booked.
    c.prepare("sched_set_capacity",
              "INSERT INTO scheduling.slots AS s (hospital_code, day, screening_type, capacity)"
              " VALUES ($1, $2::date, $3, $4) ON CONFLICT (hospital_code, day, screening_type)"
              " DO UPDATE SET capacity = EXCLUDED.capacity WHERE s.booked <= EXCLUDED.capacity"
              " RETURNING id");
    c.prepare("sched_booked_in_slot",
              "SELECT booked FROM scheduling.slots WHERE hospital_code = $1 AND day = $2::date"
              " AND screening_type = $3");
    c.prepare("sched_get_slot", absl::StrCat("SELECT ", kSlotColumns,
                                             " FROM scheduling.slots s JOIN scheduling.hospitals h"
                                             " ON h.code = s.hospital_code WHERE s.id = $1"));
    // Filters are optional: a NULL parameter matches everything.
    c.prepare("sched_search_slots",
              absl::StrCat("SELECT ", kSlotColumns,
                           " FROM scheduling.slots s JOIN scheduling.hospitals h"
                           " ON h.code = s.hospital_code"
                           " WHERE ($1::smallint IS NULL OR s.screening_type = $1)"
                           " AND ($2::text IS NULL OR h.district_code = $2)"
                           " AND ($3::text IS NULL OR s.hospital_code = $3)"
                           " AND ($4::date IS NULL OR s.day >= $4)"
                           " AND ($5::date IS NULL OR s.day <= $5)"
                           " AND (NOT $6::boolean OR s.booked < s.capacity)"
                           " AND ($7::date IS NULL OR (s.day, s.id) > ($7::date, $8::bigint))"
                           " ORDER BY s.day, s.id LIMIT $9"));
    c.prepare("sched_take_place",
              "UPDATE scheduling.slots SET booked = booked + 1"
              " WHERE id = $1 AND booked < capacity RETURNING id");
    c.prepare("sched_active_booking",
              "SELECT id FROM scheduling.bookings WHERE resident_id = $1 AND screening_type = $2"
              " AND programme_year = $3 AND state = 1");
    c.prepare("sched_insert_booking",
              absl::StrCat("INSERT INTO scheduling.bookings (resident_id, slot_id, hospital_code,"
                           " screening_type, day, programme_year, hospital_district_code,"
                           " resident_district_code)"
                           " SELECT $1, s.id, s.hospital_code, s.screening_type, s.day,"
                           " extract(year FROM s.day)::int, h.district_code, $3"
                           " FROM scheduling.slots s JOIN scheduling.hospitals h"
                           " ON h.code = s.hospital_code WHERE s.id = $2"
                           " ON CONFLICT DO NOTHING RETURNING ",
                           kBookingColumns));
    c.prepare("sched_get_booking",
              absl::StrCat("SELECT ", kBookingColumns, " FROM scheduling.bookings WHERE id = $1"));
  });
}

absl::StatusOr<v1::Hospital> SchedulingStore::UpsertHospital(const v1::Hospital& hospital) {
  return db::Transact<v1::Hospital>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Hospital> {
    pqxx::row row = tx.exec_prepared1("sched_upsert_hospital", hospital.code(),
                                      hospital.display_name(), hospital.district_code());
    v1::Hospital out;
    out.set_name(MakeName("hospitals", row[0].as<std::string>()));
    out.set_code(row[0].as<std::string>());
    out.set_display_name(row[1].as<std::string>());
    out.set_district_code(row[2].as<std::string>());
    return out;
  });
}

absl::StatusOr<v1::Slot> SchedulingStore::SetCapacity(const std::string& hospital_code,
                                                      absl::CivilDay day, v1::ScreeningType type,
                                                      int capacity) {
  const std::string date = FormatDate(day);
  return db::Transact<v1::Slot>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Slot> {
    if (tx.exec_prepared("sched_hospital_exists", hospital_code).empty()) {
      return absl::NotFoundError(
          absl::StrCat(MakeName("hospitals", hospital_code), " does not exist"));
    }
    pqxx::result set = tx.exec_prepared("sched_set_capacity", hospital_code, date,
                                        static_cast<int>(type), capacity);
    if (set.empty()) {
      pqxx::result booked =
          tx.exec_prepared("sched_booked_in_slot", hospital_code, date, static_cast<int>(type));
      const int n = booked.empty() ? 0 : booked[0][0].as<int>();
      return WithReason(absl::FailedPreconditionError(absl::StrCat(
                            n, " places are already booked; capacity cannot go below that")),
                        "CAPACITY_BELOW_BOOKED", {{"booked", absl::StrCat(n)}});
    }
    return SlotFromRow(tx.exec_prepared1("sched_get_slot", set[0][0].as<int64_t>()));
  });
}

absl::StatusOr<SlotPage> SchedulingStore::SearchSlots(const SlotQuery& q) {
  auto opt = [](bool present, const std::string& value) -> const char* {
    return present ? value.c_str() : nullptr;
  };
  const std::string type = absl::StrCat(static_cast<int>(q.screening_type));
  const std::string start = q.start ? FormatDate(*q.start) : "";
  const std::string end = q.end ? FormatDate(*q.end) : "";
  const std::string after_day = q.after ? FormatDate(q.after->first) : "";
  const std::string after_id = q.after ? absl::StrCat(q.after->second) : "";
  return db::Transact<SlotPage>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<SlotPage> {
    // One more row than asked tells whether another page follows.
    pqxx::result rows = tx.exec_prepared(
        "sched_search_slots", opt(q.screening_type != v1::SCREENING_TYPE_UNSPECIFIED, type),
        opt(!q.district_code.empty(), q.district_code),
        opt(!q.hospital_code.empty(), q.hospital_code), opt(q.start.has_value(), start),
        opt(q.end.has_value(), end), q.only_available, opt(q.after.has_value(), after_day),
        opt(q.after.has_value(), after_id), q.page_size + 1);
    SlotPage page;
    for (const auto& row : rows) {
      if (static_cast<int>(page.slots.size()) == q.page_size) {
        const v1::Slot& last = page.slots.back();
        page.last = {*ParseDate(last.date()), *ParseNumericName("slots", last.name())};
        break;
      }
      page.slots.push_back(SlotFromRow(row));
    }
    return page;
  });
}

absl::StatusOr<v1::Slot> SchedulingStore::GetSlot(int64_t id) {
  return db::Transact<v1::Slot>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Slot> {
    pqxx::result rows = tx.exec_prepared("sched_get_slot", id);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat(MakeName("slots", id), " does not exist"));
    }
    return SlotFromRow(rows[0]);
  });
}

absl::StatusOr<std::optional<v1::Booking>> SchedulingStore::FindBooking(
    const v1::BookScreeningRequest& request) {
  using Result = std::optional<v1::Booking>;
  return db::Transact<Result>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Result> {
    auto prior = requests_.Find(tx, request.request_id(), "BookScreening", request);
    if (!prior.ok()) return prior.status();
    if (!prior->has_value()) return Result();
    v1::Booking first;
    first.ParseFromString(**prior);
    return Result(first);
  });
}

absl::StatusOr<v1::Booking> SchedulingStore::Book(const v1::BookScreeningRequest& request,
                                                  const NewBooking& booking) {
  return db::Transact<v1::Booking>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Booking> {
    auto prior = requests_.Claim(tx, request.request_id(), "BookScreening", request);
    if (!prior.ok()) return prior.status();
    if (prior->has_value()) {
      v1::Booking first;
      first.ParseFromString(**prior);
      return first;
    }
    pqxx::result slot = tx.exec_prepared("sched_get_slot", booking.slot_id);
    if (slot.empty()) {
      return absl::NotFoundError(
          absl::StrCat(MakeName("slots", booking.slot_id), " does not exist"));
    }
    const v1::Slot s = SlotFromRow(slot[0]);
    const int year = ParseDate(s.date())->year();
    pqxx::result active = tx.exec_prepared("sched_active_booking", booking.resident_id,
                                           static_cast<int>(s.screening_type()), year);
    auto already_booked = [&](const std::string& existing) {
      return WithReason(absl::AlreadyExistsError(absl::StrCat(
                            "the resident already holds an active booking for this screening in ",
                            year, existing.empty() ? "" : absl::StrCat(": ", existing))),
                        "ALREADY_BOOKED", {{"booking", existing}});
    };
    if (!active.empty()) return already_booked(MakeName("bookings", active[0][0].as<int64_t>()));
    // The conditional update is the whole of overbooking prevention: it takes
    // a place only if one is left, and row locking serializes racers.
    if (tx.exec_prepared("sched_take_place", booking.slot_id).empty()) {
      return WithReason(absl::FailedPreconditionError(
                            absl::StrCat(s.name(), " is full; search for another slot")),
                        "SLOT_FULL", {{"slot", s.name()}});
    }
    pqxx::result inserted = tx.exec_prepared("sched_insert_booking", booking.resident_id,
                                             booking.slot_id, booking.resident_district_code);
    // A concurrent booking of the same resident won the unique index.
    if (inserted.empty()) return already_booked("");
    v1::Booking stored = BookingFromRow(inserted[0]);
    requests_.Save(tx, request.request_id(), stored);
    return stored;
  });
}

absl::StatusOr<v1::Booking> SchedulingStore::GetBooking(int64_t id) {
  return db::Transact<v1::Booking>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Booking> {
    pqxx::result rows = tx.exec_prepared("sched_get_booking", id);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat(MakeName("bookings", id), " does not exist"));
    }
    return BookingFromRow(rows[0]);
  });
}

}  // namespace screening::scheduling
