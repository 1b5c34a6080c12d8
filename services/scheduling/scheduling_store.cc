#include "services/scheduling/scheduling_store.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/audit_rows.h"
#include "common/crypto.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/event_types.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "common/trace.h"
#include "services/scheduling/visit_rules.h"

namespace screening::scheduling {
namespace {

constexpr int kCancelled = v1::BOOKING_STATE_CANCELLED;
constexpr int kNoShow = v1::BOOKING_STATE_NO_SHOW;

constexpr char kSlotColumns[] =
    "s.id, s.hospital_code, s.day::text, s.screening_type, s.capacity, s.booked, h.district_code,"
    " s.session";
constexpr char kSlotFrom[] =
    " FROM scheduling.slots s JOIN scheduling.hospitals h ON h.code = s.hospital_code";

// Slots whose facts are kept in memory, at most (about 100 bytes each).
constexpr size_t kMaxSlotFacts = 500000;

constexpr char kTimestamp[] = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'";

// A booking with its items folded into one column, `type:slot,type:slot`.
const std::string& BookingSelect() {
  static const std::string kSelect = absl::StrCat(
      "SELECT b.id, b.resident_id, b.hospital_code, b.day::text, b.programme_year, b.state,"
      " b.hospital_district_code, b.resident_district_code,"
      " to_char(b.create_time AT TIME ZONE 'UTC', ",
      kTimestamp,
      "), b.session, b.pregnancy_id, b.verification_code, b.cancel_reason,"
      " to_char(b.check_in_time AT TIME ZONE 'UTC', ",
      kTimestamp,
      "), b.waitlist_entry_id,"
      " (SELECT string_agg(i.screening_type || ':' || i.slot_id, ',' ORDER BY i.screening_type)"
      "  FROM scheduling.booking_items i WHERE i.booking_id = b.id)"
      " FROM scheduling.bookings b");
  return kSelect;
}

constexpr char kWaitlistColumns[] =
    "id, resident_id, hospital_code, screening_type, start_day::text, end_day::text, state,"
    " booking_id, pregnancy_id, to_char(create_time AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), resident_district_code";

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
  slot.set_session(static_cast<v1::Session>(row[7].as<int>()));
  return slot;
}

v1::Booking BookingFromRow(const pqxx::row& row) {
  v1::Booking b;
  b.set_name(MakeName("bookings", row[0].as<int64_t>()));
  b.set_resident(MakeName("residents", row[1].as<int64_t>()));
  b.set_hospital(MakeName("hospitals", row[2].as<std::string>()));
  b.set_date(row[3].as<std::string>());
  b.set_programme_year(row[4].as<int>());
  b.set_state(static_cast<v1::BookingState>(row[5].as<int>()));
  b.set_hospital_district_code(row[6].as<std::string>());
  b.set_resident_district_code(row[7].as<std::string>());
  b.set_create_time(row[8].as<std::string>());
  b.set_session(static_cast<v1::Session>(row[9].as<int>()));
  if (!row[10].is_null()) b.set_pregnancy(MakeName("pregnancies", row[10].as<int64_t>()));
  b.set_verification_code(row[11].as<std::string>());
  if (!row[12].is_null()) b.set_cancel_reason(static_cast<v1::CancelReason>(row[12].as<int>()));
  if (!row[13].is_null()) b.set_check_in_time(row[13].as<std::string>());
  if (!row[14].is_null()) b.set_waitlist_entry(MakeName("waitlist", row[14].as<int64_t>()));
  if (!row[15].is_null()) {
    for (absl::string_view item : absl::StrSplit(row[15].as<std::string>(), ',')) {
      std::pair<std::string, std::string> parts = absl::StrSplit(item, ':');
      int type = 0;
      int64_t slot = 0;
      if (!absl::SimpleAtoi(parts.first, &type) || !absl::SimpleAtoi(parts.second, &slot)) continue;
      auto* screening = b.add_screenings();
      screening->set_screening_type(static_cast<v1::ScreeningType>(type));
      screening->set_slot(MakeName("slots", slot));
    }
  }
  return b;
}

v1::WaitlistEntry WaitlistFromRow(const pqxx::row& row) {
  v1::WaitlistEntry e;
  e.set_name(MakeName("waitlist", row[0].as<int64_t>()));
  e.set_resident(MakeName("residents", row[1].as<int64_t>()));
  e.set_hospital(MakeName("hospitals", row[2].as<std::string>()));
  e.set_screening_type(static_cast<v1::ScreeningType>(row[3].as<int>()));
  e.set_start_date(row[4].as<std::string>());
  e.set_end_date(row[5].as<std::string>());
  e.set_state(static_cast<v1::WaitlistState>(row[6].as<int>()));
  if (!row[7].is_null()) e.set_booking(MakeName("bookings", row[7].as<int64_t>()));
  if (!row[8].is_null()) e.set_pregnancy(MakeName("pregnancies", row[8].as<int64_t>()));
  e.set_create_time(row[9].as<std::string>());
  e.set_resident_district_code(row[10].as<std::string>());
  return e;
}

v1::Hospital HospitalFromRow(const pqxx::row& row) {
  v1::Hospital h;
  if (!row[3].is_null()) h.ParseFromString(pqxx::binarystring(row[3]).str());
  h.set_name(MakeName("hospitals", row[0].as<std::string>()));
  h.set_code(row[0].as<std::string>());
  h.set_display_name(row[1].as<std::string>());
  h.set_district_code(row[2].as<std::string>());
  return h;
}

// A PostgreSQL array literal of numbers: `{1,2,3}`.
template <typename T>
std::string ArrayLiteral(const std::vector<T>& values) {
  return absl::StrCat("{", absl::StrJoin(values, ","), "}");
}

std::optional<int64_t> OptionalId(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return field.as<int64_t>();
}

absl::Status NotActive(const v1::Booking& booking) {
  return WithReason(absl::FailedPreconditionError(
                        absl::StrCat(booking.name(), " is ", v1::BookingState_Name(booking.state()),
                                     "; only an active booking can change")),
                    "BOOKING_NOT_ACTIVE", {{"booking", booking.name()}});
}

absl::Status SlotFull(const std::string& slot_name) {
  return WithReason(
      absl::FailedPreconditionError(absl::StrCat(slot_name, " is full; search for another slot")),
      "SLOT_FULL", {{"slot", slot_name}});
}

absl::Status AlreadyBooked(const std::string& existing) {
  return WithReason(
      absl::AlreadyExistsError(absl::StrCat(
          "the resident already holds an active booking for this screening and entitlement",
          existing.empty() ? "" : absl::StrCat(": ", existing))),
      "ALREADY_BOOKED", {{"booking", existing}});
}

// Reads a booking locked for update; NOT_FOUND when there is none.
absl::StatusOr<v1::Booking> LockBooking(pqxx::work& tx, int64_t id) {
  pqxx::result rows = tx.exec_prepared("sched_lock_booking", id);
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat(MakeName("bookings", id), " does not exist"));
  }
  return BookingFromRow(tx.exec_prepared1("sched_get_booking", id));
}

// Consumers poll the outbox (no NOTIFY: it serializes commits and nothing
// listens yet).
// The event carries the trace of the call this thread serves.
void WriteEvent(pqxx::transaction_base& tx, const char* type, int64_t booking_id) {
  tx.exec_prepared("sched_outbox", booking_id, type, CurrentTraceId());
}

// Takes one place in each slot (already locked, or a single slot); returns
// the first slot that had none left.
std::optional<int64_t> TakePlaces(pqxx::transaction_base& tx,
                                  const std::vector<int64_t>& slot_ids) {
  pqxx::result taken = tx.exec_prepared("sched_take_places", ArrayLiteral(slot_ids));
  std::set<int64_t> got;
  for (const auto& row : taken) got.insert(row[0].as<int64_t>());
  for (int64_t id : slot_ids) {
    if (!got.count(id)) return id;
  }
  return std::nullopt;
}

// Gives a place just released in `slot_id` to the first resident waiting for
// it there, as a booking with an event. Entries whose resident meanwhile
// holds a booking for the entitlement are closed and skipped.
void PromoteWaiting(pqxx::work& tx, int64_t slot_id) {
  pqxx::row slot = tx.exec_prepared1("sched_get_slot", slot_id);
  const v1::Slot s = SlotFromRow(slot);
  const std::string hospital = *ParseStringName("hospitals", s.hospital());
  const int year = ParseDate(s.date())->year();
  pqxx::result waiting = tx.exec_prepared("sched_first_waiting", hospital,
                                          static_cast<int>(s.screening_type()), s.date());
  for (const auto& entry : waiting) {
    const int64_t entry_id = entry[0].as<int64_t>();
    const int64_t resident_id = entry[1].as<int64_t>();
    const std::optional<int64_t> pregnancy = OptionalId(entry[2]);
    // A subtransaction, so that losing a race for the entitlement undoes
    // only this candidate.
    pqxx::subtransaction candidate(tx, "promote");
    if (TakePlaces(candidate, {slot_id})) return;  // no place after all
    const int64_t booking_id =
        candidate
            .exec_prepared1("sched_insert_booking", resident_id, hospital, s.date(), year,
                            s.district_code(), entry[3].as<std::string>(),
                            static_cast<int>(s.session()),
                            pregnancy ? absl::StrCat(*pregnancy).c_str() : nullptr,
                            NewVerificationCode(), entry_id)[0]
            .as<int64_t>();
    const std::string entitlement = Entitlement(s.screening_type(), year, pregnancy);
    if (candidate
            .exec_prepared("sched_insert_item", booking_id, static_cast<int>(s.screening_type()),
                           slot_id, resident_id, entitlement)
            .empty()) {
      candidate.abort();
      tx.exec_prepared("sched_close_entry", entry_id);
      continue;
    }
    candidate.exec_prepared("sched_entry_booked", entry_id, booking_id);
    WriteEvent(candidate, "booking.promoted", booking_id);
    candidate.commit();
    return;
  }
}

// Releases the places of a booking's items and stops them holding the
// entitlement; with `promote`, each place goes to the waitlist.
void ReleaseItems(pqxx::work& tx, int64_t booking_id, bool promote) {
  pqxx::result released = tx.exec_prepared("sched_release_items", booking_id);
  std::vector<int64_t> slots;
  for (const auto& row : released) slots.push_back(row[0].as<int64_t>());
  std::sort(slots.begin(), slots.end());
  tx.exec_prepared("sched_release_places", ArrayLiteral(slots));
  if (!promote) return;
  for (int64_t slot : slots) PromoteWaiting(tx, slot);
}

// The visits of a batch as the common table expressions of one statement:
// the bookings (`b`), their items (`i`), their outbox events (`o`), the calls'
// audit rows (`a`) and their request_id claims with the answers (`c`), from
// the arrays of InsertArguments ($1 to $30; $30 the calls' trace ids). Not `strict`, an entitlement
// held skips its item (and `claims` an id taken); `strict`, either fails the
// statement.
std::string VisitInsertCtes(const std::string& claims, bool strict) {
  return absl::StrCat(
      "v AS MATERIALIZED (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[],"
      " $4::date[], $5::integer[], $6::text[], $7::text[], $8::smallint[], $9::text[],"
      " $10::text[], $11::timestamptz[], $12::text[], $30::text[])"
      " WITH ORDINALITY AS u(id, r, h, d, y, hd, rd, se, p, v, t, types, trace, n)),"
      " b AS (INSERT INTO scheduling.bookings (id, resident_id, hospital_code, day,"
      " programme_year, hospital_district_code, resident_district_code, session,"
      " pregnancy_id, verification_code, create_time)"
      " SELECT id, r, h, d, y, hd, rd, se, nullif(p, '')::bigint, v, t FROM v),"
      " i AS (INSERT INTO scheduling.booking_items (booking_id, screening_type, slot_id,"
      " resident_id, entitlement)"
      " SELECT v.id, it.type, it.slot, v.r, it.e"
      " FROM unnest($13::bigint[], $14::smallint[], $15::bigint[], $16::text[])"
      " AS it(n, type, slot, e) JOIN v ON v.n = it.n",
      strict ? "" : " ON CONFLICT DO NOTHING",
      " RETURNING booking_id),"
      " o AS (INSERT INTO scheduling.outbox (event_type, booking_id, resident_id,"
      " hospital_code, day, programme_year, screening_types, resident_district_code,"
      " hospital_district_code, trace_id)"
      " SELECT 'booking.created', id, r, h, d, y, types::smallint[], rd, hd, nullif(trace, '')"
      " FROM v),"
      " a AS (",
      AuditInsertSql(17), "), c AS (", claims, ")");
}

// What visits stored together write, as the arrays of VisitInsertCtes, and
// the answer of each.
struct VisitRows {
  std::vector<std::string> ids, residents, hospitals, days, years, hospital_districts,
      resident_districts, sessions, pregnancies, codes, times, types, traces;
  std::vector<std::string> item_visits, item_types, item_slots, item_entitlements;
  std::vector<v1::Booking> bookings;
  std::vector<AuditEntry> audit_rows;
  std::vector<bool*> audited;  // of the calls whose rows are in audit_rows
};

// The rows of the visits at `indexes` of `batch`, the k-th with booking id
// `booking_ids[k]` and ordinality k + 1.
VisitRows RowsOfVisits(const std::vector<SchedulingStore::VisitToBook>& batch,
                       const std::vector<size_t>& indexes, const std::vector<int64_t>& booking_ids,
                       const std::string& create_time) {
  VisitRows rows;
  for (size_t k = 0; k < indexes.size(); ++k) {
    const size_t i = indexes[k];
    const NewVisit& v = *batch[i].visit;
    const v1::Slot& first = (*batch[i].slots)[0];
    const int64_t id = booking_ids[k];
    v1::Booking b;
    b.set_name(MakeName("bookings", id));
    b.set_resident(MakeName("residents", v.resident_id));
    b.set_hospital(first.hospital());
    b.set_date(first.date());
    b.set_programme_year(ParseDate(first.date())->year());
    b.set_state(v1::BOOKING_STATE_ACTIVE);
    b.set_hospital_district_code(first.district_code());
    b.set_resident_district_code(v.resident_district_code);
    b.set_create_time(create_time);
    b.set_session(first.session());
    if (v.pregnancy_id) b.set_pregnancy(MakeName("pregnancies", *v.pregnancy_id));
    b.set_verification_code(v.verification_code);
    std::vector<std::pair<int, int64_t>> items;
    for (size_t t = 0; t < v.slot_ids.size(); ++t) {
      items.emplace_back(static_cast<int>(v.types[t]), v.slot_ids[t]);
      rows.item_visits.push_back(absl::StrCat(k + 1));  // ordinality, from 1
      rows.item_types.push_back(absl::StrCat(static_cast<int>(v.types[t])));
      rows.item_slots.push_back(absl::StrCat(v.slot_ids[t]));
      rows.item_entitlements.push_back(v.entitlements[t]);
    }
    std::sort(items.begin(), items.end());
    std::vector<int> types;
    for (const auto& [type, slot] : items) {
      auto* screening = b.add_screenings();
      screening->set_screening_type(static_cast<v1::ScreeningType>(type));
      screening->set_slot(MakeName("slots", slot));
      types.push_back(type);
    }
    rows.ids.push_back(absl::StrCat(id));
    rows.residents.push_back(absl::StrCat(v.resident_id));
    rows.hospitals.push_back(*ParseStringName("hospitals", first.hospital()));
    rows.days.push_back(first.date());
    rows.years.push_back(absl::StrCat(b.programme_year()));
    rows.hospital_districts.push_back(first.district_code());
    rows.resident_districts.push_back(v.resident_district_code);
    rows.sessions.push_back(absl::StrCat(static_cast<int>(first.session())));
    rows.pregnancies.push_back(v.pregnancy_id ? absl::StrCat(*v.pregnancy_id) : "");
    rows.codes.push_back(v.verification_code);
    rows.times.push_back(create_time);
    rows.types.push_back(absl::StrCat("{", absl::StrJoin(types, ","), "}"));
    rows.traces.push_back(batch[i].trace_id);
    if (batch[i].audit != nullptr) {
      rows.audit_rows.push_back(*batch[i].audit);
      rows.audited.push_back(batch[i].audited);
    }
    rows.bookings.push_back(std::move(b));
  }
  return rows;
}

// The 30 arguments of VisitInsertCtes for `rows` (of the visits at `indexes`).
std::vector<std::string> InsertArguments(const std::vector<SchedulingStore::VisitToBook>& batch,
                                         const std::vector<size_t>& indexes, const VisitRows& rows,
                                         const db::RequestLog& requests) {
  using db::PgArray;
  std::vector<db::RequestLog::Answered> answered;
  for (size_t k = 0; k < indexes.size(); ++k) {
    const SchedulingStore::VisitToBook& b = batch[indexes[k]];
    answered.push_back({&b.request->request_id(), b.request, &rows.bookings[k]});
  }
  std::vector<std::string> arguments = {PgArray(rows.ids),
                                        PgArray(rows.residents),
                                        PgArray(rows.hospitals),
                                        PgArray(rows.days),
                                        PgArray(rows.years),
                                        PgArray(rows.hospital_districts),
                                        PgArray(rows.resident_districts),
                                        PgArray(rows.sessions),
                                        PgArray(rows.pregnancies),
                                        PgArray(rows.codes),
                                        PgArray(rows.times),
                                        PgArray(rows.types),
                                        PgArray(rows.item_visits),
                                        PgArray(rows.item_types),
                                        PgArray(rows.item_slots),
                                        PgArray(rows.item_entitlements)};
  for (std::string& a : AuditRowArrays(rows.audit_rows)) arguments.push_back(std::move(a));
  for (std::string& c : requests.ClaimAnswersArguments("BookScreening", answered)) {
    arguments.push_back(std::move(c));
  }
  arguments.push_back(PgArray(rows.traces));
  return arguments;
}

}  // namespace

SchedulingStore::SchedulingStore(db::Pool& pool) : pool_(pool) {
  pool_.AddPreparer(requests_.Statements());
  pool_.AddPreparer([claims = requests_.ClaimAnswersSql(26),
                     strict_claims =
                         requests_.ClaimAnswersSql(26, /*strict=*/true)](pqxx::connection_base& c) {
    // Visits booked together (BookTogether): up to the places wanted of each
    // slot, in one statement. `l` locks the slots in id order (so batches
    // never deadlock) and, as a locking read, sees each slot's current
    // places left; the UPDATE only touches rows `l` holds, and re-reads a
    // row changed since the statement began before adding to it.
    c.prepare("sched_lock_and_take",
              "WITH l AS MATERIALIZED (SELECT id, capacity - booked AS room"
              " FROM scheduling.slots WHERE id = ANY ($1::bigint[]) ORDER BY id FOR UPDATE),"
              " w AS (SELECT l.id, LEAST(d.k, l.room) AS take"
              " FROM unnest($1::bigint[], $2::integer[]) AS d(id, k) JOIN l ON l.id = d.id)"
              " UPDATE scheduling.slots s SET booked = s.booked + w.take FROM w"
              " WHERE s.id = w.id AND w.take > 0 RETURNING s.id, w.take");
    // The visits of a batch in one statement, with ids taken ahead (see
    // VisitInsertCtes). Returns, per visit (its ordinality), how many items
    // went in and whether its request_id was claimed.
    c.prepare("sched_insert_visits",
              absl::StrCat("WITH ", VisitInsertCtes(claims, /*strict=*/false),
                           " SELECT v.n, (SELECT count(*) FROM i WHERE i.booking_id = v.id),"
                           " EXISTS (SELECT 1 FROM c WHERE c.request_id = ($26::text[])[v.n])"
                           " FROM v"));
    // Every visit of a batch with its places, or nothing: `l` locks the slots
    // in id order, `t` takes the places wanted ($31 slots, $32 places), and
    // a slot short of places breaks its CHECK (booked <= capacity); an
    // entitlement held or a request_id used breaks a unique index.
    c.prepare(
        "sched_book_all_or_nothing",
        absl::StrCat("WITH l AS MATERIALIZED (SELECT id FROM scheduling.slots"
                     " WHERE id = ANY ($31::bigint[]) ORDER BY id FOR UPDATE),"
                     " t AS (UPDATE scheduling.slots s SET booked = s.booked + d.k"
                     " FROM unnest($31::bigint[], $32::integer[]) AS d(id, k)"
                     " JOIN l ON l.id = d.id WHERE s.id = d.id RETURNING s.id), ",
                     VisitInsertCtes(strict_claims, /*strict=*/true), " SELECT count(*) FROM t"));
    c.prepare("sched_take_booking_ids",
              "SELECT nextval('scheduling.bookings_id_seq') FROM generate_series(1, $1)");
    c.prepare("sched_upsert_hospital",
              "INSERT INTO scheduling.hospitals (code, display_name, district_code, screenings,"
              " details) VALUES ($1, $2, $3, $4::smallint[], $5) ON CONFLICT (code) DO UPDATE SET"
              " display_name = EXCLUDED.display_name, district_code = EXCLUDED.district_code,"
              " screenings = EXCLUDED.screenings, details = EXCLUDED.details, update_time = now()"
              " RETURNING code, display_name, district_code, details");
    c.prepare("sched_get_hospital",
              "SELECT code, display_name, district_code, details FROM scheduling.hospitals"
              " WHERE code = $1");
    c.prepare("sched_list_hospitals",
              "SELECT code, display_name, district_code, details FROM scheduling.hospitals"
              " WHERE ($1::text IS NULL OR district_code = $1)"
              " AND ($2::smallint IS NULL OR $2 = ANY (screenings)) AND code > $3"
              " ORDER BY code LIMIT $4");
    c.prepare("sched_generate_slots",
              "INSERT INTO scheduling.slots (hospital_code, day, session, screening_type, capacity)"
              " SELECT $1, unnest($2::date[]), unnest($3::smallint[]), unnest($4::smallint[]),"
              " unnest($5::int[]) ON CONFLICT DO NOTHING RETURNING capacity");
    // Creates the slot or changes its capacity, but never below what is booked.
    c.prepare("sched_set_capacity",
              "INSERT INTO scheduling.slots AS s (hospital_code, day, session, screening_type,"
              " capacity) VALUES ($1, $2::date, $3, $4, $5)"
              " ON CONFLICT (hospital_code, day, session, screening_type)"
              " DO UPDATE SET capacity = EXCLUDED.capacity WHERE s.booked <= EXCLUDED.capacity"
              " RETURNING id");
    c.prepare("sched_slot_holders",
              "SELECT s.booked, i.booking_id FROM scheduling.slots s"
              " LEFT JOIN scheduling.booking_items i ON i.slot_id = s.id AND i.holds"
              " WHERE s.hospital_code = $1 AND s.day = $2::date AND s.session = $3"
              " AND s.screening_type = $4 ORDER BY i.booking_id LIMIT 50");
    c.prepare("sched_get_slot",
              absl::StrCat("SELECT ", kSlotColumns, kSlotFrom, " WHERE s.id = $1"));
    c.prepare("sched_get_slots",
              absl::StrCat("SELECT ", kSlotColumns, kSlotFrom, " WHERE s.id = ANY ($1::bigint[])"));
    c.prepare("sched_lock_slots",
              "SELECT id FROM scheduling.slots WHERE id = ANY ($1::bigint[])"
              " ORDER BY id FOR UPDATE");
    // Filters are optional: a NULL parameter matches everything.
    c.prepare("sched_search_slots",
              absl::StrCat("SELECT ", kSlotColumns, kSlotFrom,
                           " WHERE ($1::smallint IS NULL OR s.screening_type = $1)"
                           " AND ($2::text IS NULL OR h.district_code = $2)"
                           " AND ($3::text IS NULL OR s.hospital_code = $3)"
                           " AND ($4::date IS NULL OR s.day >= $4)"
                           " AND ($5::date IS NULL OR s.day <= $5)"
                           " AND (NOT $6::boolean OR s.booked < s.capacity)"
                           " AND ($7::date IS NULL OR (s.day, s.id) > ($7::date, $8::bigint))"
                           " ORDER BY s.day, s.id LIMIT $9"));
    // The conditional update is the whole of overbooking prevention: it
    // takes a place only if one is left, and row locks serialize racers.
    c.prepare("sched_take_places",
              "UPDATE scheduling.slots SET booked = booked + 1"
              " WHERE id = ANY ($1::bigint[]) AND booked < capacity RETURNING id");
    c.prepare("sched_release_places",
              "UPDATE scheduling.slots SET booked = booked - 1 WHERE id = ANY ($1::bigint[])");
    c.prepare("sched_holding_booking",
              "SELECT booking_id FROM scheduling.booking_items WHERE resident_id = $1 AND holds"
              " AND screening_type || ':' || entitlement = ANY ($2::text[]) LIMIT 1");
    c.prepare(
        "sched_insert_booking",
        "INSERT INTO scheduling.bookings (resident_id, hospital_code, day, programme_year,"
        " hospital_district_code, resident_district_code, session, pregnancy_id,"
        " verification_code, waitlist_entry_id)"
        " VALUES ($1, $2, $3::date, $4, $5, $6, $7, $8::bigint, $9, $10::bigint) RETURNING id");
    c.prepare("sched_insert_item",
              "INSERT INTO scheduling.booking_items (booking_id, screening_type, slot_id,"
              " resident_id, entitlement) VALUES ($1, $2, $3, $4, $5)"
              " ON CONFLICT DO NOTHING RETURNING booking_id");
    // The booking, its items and its event in one statement. An item that
    // meets the one-active-entitlement index is skipped: `inserted` < the
    // slots asked tells the caller.
    c.prepare(
        "sched_insert_visit",
        absl::StrCat(
            "WITH b AS (INSERT INTO scheduling.bookings (resident_id, hospital_code, day,"
            " programme_year, hospital_district_code, resident_district_code, session,"
            " pregnancy_id, verification_code)"
            " SELECT $1, s.hospital_code, s.day, extract(year FROM s.day)::int, h.district_code,"
            " $4, s.session, $5::bigint, $6 FROM scheduling.slots s JOIN scheduling.hospitals h"
            " ON h.code = s.hospital_code WHERE s.id = ($2::bigint[])[1] RETURNING *),"
            " i AS (INSERT INTO scheduling.booking_items (booking_id, screening_type, slot_id,"
            " resident_id, entitlement) SELECT b.id, s.screening_type, s.id, $1, e.entitlement"
            " FROM b, unnest($2::bigint[], $3::text[]) AS e (slot_id, entitlement)"
            " JOIN scheduling.slots s ON s.id = e.slot_id"
            " ON CONFLICT DO NOTHING RETURNING screening_type, slot_id),"
            " o AS (INSERT INTO scheduling.outbox (event_type, booking_id, resident_id,"
            " hospital_code, day, programme_year, screening_types, resident_district_code,"
            " hospital_district_code, trace_id) SELECT 'booking.created', b.id, b.resident_id,"
            " b.hospital_code, b.day, b.programme_year,"
            " ARRAY(SELECT i.screening_type FROM i ORDER BY 1), b.resident_district_code,"
            " b.hospital_district_code, nullif($7, '') FROM b)"
            " SELECT b.id, b.resident_id, b.hospital_code, b.day::text, b.programme_year, b.state,"
            " b.hospital_district_code, b.resident_district_code,"
            " to_char(b.create_time AT TIME ZONE 'UTC', ",
            kTimestamp,
            "), b.session, b.pregnancy_id, b.verification_code, b.cancel_reason,"
            " to_char(b.check_in_time AT TIME ZONE 'UTC', ",
            kTimestamp,
            "), b.waitlist_entry_id,"
            " (SELECT string_agg(i.screening_type || ':' || i.slot_id, ',' ORDER BY"
            " i.screening_type) FROM i), (SELECT count(*) FROM i) FROM b"));
    c.prepare("sched_get_booking", absl::StrCat(BookingSelect(), " WHERE b.id = $1"));
    c.prepare("sched_get_bookings",
              absl::StrCat(BookingSelect(), " WHERE b.id = ANY ($1::bigint[])"));
    c.prepare("sched_lock_booking", "SELECT id FROM scheduling.bookings WHERE id = $1 FOR UPDATE");
    c.prepare("sched_set_state",
              "UPDATE scheduling.bookings SET state = $2, cancel_reason = $3::smallint,"
              " update_time = now() WHERE id = $1");
    c.prepare("sched_release_items",
              "UPDATE scheduling.booking_items SET holds = false WHERE booking_id = $1 AND holds"
              " RETURNING slot_id");
    c.prepare("sched_move_booking",
              "UPDATE scheduling.bookings b SET hospital_code = s.hospital_code, day = s.day,"
              " session = s.session, hospital_district_code = h.district_code,"
              " update_time = now() FROM scheduling.slots s JOIN scheduling.hospitals h"
              " ON h.code = s.hospital_code WHERE b.id = $1 AND s.id = $2");
    c.prepare("sched_move_item",
              "UPDATE scheduling.booking_items i SET slot_id = s.id FROM scheduling.slots s"
              " WHERE i.booking_id = $1 AND s.id = $2 AND i.screening_type = s.screening_type");
    c.prepare("sched_check_in",
              "UPDATE scheduling.bookings SET state = 3, check_in_time = now(),"
              " update_time = now() WHERE id = $1");
    c.prepare("sched_check_in_failed",
              "UPDATE scheduling.bookings SET check_in_failures = check_in_failures + 1"
              " WHERE id = $1 RETURNING check_in_failures");
    c.prepare("sched_check_in_failures",
              "SELECT check_in_failures FROM scheduling.bookings WHERE id = $1");
    c.prepare("sched_resident_bookings",
              absl::StrCat(BookingSelect(),
                           " WHERE b.resident_id = $1 AND ($2::bigint IS NULL OR b.id < $2)"
                           " ORDER BY b.id DESC LIMIT $3"));
    c.prepare("sched_district_waitlist",
              absl::StrCat("SELECT ", kWaitlistColumns,
                           " FROM scheduling.waitlist WHERE resident_district_code = $1"
                           " AND ($2::bigint IS NULL OR resident_id = $2)"
                           " AND ($3::smallint IS NULL OR state = $3)"
                           " AND ($4::bigint IS NULL OR id < $4) ORDER BY id DESC LIMIT $5"));
    c.prepare("sched_roster",
              absl::StrCat(BookingSelect(),
                           " WHERE b.hospital_code = $1 AND b.day = $2::date"
                           " AND ($3::smallint IS NULL OR b.state = $3)"
                           " AND ($4::smallint IS NULL OR (b.session, b.id) > ($4, $5::bigint))"
                           " ORDER BY b.session, b.id LIMIT $6"));
    c.prepare("sched_outbox",
              "INSERT INTO scheduling.outbox (event_type, booking_id, resident_id, hospital_code,"
              " day, programme_year, screening_types, resident_district_code,"
              " hospital_district_code, trace_id)"
              " SELECT $2, b.id, b.resident_id, b.hospital_code, b.day, b.programme_year,"
              " ARRAY(SELECT i.screening_type FROM scheduling.booking_items i"
              "       WHERE i.booking_id = b.id ORDER BY 1),"
              " b.resident_district_code, b.hospital_district_code, nullif($3, '')"
              " FROM scheduling.bookings b WHERE b.id = $1");
    // Only transactions older than every running one are final.
    c.prepare(
        "sched_list_events",
        "SELECT xid::text AS xid_text, seq, event_type, booking_id, resident_id, hospital_code,"
        " day::text, programme_year, resident_district_code, hospital_district_code,"
        " coalesce(trace_id, ''), extract(epoch FROM create_time)::float8"
        " FROM scheduling.outbox WHERE xid < "
        "pg_snapshot_xmin(pg_current_snapshot())"
        // A row comparison the (xid, seq) index can start from; the start of
        // the log is (0, 0). (An `IS NULL OR` here made every poll read the
        // index from its first entry.)
        " AND (xid, seq) > ($1::xid8, $2::bigint)"
        // The table's xid, not the text above: as text, 1000 sorts before 999.
        " ORDER BY outbox.xid, outbox.seq LIMIT $3");
    // The same events counted, up to a million (the consumer's backlog).
    c.prepare("sched_count_events",
              "SELECT count(*) FROM (SELECT 1 FROM scheduling.outbox"
              " WHERE xid < pg_snapshot_xmin(pg_current_snapshot())"
              " AND (xid, seq) > ($1::xid8, $2::bigint) LIMIT 1000000) AS pending");
    c.prepare(
        "sched_first_waiting",
        "SELECT id, resident_id, pregnancy_id, resident_district_code FROM scheduling.waitlist"
        " WHERE hospital_code = $1 AND screening_type = $2 AND state = 1"
        " AND start_day <= $3::date AND end_day >= $3::date"
        " ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED");
    c.prepare("sched_entry_booked",
              "UPDATE scheduling.waitlist SET state = 2, booking_id = $2 WHERE id = $1");
    c.prepare("sched_close_entry", "UPDATE scheduling.waitlist SET state = 3 WHERE id = $1");
    c.prepare("sched_insert_entry",
              absl::StrCat("INSERT INTO scheduling.waitlist (resident_id, hospital_code,"
                           " screening_type, start_day, end_day, pregnancy_id,"
                           " resident_district_code) VALUES ($1, $2, $3, $4::date, $5::date,"
                           " $6::bigint, $7) RETURNING ",
                           kWaitlistColumns));
    c.prepare("sched_waiting_already",
              "SELECT id FROM scheduling.waitlist WHERE resident_id = $1 AND hospital_code = $2"
              " AND screening_type = $3 AND state = 1 LIMIT 1");
    c.prepare("sched_get_entry",
              absl::StrCat("SELECT ", kWaitlistColumns, " FROM scheduling.waitlist WHERE id = $1"));
    c.prepare("sched_leave_waitlist",
              absl::StrCat("UPDATE scheduling.waitlist SET state = 3 WHERE id = $1 AND state = 1"
                           " RETURNING ",
                           kWaitlistColumns));
    // A person place: in each session, the most places any adult screening
    // (or NIPT) has, since one person's visit takes one of each.
    c.prepare("sched_places_by_month",
              "SELECT hospital_code, extract(month FROM day)::int, sum(places)::bigint FROM ("
              " SELECT hospital_code, day, session, max(capacity) AS places FROM scheduling.slots"
              " WHERE day >= $1::date AND day <= $2::date AND screening_type = ANY ($3::smallint[])"
              " GROUP BY 1, 2, 3) p GROUP BY 1, 2");
    c.prepare("sched_screened_by_hospital",
              "SELECT b.hospital_code, count(DISTINCT b.resident_id) FROM scheduling.bookings b"
              " WHERE b.programme_year = $1 AND b.state = 3 AND EXISTS (SELECT 1"
              " FROM scheduling.booking_items i WHERE i.booking_id = b.id"
              " AND i.screening_type = ANY ($2::smallint[])) GROUP BY 1");
    c.prepare(
        "sched_count_bookings",
        "SELECT count(*), count(*) FILTER (WHERE state = 2), count(*) FILTER (WHERE state = 4)"
        " FROM scheduling.bookings WHERE programme_year = $1");
    c.prepare("sched_latest_plan",
              "SELECT plan FROM scheduling.allocation_plans WHERE year = $1 AND kind = $2"
              " ORDER BY version DESC LIMIT 1");
    c.prepare("sched_save_plan",
              "INSERT INTO scheduling.allocation_plans (year, kind, version, plan)"
              " SELECT $1, $2, coalesce(max(version), 0) + 1, $3 FROM scheduling.allocation_plans"
              " WHERE year = $1 AND kind = $2");
  });
}

absl::StatusOr<v1::Hospital> SchedulingStore::UpsertHospital(const v1::Hospital& hospital) {
  std::vector<int> screenings;
  for (int type : hospital.screenings()) screenings.push_back(type);
  v1::Hospital details = hospital;
  details.clear_name();
  const std::string bytes = details.SerializeAsString();
  return db::Transact<v1::Hospital>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Hospital> {
    return HospitalFromRow(tx.exec_prepared1("sched_upsert_hospital", hospital.code(),
                                             hospital.display_name(), hospital.district_code(),
                                             ArrayLiteral(screenings), pqxx::binarystring(bytes)));
  });
}

absl::StatusOr<v1::Hospital> SchedulingStore::GetHospital(const std::string& code) {
  return db::Transact<v1::Hospital>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Hospital> {
    pqxx::result rows = tx.exec_prepared("sched_get_hospital", code);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat(MakeName("hospitals", code), " does not exist"));
    }
    return HospitalFromRow(rows[0]);
  });
}

absl::StatusOr<std::pair<std::vector<v1::Hospital>, bool>> SchedulingStore::ListHospitals(
    const std::string& district_code, v1::ScreeningType type, const std::string& after_code,
    int page_size) {
  using Result = std::pair<std::vector<v1::Hospital>, bool>;
  const std::string type_text = absl::StrCat(static_cast<int>(type));
  return db::Transact<Result>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Result> {
    pqxx::result rows = tx.exec_prepared(
        "sched_list_hospitals", district_code.empty() ? nullptr : district_code.c_str(),
        type == v1::SCREENING_TYPE_UNSPECIFIED ? nullptr : type_text.c_str(), after_code,
        page_size + 1);
    Result out;
    for (const auto& row : rows) {
      if (static_cast<int>(out.first.size()) == page_size) {
        out.second = true;
        break;
      }
      out.first.push_back(HospitalFromRow(row));
    }
    return out;
  });
}

absl::StatusOr<GeneratedSlots> SchedulingStore::GenerateSlots(const std::string& hospital_code,
                                                              absl::CivilDay start,
                                                              absl::CivilDay end) {
  absl::StatusOr<v1::Hospital> hospital = GetHospital(hospital_code);
  if (!hospital.ok()) return hospital.status();
  const std::vector<PlannedSlot> planned = PlanSlots(*hospital, start, end);
  std::vector<std::string> days;
  std::vector<int> sessions, types, places;
  for (const PlannedSlot& p : planned) {
    days.push_back(FormatDate(p.day));
    sessions.push_back(p.session);
    types.push_back(p.screening_type);
    places.push_back(p.places);
  }
  return db::Transact<GeneratedSlots>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<GeneratedSlots> {
    GeneratedSlots out;
    if (planned.empty()) return out;
    pqxx::result created =
        tx.exec_prepared("sched_generate_slots", hospital_code, ArrayLiteral(days),
                         ArrayLiteral(sessions), ArrayLiteral(types), ArrayLiteral(places));
    out.created = static_cast<int>(created.size());
    out.existing = static_cast<int>(planned.size()) - out.created;
    for (const auto& row : created) out.places_created += row[0].as<int64_t>();
    return out;
  });
}

absl::StatusOr<v1::Slot> SchedulingStore::SetCapacity(const std::string& hospital_code,
                                                      absl::CivilDay day, v1::Session session,
                                                      v1::ScreeningType type, int capacity) {
  const std::string date = FormatDate(day);
  return db::Transact<v1::Slot>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Slot> {
    pqxx::result hospital = tx.exec_prepared("sched_get_hospital", hospital_code);
    if (hospital.empty()) {
      return absl::NotFoundError(
          absl::StrCat(MakeName("hospitals", hospital_code), " does not exist"));
    }
    if (!Offers(HospitalFromRow(hospital[0]), type)) {
      return WithReason(absl::FailedPreconditionError(absl::StrCat(
                            MakeName("hospitals", hospital_code), " does not offer ",
                            v1::ScreeningType_Name(type), "; add it to the hospital first")),
                        "NOT_OFFERED");
    }
    pqxx::result set =
        tx.exec_prepared("sched_set_capacity", hospital_code, date, static_cast<int>(session),
                         static_cast<int>(type), capacity);
    if (set.empty()) {
      pqxx::result holders = tx.exec_prepared("sched_slot_holders", hospital_code, date,
                                              static_cast<int>(session), static_cast<int>(type));
      const int booked = holders.empty() ? 0 : holders[0][0].as<int>();
      google::rpc::PreconditionFailure failure;
      for (const auto& row : holders) {
        if (row[1].is_null()) continue;
        auto* v = failure.add_violations();
        v->set_type("BOOKING");
        v->set_subject(MakeName("bookings", row[1].as<int64_t>()));
        v->set_description("holds a place; cancel or reschedule it first");
      }
      return WithPreconditionFailure(
          WithReason(absl::FailedPreconditionError(
                         absl::StrCat(booked, " places are booked; capacity cannot go below that")),
                     "CAPACITY_BELOW_BOOKED", {{"booked", absl::StrCat(booked)}}),
          failure);
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

absl::StatusOr<std::vector<v1::Slot>> SchedulingStore::GetSlots(const std::vector<int64_t>& ids) {
  using Result = std::vector<v1::Slot>;
  return db::Transact<Result>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Result> {
    std::map<int64_t, v1::Slot> found;
    for (const auto& row : tx.exec_prepared("sched_get_slots", ArrayLiteral(ids))) {
      found[row[0].as<int64_t>()] = SlotFromRow(row);
    }
    Result out;
    for (int64_t id : ids) {
      auto it = found.find(id);
      if (it == found.end()) {
        return absl::NotFoundError(absl::StrCat(MakeName("slots", id), " does not exist"));
      }
      out.push_back(it->second);
    }
    return out;
  });
}

std::vector<absl::StatusOr<std::vector<v1::Slot>>> SchedulingStore::GetSlotFacts(
    const std::vector<std::vector<int64_t>>& visits) {
  std::vector<int64_t> unseen;
  {
    absl::MutexLock lock(&facts_mu_);
    for (const auto& ids : visits) {
      for (int64_t id : ids) {
        if (!facts_.contains(id)) unseen.push_back(id);
      }
    }
  }
  absl::Status read_status = absl::OkStatus();
  if (!unseen.empty()) {
    std::sort(unseen.begin(), unseen.end());
    unseen.erase(std::unique(unseen.begin(), unseen.end()), unseen.end());
    // One statement that only reads: no transaction of its own needed.
    read_status = db::AutoCommitStatus(pool_, [&](pqxx::nontransaction& tx) -> absl::Status {
      pqxx::result rows = tx.exec_prepared("sched_get_slots", ArrayLiteral(unseen));
      absl::MutexLock lock(&facts_mu_);
      if (facts_.size() + rows.size() > kMaxSlotFacts) facts_.clear();  // bounded memory
      for (const auto& row : rows) {
        // The same answer from memory or not: capacity and places left cleared.
        v1::Slot slot = SlotFromRow(row);
        slot.clear_capacity();
        slot.clear_booked();
        slot.clear_available();
        facts_[row[0].as<int64_t>()] = std::move(slot);
      }
      return absl::OkStatus();
    });
  }
  std::vector<absl::StatusOr<std::vector<v1::Slot>>> out;
  absl::MutexLock lock(&facts_mu_);
  for (const auto& ids : visits) {
    if (!read_status.ok()) {
      out.emplace_back(read_status);
      continue;
    }
    std::vector<v1::Slot> slots;
    for (int64_t id : ids) {
      auto it = facts_.find(id);
      if (it == facts_.end()) {
        slots.clear();
        out.emplace_back(
            absl::NotFoundError(absl::StrCat(MakeName("slots", id), " does not exist")));
        break;
      }
      slots.push_back(it->second);
    }
    if (slots.size() == ids.size()) out.emplace_back(std::move(slots));
  }
  return out;
}

absl::StatusOr<std::optional<std::string>> SchedulingStore::FindAnswer(
    const std::string& request_id, absl::string_view method,
    const google::protobuf::Message& request) {
  using Result = std::optional<std::string>;
  return db::Transact<Result>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Result> {
    return requests_.Find(tx, request_id, method, request);
  });
}

std::vector<absl::StatusOr<std::optional<std::string>>> SchedulingStore::FindAnswers(
    absl::string_view method, const std::vector<db::RequestLog::Asked>& asked) {
  using Answers = std::vector<absl::StatusOr<std::optional<std::string>>>;
  absl::StatusOr<Answers> answers =
      db::AutoCommit<Answers>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Answers> {
        return requests_.FindAll(tx, method, asked);
      });
  if (!answers.ok()) return Answers(asked.size(), answers.status());
  return *std::move(answers);
}

std::vector<absl::StatusOr<v1::Booking>> SchedulingStore::BookAll(
    const std::vector<VisitToBook>& visits) {
  if (visits.size() == 1) {
    // A lone visit goes the batch's way too (its call's audit row in its
    // transaction); a collision of any kind sends it the careful way.
    std::vector<bool> collided;
    if (auto done = BookTogether(visits, &collided)) return std::move(*done);
    BatchSpan::CountStoredAlone(1);
    return {BookOne(visits[0])};
  }
  // At most once more for each kind of collision: a repeated request_id or
  // entitlement, a short slot of a visit of several, an entitlement held, a
  // request_id already used.
  return TogetherThenOneByOne<absl::StatusOr<v1::Booking>>(
      visits.size(), 4,
      [&](const std::vector<size_t>& indexes, std::vector<bool>* collided) {
        std::vector<VisitToBook> batch;
        for (size_t i : indexes) batch.push_back(visits[i]);
        return BookTogether(batch, collided);
      },
      [&](size_t i) { return BookOne(visits[i]); });
}

absl::StatusOr<std::vector<int64_t>> SchedulingStore::TakeBookingIds(size_t n) {
  constexpr int64_t kAhead = 256;  // one round trip for this many bookings
  {
    absl::MutexLock lock(&ids_mu_);
    if (spare_ids_.size() >= n) {
      std::vector<int64_t> ids(spare_ids_.begin(), spare_ids_.begin() + n);
      spare_ids_.erase(spare_ids_.begin(), spare_ids_.begin() + n);
      return ids;
    }
  }
  std::vector<int64_t> fresh;
  RETURN_IF_ERROR(db::AutoCommitStatus(pool_, [&](pqxx::nontransaction& tx) -> absl::Status {
    for (const auto& row : tx.exec_prepared("sched_take_booking_ids",
                                            std::max<int64_t>(kAhead, static_cast<int64_t>(n)))) {
      fresh.push_back(row[0].as<int64_t>());
    }
    return absl::OkStatus();
  }));
  std::vector<int64_t> ids(fresh.begin(), fresh.begin() + n);
  absl::MutexLock lock(&ids_mu_);
  spare_ids_.insert(spare_ids_.end(), fresh.begin() + n, fresh.end());
  return ids;
}

std::optional<std::vector<absl::StatusOr<v1::Booking>>> SchedulingStore::BookTogether(
    const std::vector<VisitToBook>& batch, std::vector<bool>* collided) {
  collided->assign(batch.size(), false);
  // A request_id or an entitlement twice in the batch: the later one waits.
  std::set<std::string> request_ids, entitlements;
  bool repeated = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    const NewVisit& v = *batch[i].visit;
    bool again = !request_ids.insert(batch[i].request->request_id()).second;
    for (size_t k = 0; k < v.slot_ids.size(); ++k) {
      again |= !entitlements
                    .insert(absl::StrCat(v.resident_id, "/", static_cast<int>(v.types[k]), "/",
                                         v.entitlements[k]))
                    .second;
    }
    (*collided)[i] = again;
    repeated |= again;
  }
  if (repeated) return std::nullopt;
  std::map<int64_t, int> wanted;  // places per slot
  for (const VisitToBook& b : batch) {
    for (int64_t id : b.visit->slot_ids) ++wanted[id];
  }
  const absl::Time now = absl::FromUnixMillis(absl::ToUnixMillis(absl::Now()));
  const std::string create_time =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", now, absl::UTCTimeZone());
  // Ids for every visit, taken before the transaction: each answer (stored
  // with its request_id) names its booking. Those not used are left unused.
  absl::StatusOr<std::vector<int64_t>> taken_ids = TakeBookingIds(batch.size());
  if (!taken_ids.ok()) return std::nullopt;
  const std::vector<int64_t>& booking_ids = *taken_ids;
  std::vector<int64_t> slot_ids, counts;
  for (const auto& [id, k] : wanted) {
    slot_ids.push_back(id);
    counts.push_back(k);
  }
  // First all at once, in one statement: every visit gets its places, or
  // nothing is written. A slot short of places fails the statement (the
  // slots' CHECK), as does an entitlement held or a request_id used (unique
  // indexes); the transaction below then sorts out who gets what.
  std::vector<size_t> everyone(batch.size());
  std::iota(everyone.begin(), everyone.end(), 0);
  VisitRows all = RowsOfVisits(batch, everyone, booking_ids, create_time);
  std::vector<std::string> arguments = InsertArguments(batch, everyone, all, requests_);
  arguments.push_back(db::PgArray(slot_ids));
  arguments.push_back(db::PgArray(counts));
  const absl::Status at_once =
      db::AutoCommitStatus(pool_, [&](pqxx::nontransaction& tx) -> absl::Status {
        try {
          tx.exec_prepared("sched_book_all_or_nothing",
                           pqxx::prepare::make_dynamic_params(arguments));
        } catch (const pqxx::integrity_constraint_violation&) {
          return absl::AbortedError("not every visit at once");
        }
        return absl::OkStatus();
      });
  if (at_once.ok()) {
    for (bool* done : all.audited) *done = true;  // committed with the bookings
    return std::vector<absl::StatusOr<v1::Booking>>(all.bookings.begin(), all.bookings.end());
  }

  std::vector<absl::StatusOr<v1::Booking>> answers;
  std::vector<bool*> audited;  // of the calls whose audit rows go in with their bookings
  absl::Status status = db::TransactStatus(pool_, [&](pqxx::work& tx) -> absl::Status {
    answers.clear();
    audited.clear();
    std::map<int64_t, int> left;  // places taken for the batch, not yet given
    for (const auto& row :
         tx.exec_prepared("sched_lock_and_take", db::PgArray(slot_ids), db::PgArray(counts))) {
      left[row[0].as<int64_t>()] = row[1].as<int>();
    }
    // Places go to the visits in batch order; a visit of one slot finds it
    // full, or a visit of several finds one short: the rest must be undone.
    std::vector<size_t> gets;
    bool short_multi = false;
    for (size_t i = 0; i < batch.size(); ++i) {
      const std::vector<int64_t>& ids = batch[i].visit->slot_ids;
      const bool room =
          std::all_of(ids.begin(), ids.end(), [&](int64_t id) { return left[id] > 0; });
      if (room) {
        for (int64_t id : ids) --left[id];
        gets.push_back(i);
      } else if (ids.size() > 1) {
        (*collided)[i] = true;
        short_multi = true;
      }
    }
    if (short_multi) return absl::AbortedError("collided");
    // What each visit that got its places stores, with its answer, in one
    // statement.
    VisitRows rows = RowsOfVisits(batch, gets, booking_ids, create_time);
    for (size_t i = 0, k = 0; i < batch.size(); ++i) {
      if (k < gets.size() && gets[k] == i) {
        answers.emplace_back(rows.bookings[k++]);
      } else {
        answers.emplace_back(SlotFull((*batch[i].slots)[0].name()));
      }
    }
    if (gets.empty()) return absl::OkStatus();
    bool collision = false;
    for (const auto& row : tx.exec_prepared(
             "sched_insert_visits",
             pqxx::prepare::make_dynamic_params(InsertArguments(batch, gets, rows, requests_)))) {
      const size_t i = gets[row[0].as<size_t>() - 1];
      // The resident holds one of these entitlements already, or the
      // request_id was taken before (a retry: it gets the first answer).
      if (row[1].as<size_t>() != batch[i].visit->slot_ids.size() || !row[2].as<bool>()) {
        (*collided)[i] = true;
        collision = true;
      }
    }
    if (collision) return absl::AbortedError("collided");
    audited = rows.audited;
    return absl::OkStatus();
  });
  if (!status.ok()) return std::nullopt;
  for (bool* done : audited) *done = true;  // committed with the bookings
  return answers;
}

absl::StatusOr<v1::Booking> SchedulingStore::BookOne(const VisitToBook& one) {
  const v1::BookScreeningRequest& request = *one.request;
  const NewVisit& visit = *one.visit;
  const std::string pregnancy =
      visit.pregnancy_id ? absl::StrCat(*visit.pregnancy_id) : std::string();
  const std::string slot_array = ArrayLiteral(visit.slot_ids);
  std::vector<std::string> quoted;
  for (const std::string& e : visit.entitlements) quoted.push_back(absl::StrCat("\"", e, "\""));
  const std::string entitlement_array = absl::StrCat("{", absl::StrJoin(quoted, ","), "}");
  std::vector<int64_t> sorted = visit.slot_ids;
  std::sort(sorted.begin(), sorted.end());
  // The request_id is claimed at the end, with the answer: a retry racing
  // the first attempt waits there (or on the entitlement index) and then
  // rolls back and reads the first answer.
  bool taken = false;
  absl::StatusOr<v1::Booking> booked =
      db::Transact<v1::Booking>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Booking> {
        taken = false;
        // Several slots are locked in id order, so that visits never deadlock.
        if (sorted.size() > 1) tx.exec_prepared("sched_lock_slots", ArrayLiteral(sorted));
        pqxx::result inserted = tx.exec_prepared(
            "sched_insert_visit", visit.resident_id, slot_array, entitlement_array,
            visit.resident_district_code, visit.pregnancy_id ? pregnancy.c_str() : nullptr,
            visit.verification_code, one.trace_id);
        if (inserted.empty()) return absl::NotFoundError("a slot does not exist");
        if (inserted[0][16].as<size_t>() != visit.slot_ids.size()) {
          // The resident holds one of these entitlements (perhaps since a
          // moment ago): name the booking; the transaction rolls back.
          std::vector<std::string> held;
          for (size_t k = 0; k < visit.slot_ids.size(); ++k) {
            held.push_back(absl::StrCat("\"", static_cast<int>(visit.types[k]), ":",
                                        visit.entitlements[k], "\""));
          }
          pqxx::result holding = tx.exec_prepared("sched_holding_booking", visit.resident_id,
                                                  absl::StrCat("{", absl::StrJoin(held, ","), "}"));
          return AlreadyBooked(holding.empty() ? ""
                                               : MakeName("bookings", holding[0][0].as<int64_t>()));
        }
        // The conditional update takes a place in every slot or the whole
        // visit rolls back.
        if (auto full = TakePlaces(tx, sorted)) return SlotFull(MakeName("slots", *full));
        v1::Booking stored = BookingFromRow(inserted[0]);
        if (!requests_.ClaimWithAnswer(tx, request.request_id(), "BookScreening", request,
                                       stored)) {
          taken = true;
          return absl::AbortedError("request_id taken");  // rolls this attempt back
        }
        return stored;
      });
  if (!taken) return booked;
  ASSIGN_OR_RETURN(std::optional<std::string> answer,
                   FindAnswer(request.request_id(), "BookScreening", request));
  if (!answer) return absl::AbortedError("the first request with this id is unfinished; retry");
  v1::Booking first;
  first.ParseFromString(*answer);
  return first;
}

absl::StatusOr<std::vector<v1::Booking>> SchedulingStore::GetBookings(
    const std::vector<int64_t>& ids) {
  using Bookings = std::vector<v1::Booking>;
  return db::AutoCommit<Bookings>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Bookings> {
    std::map<int64_t, v1::Booking> found;
    for (const auto& row : tx.exec_prepared("sched_get_bookings", db::PgArray(ids))) {
      v1::Booking booking = BookingFromRow(row);
      found.emplace(row[0].as<int64_t>(), std::move(booking));
    }
    Bookings bookings;
    for (int64_t id : ids) {
      auto it = found.find(id);
      if (it == found.end()) {
        return absl::NotFoundError(absl::StrCat(MakeName("bookings", id), " does not exist"));
      }
      bookings.push_back(it->second);
    }
    return bookings;
  });
}

absl::StatusOr<v1::Booking> SchedulingStore::GetBooking(int64_t id) {
  // One read: no transaction (results asks this for every result).
  return db::AutoCommit<v1::Booking>(
      pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<v1::Booking> {
        pqxx::result rows = tx.exec_prepared("sched_get_booking", id);
        if (rows.empty()) {
          return absl::NotFoundError(absl::StrCat(MakeName("bookings", id), " does not exist"));
        }
        return BookingFromRow(rows[0]);
      });
}

absl::StatusOr<v1::Booking> SchedulingStore::Cancel(const v1::CancelBookingRequest& request,
                                                    int64_t booking_id) {
  return db::Transact<v1::Booking>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Booking> {
    auto prior = requests_.ClaimAs<v1::Booking>(tx, request.request_id(), "CancelBooking", request);
    if (!prior.ok()) return prior.status();
    if (*prior) return **prior;
    absl::StatusOr<v1::Booking> booking = LockBooking(tx, booking_id);
    if (!booking.ok()) return booking.status();
    if (booking->state() != v1::BOOKING_STATE_ACTIVE) return NotActive(*booking);
    tx.exec_prepared("sched_set_state", booking_id, kCancelled,
                     absl::StrCat(static_cast<int>(request.reason())));
    WriteEvent(tx, "booking.cancelled", booking_id);
    ReleaseItems(tx, booking_id, /*promote=*/true);
    v1::Booking stored = BookingFromRow(tx.exec_prepared1("sched_get_booking", booking_id));
    requests_.Save(tx, request.request_id(), stored);
    return stored;
  });
}

absl::StatusOr<v1::Booking> SchedulingStore::Reschedule(const v1::RescheduleBookingRequest& request,
                                                        int64_t booking_id,
                                                        const std::vector<int64_t>& new_slots) {
  return db::Transact<v1::Booking>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Booking> {
    auto prior =
        requests_.ClaimAs<v1::Booking>(tx, request.request_id(), "RescheduleBooking", request);
    if (!prior.ok()) return prior.status();
    if (*prior) return **prior;
    absl::StatusOr<v1::Booking> booking = LockBooking(tx, booking_id);
    if (!booking.ok()) return booking.status();
    if (booking->state() != v1::BOOKING_STATE_ACTIVE) return NotActive(*booking);
    std::vector<int64_t> old_slots;
    for (const auto& item : booking->screenings()) {
      old_slots.push_back(*ParseNumericName("slots", item.slot()));
    }
    std::vector<int64_t> sorted_new = new_slots;
    std::sort(sorted_new.begin(), sorted_new.end());
    std::sort(old_slots.begin(), old_slots.end());
    if (sorted_new == old_slots) {  // the same visit: nothing moves
      requests_.Save(tx, request.request_id(), *booking);
      return *booking;
    }
    // Every slot involved is locked in id order, so that moves never deadlock.
    std::vector<int64_t> all = old_slots;
    all.insert(all.end(), sorted_new.begin(), sorted_new.end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    tx.exec_prepared("sched_lock_slots", ArrayLiteral(all));
    // The new places first: if one is missing, nothing has changed.
    if (auto full = TakePlaces(tx, sorted_new)) return SlotFull(MakeName("slots", *full));
    tx.exec_prepared("sched_release_places", ArrayLiteral(old_slots));
    for (int64_t slot : sorted_new) tx.exec_prepared("sched_move_item", booking_id, slot);
    tx.exec_prepared("sched_move_booking", booking_id, sorted_new.front());
    WriteEvent(tx, "booking.rescheduled", booking_id);
    for (int64_t slot : old_slots) PromoteWaiting(tx, slot);
    v1::Booking stored = BookingFromRow(tx.exec_prepared1("sched_get_booking", booking_id));
    requests_.Save(tx, request.request_id(), stored);
    return stored;
  });
}

absl::StatusOr<v1::WaitlistEntry> SchedulingStore::JoinWaitlist(
    const v1::JoinWaitlistRequest& request, const NewWaitlistEntry& entry) {
  const std::string pregnancy = entry.pregnancy_id ? absl::StrCat(*entry.pregnancy_id) : "";
  return db::Transact<v1::WaitlistEntry>(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::WaitlistEntry> {
        auto prior =
            requests_.ClaimAs<v1::WaitlistEntry>(tx, request.request_id(), "JoinWaitlist", request);
        if (!prior.ok()) return prior.status();
        if (*prior) return **prior;
        const std::string entitlement =
            absl::StrCat(static_cast<int>(entry.screening_type), ":",
                         Entitlement(entry.screening_type, entry.start.year(), entry.pregnancy_id));
        pqxx::result holding = tx.exec_prepared("sched_holding_booking", entry.resident_id,
                                                absl::StrCat("{", entitlement, "}"));
        if (!holding.empty()) {
          return AlreadyBooked(MakeName("bookings", holding[0][0].as<int64_t>()));
        }
        pqxx::result waiting =
            tx.exec_prepared("sched_waiting_already", entry.resident_id, entry.hospital_code,
                             static_cast<int>(entry.screening_type));
        if (!waiting.empty()) {
          const std::string name = MakeName("waitlist", waiting[0][0].as<int64_t>());
          return WithReason(absl::AlreadyExistsError(
                                absl::StrCat("the resident is already waiting there: ", name)),
                            "ALREADY_WAITING", {{"entry", name}});
        }
        v1::WaitlistEntry stored = WaitlistFromRow(tx.exec_prepared1(
            "sched_insert_entry", entry.resident_id, entry.hospital_code,
            static_cast<int>(entry.screening_type), FormatDate(entry.start), FormatDate(entry.end),
            entry.pregnancy_id ? pregnancy.c_str() : nullptr, entry.resident_district_code));
        requests_.Save(tx, request.request_id(), stored);
        return stored;
      });
}

absl::StatusOr<v1::WaitlistEntry> SchedulingStore::LeaveWaitlist(int64_t id) {
  return db::Transact<v1::WaitlistEntry>(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::WaitlistEntry> {
        pqxx::result left = tx.exec_prepared("sched_leave_waitlist", id);
        if (!left.empty()) return WaitlistFromRow(left[0]);
        pqxx::result rows = tx.exec_prepared("sched_get_entry", id);
        if (rows.empty()) {
          return absl::NotFoundError(absl::StrCat(MakeName("waitlist", id), " does not exist"));
        }
        const v1::WaitlistEntry entry = WaitlistFromRow(rows[0]);
        // A retry finds the entry already left: the same answer, nothing more.
        if (entry.state() == v1::WAITLIST_STATE_LEFT) return entry;
        return WithReason(absl::FailedPreconditionError(absl::StrCat(
                              entry.name(), " is ", v1::WaitlistState_Name(entry.state()))),
                          "ENTRY_NOT_WAITING", {{"entry", entry.name()}});
      });
}

absl::StatusOr<v1::WaitlistEntry> SchedulingStore::GetWaitlistEntry(int64_t id) {
  return db::Transact<v1::WaitlistEntry>(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::WaitlistEntry> {
        pqxx::result rows = tx.exec_prepared("sched_get_entry", id);
        if (rows.empty()) {
          return absl::NotFoundError(absl::StrCat(MakeName("waitlist", id), " does not exist"));
        }
        v1::WaitlistEntry entry = WaitlistFromRow(rows[0]);
        return entry;
      });
}

absl::StatusOr<RosterPage> SchedulingStore::ListBookings(const RosterQuery& q) {
  const std::string state = absl::StrCat(static_cast<int>(q.state));
  const std::string after_session = q.after ? absl::StrCat(q.after->first) : "";
  const std::string after_id = q.after ? absl::StrCat(q.after->second) : "";
  return db::Transact<RosterPage>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<RosterPage> {
    pqxx::result rows =
        tx.exec_prepared("sched_roster", q.hospital_code, FormatDate(q.day),
                         q.state == v1::BOOKING_STATE_UNSPECIFIED ? nullptr : state.c_str(),
                         q.after ? after_session.c_str() : nullptr,
                         q.after ? after_id.c_str() : nullptr, q.page_size + 1);
    RosterPage page;
    for (const auto& row : rows) {
      if (static_cast<int>(page.bookings.size()) == q.page_size) {
        const v1::Booking& last = page.bookings.back();
        page.last = {static_cast<int>(last.session()), *ParseNumericName("bookings", last.name())};
        break;
      }
      page.bookings.push_back(BookingFromRow(row));
    }
    return page;
  });
}

absl::StatusOr<std::vector<v1::Booking>> SchedulingStore::ListResidentBookings(
    const NewestFirstQuery& q) {
  return db::Transact<std::vector<v1::Booking>>(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<v1::Booking>> {
        pqxx::result rows = tx.exec_prepared("sched_resident_bookings", q.resident_id.value_or(0),
                                             q.before, q.page_size + 1);
        std::vector<v1::Booking> bookings;
        for (const auto& row : rows) bookings.push_back(BookingFromRow(row));
        return bookings;
      });
}

absl::StatusOr<std::vector<v1::WaitlistEntry>> SchedulingStore::ListWaitlistEntries(
    const NewestFirstQuery& q) {
  return db::Transact<std::vector<v1::WaitlistEntry>>(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<v1::WaitlistEntry>> {
        pqxx::result rows =
            tx.exec_prepared("sched_district_waitlist", q.district_code, q.resident_id,
                             q.state == 0 ? std::optional<int>() : std::optional<int>(q.state),
                             q.before, q.page_size + 1);
        std::vector<v1::WaitlistEntry> entries;
        for (const auto& row : rows) entries.push_back(WaitlistFromRow(row));
        return entries;
      });
}

absl::StatusOr<CheckInOutcome> SchedulingStore::CheckIn(int64_t booking_id, const std::string& code,
                                                        absl::CivilDay today) {
  return db::Transact<CheckInOutcome>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<CheckInOutcome> {
    absl::StatusOr<v1::Booking> booking = LockBooking(tx, booking_id);
    if (!booking.ok()) return booking.status();
    CheckInOutcome out;
    const bool right = SecretEquals(code, booking->verification_code());
    if (booking->state() == v1::BOOKING_STATE_CHECKED_IN && right) {
      out.booking = *booking;
      return out;
    }
    if (booking->state() != v1::BOOKING_STATE_ACTIVE) return NotActive(*booking);
    if (*ParseDate(booking->date()) != today) {
      return WithReason(absl::FailedPreconditionError(absl::StrCat(booking->name(), " is for ",
                                                                   booking->date(), ", not today")),
                        "NOT_THE_DAY", {{"booking", booking->name()}});
    }
    const int failures = tx.exec_prepared1("sched_check_in_failures", booking_id)[0].as<int>();
    if (failures >= kMaxCheckInAttempts) {
      return WithReason(absl::FailedPreconditionError(
                            absl::StrCat("too many wrong codes for ", booking->name(),
                                         "; the clinic that booked can cancel and rebook")),
                        "TOO_MANY_ATTEMPTS", {{"booking", booking->name()}});
    }
    if (!right) {
      const int now = tx.exec_prepared1("sched_check_in_failed", booking_id)[0].as<int>();
      out.booking = *booking;
      out.wrong_code = true;
      out.attempts_left = kMaxCheckInAttempts - now;
      return out;  // committed: the attempt counts
    }
    tx.exec_prepared("sched_check_in", booking_id);
    WriteEvent(tx, "booking.checked_in", booking_id);
    out.booking = BookingFromRow(tx.exec_prepared1("sched_get_booking", booking_id));
    return out;
  });
}

absl::StatusOr<v1::Booking> SchedulingStore::MarkNoShow(int64_t booking_id, absl::CivilDay today) {
  return db::Transact<v1::Booking>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Booking> {
    absl::StatusOr<v1::Booking> booking = LockBooking(tx, booking_id);
    if (!booking.ok()) return booking.status();
    // A retry finds the visit already marked: the same answer, nothing more.
    if (booking->state() == v1::BOOKING_STATE_NO_SHOW) return *booking;
    if (booking->state() != v1::BOOKING_STATE_ACTIVE) return NotActive(*booking);
    if (*ParseDate(booking->date()) > today) {
      return WithReason(absl::FailedPreconditionError(absl::StrCat(
                            booking->name(), " is for ", booking->date(), ", which has not come")),
                        "NOT_YET", {{"booking", booking->name()}});
    }
    tx.exec_prepared("sched_set_state", booking_id, kNoShow, nullptr);
    WriteEvent(tx, "booking.no_show", booking_id);
    // The day has come: the place is released, not offered to the waitlist.
    ReleaseItems(tx, booking_id, /*promote=*/false);
    return BookingFromRow(tx.exec_prepared1("sched_get_booking", booking_id));
  });
}

absl::StatusOr<int64_t> SchedulingStore::CountEvents(const std::string& after) {
  std::optional<std::pair<std::string, int64_t>> position;
  if (!after.empty()) position = ParseOutboxOffset(after);
  const std::string xid = position ? position->first : "0";
  const std::string seq = position ? absl::StrCat(position->second) : "0";
  return db::AutoCommit<int64_t>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<int64_t> {
    return tx.exec_prepared1("sched_count_events", xid, seq)[0].as<int64_t>();
  });
}

absl::StatusOr<std::vector<internal::v1::BookingEvent>> SchedulingStore::ListEvents(
    const std::string& after, int limit) {
  using Events = std::vector<internal::v1::BookingEvent>;
  // The service validated `after`.
  std::optional<std::pair<std::string, int64_t>> position;
  if (!after.empty()) position = ParseOutboxOffset(after);
  const std::string xid = position ? position->first : "0";
  const std::string seq = position ? absl::StrCat(position->second) : "0";
  return db::AutoCommit<Events>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Events> {
    Events events;
    for (const auto& row : tx.exec_prepared("sched_list_events", xid, seq, limit)) {
      internal::v1::BookingEvent& e = events.emplace_back();
      e.set_offset(absl::StrCat(row[0].as<std::string>(), ":", row[1].as<int64_t>()));
      e.set_type(EventTypeFromName(row[2].as<std::string>()));
      e.set_booking(MakeName("bookings", row[3].as<int64_t>()));
      e.set_resident(MakeName("residents", row[4].as<int64_t>()));
      e.set_hospital(MakeName("hospitals", row[5].as<std::string>()));
      e.set_date(row[6].as<std::string>());
      e.set_programme_year(row[7].as<int>());
      e.set_resident_district_code(row[8].as<std::string>());
      e.set_hospital_district_code(row[9].as<std::string>());
      e.set_trace_id(row[10].as<std::string>());
      e.set_create_time_seconds(row[11].as<double>());
    }
    return events;
  });
}

absl::StatusOr<std::vector<HospitalLoad>> SchedulingStore::HospitalLoads(int year,
                                                                         absl::CivilDay as_of,
                                                                         bool nipt) {
  using Result = std::vector<HospitalLoad>;
  const std::string types = nipt ? "{4}" : "{1,2,3}";
  return db::Transact<Result>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Result> {
    std::map<std::string, HospitalLoad> loads;
    // Every hospital: from the first code, no limit (LIMIT NULL).
    for (const auto& row :
         tx.exec_prepared("sched_list_hospitals", nullptr, nullptr, "", nullptr)) {
      v1::Hospital h = HospitalFromRow(row);
      const bool offers = nipt ? Offers(h, v1::SCREENING_TYPE_NIPT)
                               : Offers(h, v1::SCREENING_TYPE_COLORECTAL) ||
                                     Offers(h, v1::SCREENING_TYPE_GASTRIC) ||
                                     Offers(h, v1::SCREENING_TYPE_FOUR_HIGHS);
      if (offers) loads[h.code()].hospital = std::move(h);
    }
    for (const auto& row : tx.exec_prepared("sched_places_by_month", FormatDate(as_of),
                                            FormatDate(absl::CivilDay(year, 12, 31)), types)) {
      auto it = loads.find(row[0].as<std::string>());
      if (it != loads.end()) it->second.places_by_month[row[1].as<int>()] = row[2].as<int64_t>();
    }
    for (const auto& row : tx.exec_prepared("sched_screened_by_hospital", year, types)) {
      auto it = loads.find(row[0].as<std::string>());
      if (it != loads.end()) it->second.screened = row[1].as<int64_t>();
    }
    Result out;
    for (auto& [code, load] : loads) out.push_back(std::move(load));
    return out;
  });
}

absl::StatusOr<internal::v1::BookingCounts> SchedulingStore::CountBookings(int programme_year) {
  return db::AutoCommit<internal::v1::BookingCounts>(
      pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<internal::v1::BookingCounts> {
        pqxx::row row = tx.exec_prepared1("sched_count_bookings", programme_year);
        internal::v1::BookingCounts counts;
        counts.set_bookings(row[0].as<int64_t>());
        counts.set_cancellations(row[1].as<int64_t>());
        counts.set_no_shows(row[2].as<int64_t>());
        return counts;
      });
}

absl::StatusOr<std::optional<v1::AllocationPlan>> SchedulingStore::LatestPlan(
    int year, v1::AllocationTarget target) {
  using Result = std::optional<v1::AllocationPlan>;
  return db::Transact<Result>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Result> {
    pqxx::result rows = tx.exec_prepared("sched_latest_plan", year, static_cast<int>(target));
    if (rows.empty()) return Result();
    v1::AllocationPlan plan;
    plan.ParseFromString(pqxx::binarystring(rows[0][0]).str());
    return Result(plan);
  });
}

absl::StatusOr<v1::AllocationPlan> SchedulingStore::SavePlan(
    const v1::AllocationPlan& plan, const v1::AllocateTargetsRequest& request) {
  return db::Transact<v1::AllocationPlan>(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::AllocationPlan> {
        ASSIGN_OR_RETURN(std::optional<v1::AllocationPlan> first,
                         requests_.ClaimAs<v1::AllocationPlan>(tx, request.request_id(),
                                                               "AllocateTargets", request));
        if (first) return *first;
        tx.exec_prepared("sched_save_plan", plan.programme_year(), static_cast<int>(plan.kind()),
                         pqxx::binarystring(plan.SerializeAsString()));
        requests_.Save(tx, request.request_id(), plan);
        return plan;
      });
}

}  // namespace screening::scheduling
