#include "services/scheduling/scheduling_service.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/batch_span.h"
#include "common/dates.h"
#include "common/districts.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "screening/internal/v1/registry.grpc.pb.h"
#include "screening/v1/registry.grpc.pb.h"
#include "services/scheduling/allocation.h"
#include "services/scheduling/visit_rules.h"

namespace screening::scheduling {
namespace {

constexpr int kMaxCapacity = 10000;
constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;
constexpr int kMaxVisitSlots = 4;
constexpr int kMaxGenerateDays = 366;
constexpr int kMaxWaitDays = 92;
constexpr int kMaxHospitalPage = 1000;
constexpr absl::Duration kRegistryTimeout = absl::Seconds(5);

bool IsSession(int session) {
  return v1::Session_IsValid(session) && session != v1::SESSION_UNSPECIFIED;
}

void ValidateSlotNames(const google::protobuf::RepeatedPtrField<std::string>& slots,
                       FieldViolations& bad) {
  if (slots.empty() || slots.size() > kMaxVisitSlots) {
    bad.Add("slots", absl::StrCat("must name 1 to ", kMaxVisitSlots, " slots, one per screening"));
  }
  std::set<int64_t> seen;
  for (int i = 0; i < slots.size() && i < kMaxVisitSlots; ++i) {
    auto id = ParseNumericName("slots", slots[i]);
    if (!id || !seen.insert(*id).second) {
      bad.Add(absl::StrCat("slots[", i, "]"), "must be slots/{id}, each once");
    }
  }
}

bool IsScreeningType(int type) {
  return v1::ScreeningType_IsValid(type) && type != v1::SCREENING_TYPE_UNSPECIFIED;
}

// Page tokens are opaque to clients: `{day}.{slot id}` of the last slot sent.
std::string EncodePageToken(const std::pair<absl::CivilDay, int64_t>& last) {
  return absl::StrCat(FormatDate(last.first), ".", last.second);
}

std::optional<std::pair<absl::CivilDay, int64_t>> DecodePageToken(absl::string_view token) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 2) return std::nullopt;
  auto day = ParseDate(parts[0]);
  int64_t id = 0;
  if (!day || !absl::SimpleAtoi(parts[1], &id) || id <= 0) return std::nullopt;
  return std::make_pair(*day, id);
}

// Newest-first pages: the token is the last id of the page before.
void AddPaging(int page_size, const std::string& page_token, FieldViolations& bad,
               NewestFirstQuery& query) {
  if (page_size < 0 || page_size > kMaxPageSize) {
    bad.Add("page_size", absl::StrCat("must be 0 to ", kMaxPageSize));
  }
  query.page_size = page_size == 0 ? kDefaultPageSize : page_size;
  if (!page_token.empty()) {
    int64_t before = 0;
    if (!absl::SimpleAtoi(page_token, &before) || before <= 0) {
      bad.Add("page_token", "is not a token this service issued");
    } else {
      query.before = before;
    }
  }
}

// The first page_size rows, and the token of the next page if there is one.
template <typename Row>
std::string KeepPage(std::vector<Row>& rows, int page_size, absl::string_view collection) {
  if (static_cast<int>(rows.size()) <= page_size) return "";
  rows.resize(page_size);
  return absl::StrCat(*ParseNumericName(collection, rows.back().name()));
}

}  // namespace

absl::Status ValidateHospital(const v1::UpsertHospitalRequest& request) {
  FieldViolations bad;
  if (!request.has_hospital()) {
    bad.Add("hospital", "is required");
    return bad.ToStatus();
  }
  const v1::Hospital& h = request.hospital();
  if (!IsHospitalCode(h.code())) {
    bad.Add("hospital.code", "must be 2 to 32 characters of A-Z, 0-9, '-' and '_'");
  }
  const size_t name_length = Utf8Length(h.display_name());
  if (name_length == 0 || name_length > 128) {
    bad.Add("hospital.display_name", "must be 1 to 128 characters");
  }
  if (FindDistrict(h.district_code()) == nullptr) {
    bad.Add("hospital.district_code", "is not one of Harbin's 18 district codes");
  }
  if (Utf8Length(h.address()) > 256) bad.Add("hospital.address", "must be at most 256 characters");
  std::set<int> screenings;
  for (int i = 0; i < h.screenings_size(); ++i) {
    if (!IsScreeningType(h.screenings(i)) || !screenings.insert(h.screenings(i)).second) {
      bad.Add(absl::StrCat("hospital.screenings[", i, "]"),
              "must be one of the programme's screenings, each once");
    }
  }
  std::set<int> procedures;
  for (int i = 0; i < h.follow_up_procedures_size(); ++i) {
    const int p = h.follow_up_procedures(i);
    if (!v1::FollowUpProcedure_IsValid(p) || p == v1::FOLLOW_UP_PROCEDURE_UNSPECIFIED ||
        !procedures.insert(p).second) {
      bad.Add(absl::StrCat("hospital.follow_up_procedures[", i, "]"),
              "must be a follow-up procedure, each once");
    }
  }
  if (screenings.empty() && procedures.empty()) {
    bad.Add("hospital.screenings", "a hospital offers at least one screening or procedure");
  }
  std::set<int> weekdays;
  for (int i = 0; i < h.working_days_size(); ++i) {
    const int d = h.working_days(i);
    if (d < 1 || d > 7 || !weekdays.insert(d).second) {
      bad.Add(absl::StrCat("hospital.working_days[", i, "]"),
              "must be an ISO weekday 1 (Monday) to 7 (Sunday), each once");
    }
  }
  if (h.holidays_size() > 366) bad.Add("hospital.holidays", "at most 366 days");
  for (int i = 0; i < h.holidays_size() && i < 366; ++i) {
    if (!ParseDate(h.holidays(i))) {
      bad.Add(absl::StrCat("hospital.holidays[", i, "]"), "must be a real date, YYYY-MM-DD");
    }
  }
  std::set<int> sessions;
  for (int i = 0; i < h.sessions_size(); ++i) {
    const v1::SessionPlan& plan = h.sessions(i);
    const std::string field = absl::StrCat("hospital.sessions[", i, "]");
    if (!v1::Session_IsValid(plan.session()) || plan.session() == v1::SESSION_UNSPECIFIED ||
        !sessions.insert(plan.session()).second) {
      bad.Add(field + ".session", "must be SESSION_MORNING or SESSION_AFTERNOON, each once");
    }
    std::set<int> types;
    for (int j = 0; j < plan.places_size(); ++j) {
      const v1::ScreeningPlaces& places = plan.places(j);
      const std::string place_field = absl::StrCat(field, ".places[", j, "]");
      if (!screenings.count(places.screening_type()) ||
          !types.insert(places.screening_type()).second) {
        bad.Add(place_field + ".screening_type",
                "must be a screening the hospital offers, each once per session");
      }
      if (places.places() < 0 || places.places() > kMaxCapacity) {
        bad.Add(place_field + ".places", absl::StrCat("must be 0 to ", kMaxCapacity));
      }
    }
  }
  return bad.ToStatus();
}

absl::Status ValidateSetCapacity(const v1::SetCapacityRequest& request) {
  FieldViolations bad;
  if (!ParseStringName("hospitals", request.hospital())) {
    bad.Add("hospital", "must be hospitals/{code}");
  }
  if (!ParseDate(request.date())) bad.Add("date", "must be a real date, YYYY-MM-DD");
  if (!IsScreeningType(request.screening_type())) {
    bad.Add("screening_type", "must be one of the programme's screenings");
  }
  if (request.capacity() < 0 || request.capacity() > kMaxCapacity) {
    bad.Add("capacity", absl::StrCat("must be 0 to ", kMaxCapacity));
  }
  if (request.session() != v1::SESSION_UNSPECIFIED && !IsSession(request.session())) {
    bad.Add("session", "must be SESSION_MORNING or SESSION_AFTERNOON (unset: morning)");
  }
  return bad.ToStatus();
}

absl::Status ValidateGenerateSlots(const v1::GenerateSlotsRequest& request) {
  FieldViolations bad;
  if (!ParseStringName("hospitals", request.hospital())) {
    bad.Add("hospital", "must be hospitals/{code}");
  }
  const auto start = ParseDate(request.start_date());
  const auto end = ParseDate(request.end_date());
  if (!start) bad.Add("start_date", "must be a real date, YYYY-MM-DD");
  if (!end) bad.Add("end_date", "must be a real date, YYYY-MM-DD");
  if (start && end && (*end < *start || *end - *start > kMaxGenerateDays)) {
    bad.Add("end_date", absl::StrCat("must be 0 to ", kMaxGenerateDays, " days after start_date"));
  }
  return bad.ToStatus();
}

absl::StatusOr<SlotQuery> ValidateSearchSlots(const v1::SearchSlotsRequest& request) {
  FieldViolations bad;
  SlotQuery query;
  if (request.screening_type() != v1::SCREENING_TYPE_UNSPECIFIED &&
      !IsScreeningType(request.screening_type())) {
    bad.Add("screening_type", "must be one of the programme's screenings");
  }
  query.screening_type = request.screening_type();
  if (!request.district_code().empty() && FindDistrict(request.district_code()) == nullptr) {
    bad.Add("district_code", "is not one of Harbin's 18 district codes");
  }
  query.district_code = request.district_code();
  if (!request.hospital().empty()) {
    auto code = ParseStringName("hospitals", request.hospital());
    if (!code) {
      bad.Add("hospital", "must be hospitals/{code}");
    } else {
      query.hospital_code = *code;
    }
  }
  if (!request.start_date().empty()) {
    query.start = ParseDate(request.start_date());
    if (!query.start) bad.Add("start_date", "must be a real date, YYYY-MM-DD");
  }
  if (!request.end_date().empty()) {
    query.end = ParseDate(request.end_date());
    if (!query.end) bad.Add("end_date", "must be a real date, YYYY-MM-DD");
  }
  if (query.start && query.end && *query.end < *query.start) {
    bad.Add("end_date", "must not be before start_date");
  }
  query.only_available = request.only_available();
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    bad.Add("page_size", absl::StrCat("must be 0 to ", kMaxPageSize));
  }
  query.page_size = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  if (!request.page_token().empty()) {
    query.after = DecodePageToken(request.page_token());
    if (!query.after) bad.Add("page_token", "is not a token this service issued");
  }
  if (!bad.empty()) return bad.ToStatus();
  return query;
}

absl::Status ValidateBookScreening(const v1::BookScreeningRequest& request) {
  FieldViolations bad;
  if (!ParseNumericName("residents", request.resident())) {
    bad.Add("resident", "must be residents/{id}");
  }
  ValidateSlotNames(request.slots(), bad);
  if (!request.pregnancy().empty() && !ParseNumericName("pregnancies", request.pregnancy())) {
    bad.Add("pregnancy", "must be pregnancies/{id}");
  }
  if (!IsValidRequestId(request.request_id())) {
    bad.Add("request_id", "is required: 1 to 64 printable ASCII characters");
  }
  return bad.ToStatus();
}

absl::Status ValidateCancelBooking(const v1::CancelBookingRequest& request) {
  FieldViolations bad;
  if (!ParseNumericName("bookings", request.name())) bad.Add("name", "must be bookings/{id}");
  if (!v1::CancelReason_IsValid(request.reason()) ||
      request.reason() == v1::CANCEL_REASON_UNSPECIFIED) {
    bad.Add("reason", "is required: one of the CancelReason values");
  }
  if (!IsValidRequestId(request.request_id())) {
    bad.Add("request_id", "is required: 1 to 64 printable ASCII characters");
  }
  return bad.ToStatus();
}

absl::Status ValidateRescheduleBooking(const v1::RescheduleBookingRequest& request) {
  FieldViolations bad;
  if (!ParseNumericName("bookings", request.name())) bad.Add("name", "must be bookings/{id}");
  ValidateSlotNames(request.slots(), bad);
  if (!IsValidRequestId(request.request_id())) {
    bad.Add("request_id", "is required: 1 to 64 printable ASCII characters");
  }
  return bad.ToStatus();
}

absl::Status ValidateJoinWaitlist(const v1::JoinWaitlistRequest& request, absl::CivilDay today) {
  FieldViolations bad;
  const v1::WaitlistEntry& e = request.entry();
  if (!ParseNumericName("residents", e.resident())) {
    bad.Add("entry.resident", "must be residents/{id}");
  }
  if (!ParseStringName("hospitals", e.hospital())) {
    bad.Add("entry.hospital", "must be hospitals/{code}");
  }
  if (!IsScreeningType(e.screening_type())) {
    bad.Add("entry.screening_type", "must be one of the programme's screenings");
  }
  const auto start = ParseDate(e.start_date());
  const auto end = ParseDate(e.end_date());
  if (!start) {
    bad.Add("entry.start_date", "must be a real date, YYYY-MM-DD");
  } else if (*start < today) {
    bad.Add("entry.start_date", "must not be in the past");
  }
  if (!end) {
    bad.Add("entry.end_date", "must be a real date, YYYY-MM-DD");
  } else if (start &&
             (*end < *start || *end - *start > kMaxWaitDays || end->year() != start->year())) {
    bad.Add("entry.end_date", absl::StrCat("must be 0 to ", kMaxWaitDays,
                                           " days after start_date, in the same year"));
  }
  if (!request.pregnancy().empty() && !ParseNumericName("pregnancies", request.pregnancy())) {
    bad.Add("pregnancy", "must be pregnancies/{id}");
  }
  if (!IsValidRequestId(request.request_id())) {
    bad.Add("request_id", "is required: 1 to 64 printable ASCII characters");
  }
  return bad.ToStatus();
}

absl::StatusOr<NewestFirstQuery> ValidateListResidentBookings(
    const v1::ListResidentBookingsRequest& request) {
  FieldViolations bad;
  NewestFirstQuery query;
  query.resident_id = ParseNumericName("residents", request.resident());
  if (!query.resident_id) bad.Add("resident", "must be residents/{id}");
  AddPaging(request.page_size(), request.page_token(), bad, query);
  if (!bad.empty()) return bad.ToStatus();
  return query;
}

absl::StatusOr<NewestFirstQuery> ValidateListWaitlistEntries(
    const v1::ListWaitlistEntriesRequest& request) {
  FieldViolations bad;
  NewestFirstQuery query;
  if (FindDistrict(request.district_code()) == nullptr) {
    bad.Add("district_code", "is not one of Harbin's 18 district codes");
  }
  query.district_code = request.district_code();
  if (!request.resident().empty()) {
    query.resident_id = ParseNumericName("residents", request.resident());
    if (!query.resident_id) bad.Add("resident", "must be residents/{id}, when given");
  }
  if (!v1::WaitlistState_IsValid(request.state())) {
    bad.Add("state", "must be a WaitlistState value");
  }
  query.state = request.state();
  AddPaging(request.page_size(), request.page_token(), bad, query);
  if (!bad.empty()) return bad.ToStatus();
  return query;
}

absl::StatusOr<RosterQuery> ValidateListBookings(const v1::ListBookingsRequest& request) {
  FieldViolations bad;
  RosterQuery query;
  auto code = ParseStringName("hospitals", request.hospital());
  if (!code) {
    bad.Add("hospital", "must be hospitals/{code}");
  } else {
    query.hospital_code = *code;
  }
  auto day = ParseDate(request.date());
  if (!day) {
    bad.Add("date", "must be a real date, YYYY-MM-DD");
  } else {
    query.day = *day;
  }
  if (!v1::BookingState_IsValid(request.state())) {
    bad.Add("state", "must be a BookingState value");
  }
  query.state = request.state();
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    bad.Add("page_size", absl::StrCat("must be 0 to ", kMaxPageSize));
  }
  query.page_size = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  if (!request.page_token().empty()) {
    std::vector<absl::string_view> parts = absl::StrSplit(request.page_token(), '.');
    int session = 0;
    int64_t id = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &session) ||
        !absl::SimpleAtoi(parts[1], &id) || !IsSession(session) || id <= 0) {
      bad.Add("page_token", "is not a token this service issued");
    } else {
      query.after = std::make_pair(session, id);
    }
  }
  if (!bad.empty()) return bad.ToStatus();
  return query;
}

absl::Status ValidateCheckIn(const v1::CheckInRequest& request) {
  FieldViolations bad;
  if (!ParseNumericName("bookings", request.name())) bad.Add("name", "must be bookings/{id}");
  const std::string& code = request.verification_code();
  if (code.size() != 6 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    bad.Add("verification_code", "must be the six digits the resident was given");
  }
  return bad.ToStatus();
}

void HideVerificationCode(const Caller& caller, v1::Booking& booking) {
  // The clinic gives the code to the resident, and so does the notifier (by
  // SMS): in this process, or as service:notify from another.
  const bool notifier =
      caller.role == Role::kService && (caller.scope == "notify" || caller.scope == "in-process");
  if (caller.role != Role::kClinic && caller.role != Role::kDeveloper && !notifier) {
    booking.clear_verification_code();
  }
}

grpc::Status SchedulingServiceImpl::UpsertHospital(grpc::ServerContext* context,
                                                   const v1::UpsertHospitalRequest* request,
                                                   v1::Hospital* response) {
  return gate_.Serve(context, *request, Method<v1::SchedulingService>("UpsertHospital"),
                     [&](CallGate::Call&) -> absl::Status {
                       RETURN_IF_ERROR(ValidateHospital(*request));
                       ASSIGN_OR_RETURN(*response, store_.UpsertHospital(request->hospital()));
                       return absl::OkStatus();
                     });
}

grpc::Status SchedulingServiceImpl::ListHospitals(grpc::ServerContext* context,
                                                  const v1::ListHospitalsRequest* request,
                                                  v1::ListHospitalsResponse* response) {
  return gate_.Serve(
      context, *request, Method<v1::SchedulingService>("ListHospitals"),
      [&](CallGate::Call&) -> absl::Status {
        FieldViolations bad;
        if (!request->district_code().empty() &&
            FindDistrict(request->district_code()) == nullptr) {
          bad.Add("district_code", "is not one of Harbin's 18 district codes");
        }
        if (request->screening_type() != v1::SCREENING_TYPE_UNSPECIFIED &&
            !IsScreeningType(request->screening_type())) {
          bad.Add("screening_type", "must be one of the programme's screenings");
        }
        if (request->page_size() < 0 || request->page_size() > kMaxHospitalPage) {
          bad.Add("page_size", absl::StrCat("must be 0 to ", kMaxHospitalPage));
        }
        // The token is the last code of the page before.
        if (!request->page_token().empty() && !IsHospitalCode(request->page_token())) {
          bad.Add("page_token", "is not a token this service issued");
        }
        RETURN_IF_ERROR(bad.ToStatus());
        ASSIGN_OR_RETURN(auto page, store_.ListHospitals(
                                        request->district_code(), request->screening_type(),
                                        request->page_token(),
                                        request->page_size() == 0 ? 100 : request->page_size()));
        for (auto& h : page.first) *response->add_hospitals() = std::move(h);
        if (page.second) response->set_next_page_token(response->hospitals().rbegin()->code());
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::GenerateSlots(grpc::ServerContext* context,
                                                  const v1::GenerateSlotsRequest* request,
                                                  v1::GenerateSlotsResponse* response) {
  return gate_.Serve(context, *request, Method<v1::SchedulingService>("GenerateSlots"),
                     [&](CallGate::Call&) -> absl::Status {
                       RETURN_IF_ERROR(ValidateGenerateSlots(*request));
                       const std::string code = *ParseStringName("hospitals", request->hospital());
                       const absl::CivilDay start = *ParseDate(request->start_date());
                       const absl::CivilDay end = *ParseDate(request->end_date());
                       ASSIGN_OR_RETURN(GeneratedSlots generated,
                                        store_.GenerateSlots(code, start, end));
                       ASSIGN_OR_RETURN(v1::Hospital hospital, store_.GetHospital(code));
                       int working_days = 0;
                       for (absl::CivilDay day = start; day <= end; ++day) {
                         if (IsWorkingDay(hospital, day)) ++working_days;
                       }
                       response->set_slots_created(generated.created);
                       response->set_slots_existing(generated.existing);
                       response->set_places_created(generated.places_created);
                       response->set_working_days(working_days);
                       return absl::OkStatus();
                     });
}

grpc::Status SchedulingServiceImpl::SetCapacity(grpc::ServerContext* context,
                                                const v1::SetCapacityRequest* request,
                                                v1::Slot* response) {
  return gate_.Serve(
      context, *request, Method<v1::SchedulingService>("SetCapacity"),
      [&](CallGate::Call&) -> absl::Status {
        RETURN_IF_ERROR(ValidateSetCapacity(*request));
        ASSIGN_OR_RETURN(
            *response,
            store_.SetCapacity(*ParseStringName("hospitals", request->hospital()),
                               *ParseDate(request->date()),
                               request->session() == v1::SESSION_UNSPECIFIED ? v1::SESSION_MORNING
                                                                             : request->session(),
                               request->screening_type(), request->capacity()));
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::GetAllocationPlan(grpc::ServerContext* context,
                                                      const v1::GetAllocationPlanRequest* request,
                                                      v1::AllocationPlan* response) {
  return gate_.Serve(context, *request, Method<v1::SchedulingService>("GetAllocationPlan"),
                     [&](CallGate::Call&) -> absl::Status {
                       FieldViolations bad;
                       if (request->programme_year() < 2024 || request->programme_year() > 2100)
                         bad.Add("programme_year", "must be 2024 to 2100");
                       if (!v1::AllocationTarget_IsValid(request->kind())) {
                         bad.Add("kind", "must be an AllocationTarget value");
                       }
                       RETURN_IF_ERROR(bad.ToStatus());
                       const auto kind = request->kind() == v1::ALLOCATION_TARGET_NIPT
                                             ? v1::ALLOCATION_TARGET_NIPT
                                             : v1::ALLOCATION_TARGET_PERSONS;
                       ASSIGN_OR_RETURN(std::optional<v1::AllocationPlan> plan,
                                        store_.LatestPlan(request->programme_year(), kind));
                       if (!plan) {
                         return absl::NotFoundError(absl::StrCat(
                             "no allocation of ", request->programme_year(), " has been applied"));
                       }
                       *response = *std::move(plan);
                       return absl::OkStatus();
                     });
}

grpc::Status SchedulingServiceImpl::AllocateTargets(grpc::ServerContext* context,
                                                    const v1::AllocateTargetsRequest* request,
                                                    v1::AllocationPlan* response) {
  return gate_.Serve(context, *request, Method<v1::SchedulingService>("AllocateTargets"),
                     [&](CallGate::Call& call) -> absl::Status {
                       ASSIGN_OR_RETURN(*response, Allocate(call.caller(), *request));
                       return absl::OkStatus();
                     });
}

absl::StatusOr<v1::AllocationPlan> SchedulingServiceImpl::Allocate(
    const Caller& caller, const v1::AllocateTargetsRequest& request) {
  FieldViolations bad;
  const ProgrammeRules* rules = programmes_.Find(request.programme_year());
  if (rules == nullptr) bad.Add("programme_year", "no programme is configured for that year");
  absl::CivilDay as_of = Today(clock_);
  if (!request.as_of_date().empty()) {
    auto day = ParseDate(request.as_of_date());
    if (!day) {
      bad.Add("as_of_date", "must be a real date, YYYY-MM-DD");
    } else {
      as_of = *day;
    }
  }
  if (rules != nullptr && as_of.year() != request.programme_year()) {
    bad.Add("as_of_date", "must be in the programme year");
  }
  if (!v1::AllocationTarget_IsValid(request.target())) {
    bad.Add("target", "must be an AllocationTarget value");
  }
  const bool nipt = request.target() == v1::ALLOCATION_TARGET_NIPT;
  if (!request.eligible_population().empty()) {
    if (nipt) bad.Add("eligible_population", "is for the persons target only");
    for (const auto& [code, people] : request.eligible_population()) {
      if (FindDistrict(code) == nullptr || people <= 0) {
        bad.Add(absl::StrCat("eligible_population[", code, "]"),
                "must be one of the 18 district codes with a positive population");
      }
    }
    if (request.eligible_population().size() != HarbinDistricts().size()) {
      bad.Add("eligible_population", "must give all 18 districts, or none");
    }
  }
  if (request.apply() && !IsValidRequestId(request.request_id())) {
    bad.Add("request_id", "is required to apply: 1 to 64 printable ASCII characters");
  } else if (!request.apply() && !request.request_id().empty()) {
    bad.Add("request_id", "goes with apply only (a dry run changes nothing)");
  }
  RETURN_IF_ERROR(bad.ToStatus());
  if (request.apply() && caller.role != Role::kAdmin && caller.role != Role::kDeveloper) {
    return WithReason(absl::PermissionDeniedError("only an admin may apply an allocation"),
                      "ROLE_NOT_ALLOWED");
  }

  AllocationInput input;
  input.year = request.programme_year();
  input.kind = nipt ? v1::ALLOCATION_TARGET_NIPT : v1::ALLOCATION_TARGET_PERSONS;
  input.target = nipt ? rules->nipt_target : rules->persons_target;
  input.as_of = as_of;
  if (!nipt) {
    for (const District& d : HarbinDistricts()) {
      auto it = request.eligible_population().find(std::string(d.code));
      input.district_population[std::string(d.code)] =
          it == request.eligible_population().end() ? d.population_2010 : it->second;
    }
  }
  ASSIGN_OR_RETURN(std::vector<HospitalLoad> loads,
                   store_.HospitalLoads(request.programme_year(), as_of, nipt));
  for (const HospitalLoad& load : loads) {
    input.hospitals.push_back({.code = load.hospital.code(),
                               .district_code = load.hospital.district_code(),
                               .screened = load.screened,
                               .places_by_month = load.places_by_month});
  }
  ASSIGN_OR_RETURN(input.previous, store_.LatestPlan(request.programme_year(), input.kind));
  v1::AllocationPlan plan = scheduling::Allocate(input);
  if (request.apply()) {
    plan.set_applied(true);
    return store_.SavePlan(plan, request);
  }
  return plan;
}

grpc::Status SchedulingServiceImpl::SearchSlots(grpc::ServerContext* context,
                                                const v1::SearchSlotsRequest* request,
                                                v1::SearchSlotsResponse* response) {
  return gate_.Serve(context, *request, Method<v1::SchedulingService>("SearchSlots"),
                     [&](CallGate::Call&) -> absl::Status {
                       ASSIGN_OR_RETURN(SlotQuery query, ValidateSearchSlots(*request));
                       ASSIGN_OR_RETURN(SlotPage page, store_.SearchSlots(query));
                       for (auto& slot : page.slots) *response->add_slots() = std::move(slot);
                       if (page.last) response->set_next_page_token(EncodePageToken(*page.last));
                       return absl::OkStatus();
                     });
}

v1::CheckEligibilityRequest EligibilityCheck(const std::string& resident, v1::ScreeningType type,
                                             const std::string& date,
                                             const std::string& pregnancy) {
  v1::CheckEligibilityRequest check;
  check.set_resident(resident);
  check.set_screening_type(type);
  check.set_date(date);
  if (type == v1::SCREENING_TYPE_NIPT) check.set_pregnancy(pregnancy);
  return check;
}

absl::StatusOr<SchedulingServiceImpl::Eligibility> SchedulingServiceImpl::CheckEligible(
    const grpc::ServerContext* parent, const std::string& resident,
    const std::vector<v1::ScreeningType>& types, const std::string& date,
    const std::string& pregnancy) {
  ASSIGN_OR_RETURN(auto registry, peers_.Stub<v1::RegistryService>("registry"));
  std::vector<absl::StatusOr<v1::CheckEligibilityResponse>> answers;
  for (v1::ScreeningType type : types) {
    v1::CheckEligibilityResponse answer;
    auto call = peers_.CallContext(parent, kRegistryTimeout);
    absl::Status asked =
        PeerOutcome(registry->CheckEligibility(
                        call.get(), EligibilityCheck(resident, type, date, pregnancy), &answer),
                    "registry");
    if (!asked.ok()) {
      answers.emplace_back(asked);
      break;  // the first failure is the answer
    }
    answers.emplace_back(std::move(answer));
  }
  return EligibilityFrom(resident, types, answers);
}

absl::StatusOr<SchedulingServiceImpl::Eligibility> SchedulingServiceImpl::EligibilityFrom(
    const std::string& resident, const std::vector<v1::ScreeningType>& types,
    const std::vector<absl::StatusOr<v1::CheckEligibilityResponse>>& answers) {
  Eligibility out;
  google::rpc::PreconditionFailure failure;
  std::string summary;
  for (size_t k = 0; k < answers.size(); ++k) {
    const absl::Status& asked = answers[k].status();
    if (asked.code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat(resident, " does not exist"));
    }
    if (asked.code() == absl::StatusCode::kInvalidArgument) {
      // Only the pregnancy can be wrong here: the rest was validated.
      return InvalidField("pregnancy", "is not a pregnancy of this resident");
    }
    RETURN_IF_ERROR(asked);
    const v1::CheckEligibilityResponse& answer = *answers[k];
    out.district_code = answer.district_code();
    if (!answer.pregnancy().empty()) {
      out.pregnancy_id = ParseNumericName("pregnancies", answer.pregnancy());
    }
    for (const auto& reason : answer.reasons()) {
      auto* v = failure.add_violations();
      v->set_type(reason.code());
      v->set_subject(absl::StrCat(resident, " ", v1::ScreeningType_Name(types[k])));
      v->set_description(reason.message());
      absl::StrAppend(&summary, summary.empty() ? "" : "; ", reason.message());
    }
  }
  if (failure.violations_size() > 0) {
    return WithPreconditionFailure(
        WithReason(absl::FailedPreconditionError(absl::StrCat("not eligible: ", summary)),
                   "NOT_ELIGIBLE", {{"resident", resident}}),
        failure);
  }
  return out;
}

// Decodes an earlier answer kept by the request log.
template <typename Message>
static std::optional<Message> Earlier(const std::optional<std::string>& bytes) {
  if (!bytes) return std::nullopt;
  Message m;
  m.ParseFromString(*bytes);
  return m;
}

static absl::Status SlotInFuture(const v1::Slot& slot, absl::CivilDay today) {
  if (*ParseDate(slot.date()) >= today) return absl::OkStatus();
  return WithReason(absl::FailedPreconditionError(
                        absl::StrCat(slot.name(), " is on ", slot.date(), ", which has passed")),
                    "SLOT_IN_PAST", {{"slot", slot.name()}});
}

static std::vector<int64_t> SlotIds(const google::protobuf::RepeatedPtrField<std::string>& names) {
  std::vector<int64_t> ids;
  for (const auto& name : names) ids.push_back(*ParseNumericName("slots", name));
  return ids;
}

grpc::ServerUnaryReactor* SchedulingServiceImpl::BookScreening(
    grpc::CallbackServerContext* context, const v1::BookScreeningRequest* request,
    v1::Booking* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  booking_workers_.Add({context, request, response, reactor});
  return reactor;
}

void SchedulingServiceImpl::ServeBookings(std::vector<QueuedBooking>& queued) {
  const size_t n = queued.size();
  std::vector<grpc::ServerContextBase*> contexts;
  for (const QueuedBooking& q : queued) contexts.push_back(q.context);
  // The gate for all: their tokens are verified in one read. BookingCall
  // points at the calls' callers, so `calls` does not change size after.
  std::vector<CallGate::Call> calls =
      gate_.BeginAll(contexts, Method<v1::SchedulingService>("BookScreening"));
  std::vector<absl::Status> outcomes(n);
  // Calls arriving together are checked with one call to the registry and
  // stored in one transaction, with the audit rows of those booked: one
  // commit for the bookings and their rows.
  std::vector<std::optional<AuditEntry>> audit(n);
  std::unique_ptr<bool[]> audited(new bool[n]());
  std::vector<BookingCall> to_book;
  std::vector<size_t> booking_of;  // the call of each entry of to_book
  for (size_t i = 0; i < n; ++i) {
    CallGate::Call& call = calls[i];
    call.set_request_id(queued[i].request->request_id());
    outcomes[i] = call.status();
    if (!outcomes[i].ok()) continue;
    outcomes[i] = CheckFieldLimits(*queued[i].request);  // before the name goes in the audit row
    if (!outcomes[i].ok()) continue;
    call.set_resource(queued[i].request->resident());
    outcomes[i] = ValidateBookScreening(*queued[i].request);
    if (!outcomes[i].ok()) continue;
    audit[i] = call.AuditRow(absl::OkStatus());
    to_book.push_back({&call.caller(), queued[i].request, audit[i] ? &*audit[i] : nullptr,
                       &audited[i], &call.trace().trace_id});
    booking_of.push_back(i);
  }
  std::vector<absl::StatusOr<v1::Booking>> booked;
  if (!to_book.empty()) booked = BookBatch(to_book);
  RetriesGetTheirEarlierAnswers(calls, queued, booking_of, booked);
  for (size_t k = 0; k < booking_of.size(); ++k) {
    const size_t i = booking_of[k];
    if (booked[k].ok() && audited[i]) calls[i].MarkAudited();
    outcomes[i] = booked[k].status();
    if (booked[k].ok()) *queued[i].response = *std::move(booked[k]);
  }
  std::vector<grpc::Status> answers = gate_.FinishAll(calls, outcomes);
  for (size_t i = 0; i < n; ++i) queued[i].reactor->Finish(std::move(answers[i]));
}

void SchedulingServiceImpl::RetriesGetTheirEarlierAnswers(
    const std::vector<CallGate::Call>& calls, const std::vector<QueuedBooking>& queued,
    const std::vector<size_t>& booking_of, std::vector<absl::StatusOr<v1::Booking>>& booked) {
  // A retry of a booking that was made returns it, whatever changed since
  // (an ineligible resident now, a slot in the past): the calls that failed
  // look up earlier answers to their request_ids, in one read. On success
  // the booking statement itself found the earlier answer.
  std::vector<size_t> failed;  // indexes into booked
  std::vector<db::RequestLog::Asked> asked;
  for (size_t k = 0; k < booked.size(); ++k) {
    if (booked[k].ok() || booked[k].status().code() == absl::StatusCode::kInvalidArgument) {
      continue;
    }
    failed.push_back(k);
    const v1::BookScreeningRequest* request = queued[booking_of[k]].request;
    asked.push_back({&request->request_id(), request});
  }
  if (failed.empty()) return;
  std::vector<absl::StatusOr<std::optional<std::string>>> answers =
      store_.FindAnswers("BookScreening", asked);
  for (size_t f = 0; f < failed.size(); ++f) {
    absl::StatusOr<v1::Booking>& outcome = booked[failed[f]];
    if (!answers[f].ok()) {
      outcome = answers[f].status();
    } else if (auto earlier = Earlier<v1::Booking>(*answers[f])) {
      const Caller& caller = calls[booking_of[failed[f]]].caller();
      absl::Status in_scope = RequireDistrict(caller, earlier->resident_district_code());
      outcome = in_scope.ok() ? absl::StatusOr<v1::Booking>(*std::move(earlier))
                              : absl::StatusOr<v1::Booking>(in_scope);
    }
  }
}

std::vector<absl::StatusOr<v1::Booking>> SchedulingServiceImpl::BookBatch(
    std::vector<BookingCall>& calls) {
  // The batch serves many calls: none of their deadlines cuts it short.
  ScopedCallDeadline no_deadline(absl::InfiniteFuture());
  const size_t n = calls.size();
  std::vector<std::string> traces;
  for (const BookingCall& call : calls) traces.push_back(*call.trace_id);
  BatchSpan span("bookings", traces);
  std::vector<std::optional<absl::Status>> refused(n);
  // The visit each call asks for: its slots, one visit, in the future.
  std::vector<std::vector<v1::Slot>> slots(n);
  std::vector<std::vector<v1::ScreeningType>> types(n);
  std::vector<std::vector<int64_t>> slot_ids(n);
  for (size_t i = 0; i < n; ++i) slot_ids[i] = SlotIds(calls[i].request->slots());
  std::vector<absl::StatusOr<std::vector<v1::Slot>>> all_facts = store_.GetSlotFacts(slot_ids);
  for (size_t i = 0; i < n; ++i) {
    absl::StatusOr<std::vector<v1::Slot>>& facts = all_facts[i];
    absl::Status fine = facts.status();
    if (fine.ok()) fine = CheckOneVisit(*facts, "slots");
    if (fine.ok()) fine = SlotInFuture((*facts)[0], Today(clock_));
    if (!fine.ok()) {
      refused[i] = fine;
      continue;
    }
    slots[i] = *std::move(facts);
    for (const auto& slot : slots[i]) types[i].push_back(slot.screening_type());
  }
  std::vector<std::optional<absl::StatusOr<Eligibility>>> eligibility(n);
  FetchEligibility(calls, slots, types, refused, eligibility);
  std::vector<NewVisit> visits(n);
  std::vector<SchedulingStore::VisitToBook> to_book;
  std::vector<size_t> booked_index;
  for (size_t i = 0; i < n; ++i) {
    if (refused[i]) continue;
    const v1::BookScreeningRequest& request = *calls[i].request;
    absl::Status fine = eligibility[i]->status();
    // A clinic books only for residents of its district.
    if (fine.ok()) fine = RequireDistrict(*calls[i].caller, (*eligibility[i])->district_code);
    if (!fine.ok()) {
      refused[i] = fine;
      continue;
    }
    const Eligibility& e = **eligibility[i];
    const bool nipt = std::count(types[i].begin(), types[i].end(), v1::SCREENING_TYPE_NIPT) > 0;
    NewVisit& visit = visits[i];
    visit = NewVisit{.resident_id = *ParseNumericName("residents", request.resident()),
                     .slot_ids = SlotIds(request.slots()),
                     .types = types[i],
                     .pregnancy_id = nipt ? e.pregnancy_id : std::nullopt,
                     .resident_district_code = e.district_code,
                     .verification_code = NewVerificationCode()};
    const int year = ParseDate(slots[i][0].date())->year();
    for (v1::ScreeningType type : types[i]) {
      visit.entitlements.push_back(Entitlement(type, year, visit.pregnancy_id));
    }
    to_book.push_back(
        {&request, &visit, &slots[i], calls[i].audit, calls[i].audited, *calls[i].trace_id});
    booked_index.push_back(i);
  }
  std::vector<absl::StatusOr<v1::Booking>> stored = store_.BookAll(to_book);
  std::vector<absl::StatusOr<v1::Booking>> outcomes;
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    if (refused[i]) {
      outcomes.emplace_back(*refused[i]);
    } else {
      outcomes.push_back(std::move(stored[k++]));
    }
  }
  return outcomes;
}

absl::Status SchedulingServiceImpl::AddResidentCards(const grpc::ServerContext* parent,
                                                     std::vector<v1::Booking*> bookings) {
  internal::v1::BatchGetResidentsRequest request;
  std::set<std::string> asked;
  for (const v1::Booking* booking : bookings) {
    if (asked.insert(booking->resident()).second) request.add_residents(booking->resident());
  }
  if (request.residents().empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto registry, peers_.Stub<internal::v1::RegistryInternalService>("registry"));
  internal::v1::BatchGetResidentsResponse answer;
  auto call = peers_.CallContext(parent, kRegistryTimeout);
  RETURN_IF_ERROR(
      PeerOutcome(registry->BatchGetResidents(call.get(), request, &answer), "registry"));
  absl::flat_hash_map<std::string, const v1::Resident*> by_name;
  for (const v1::Resident& resident : answer.residents()) by_name[resident.name()] = &resident;
  for (v1::Booking* booking : bookings) {
    auto found = by_name.find(booking->resident());
    if (found == by_name.end()) continue;
    v1::ResidentCard* card = booking->mutable_resident_card();
    card->set_full_name(found->second->full_name());
    card->set_masked_id_number(found->second->id_number());  // masked for a service
    card->set_sex(found->second->sex());
    card->set_birth_date(found->second->birth_date());
  }
  return absl::OkStatus();
}

void SchedulingServiceImpl::FetchEligibility(
    const std::vector<BookingCall>& calls, const std::vector<std::vector<v1::Slot>>& slots,
    const std::vector<std::vector<v1::ScreeningType>>& types,
    const std::vector<std::optional<absl::Status>>& refused,
    std::vector<std::optional<absl::StatusOr<Eligibility>>>& eligibility) {
  const size_t n = calls.size();
  size_t asking = 0;
  for (size_t i = 0; i < n; ++i) asking += !refused[i];
  if (asking > 1) {
    // One registry call for every screening of every visit.
    internal::v1::BatchCheckEligibilityRequest batch;
    for (size_t i = 0; i < n; ++i) {
      if (refused[i]) continue;
      for (v1::ScreeningType type : types[i]) {
        *batch.add_requests() = EligibilityCheck(calls[i].request->resident(), type,
                                                 slots[i][0].date(), calls[i].request->pregnancy());
      }
    }
    internal::v1::BatchCheckEligibilityResponse answers;
    absl::StatusOr<std::unique_ptr<internal::v1::RegistryInternalService::Stub>> registry =
        peers_.Stub<internal::v1::RegistryInternalService>("registry");
    auto call = peers_.CallContext(nullptr, kRegistryTimeout);
    const absl::Status asked =
        !registry.ok()
            ? registry.status()
            : PeerOutcome((*registry)->BatchCheckEligibility(call.get(), batch, &answers),
                          "registry");
    if (asked.ok() && answers.responses_size() == batch.requests_size()) {
      int next = 0;
      for (size_t i = 0; i < n; ++i) {
        if (refused[i]) continue;
        std::vector<absl::StatusOr<v1::CheckEligibilityResponse>> mine;
        for (size_t t = 0; t < types[i].size(); ++t) mine.emplace_back(answers.responses(next++));
        eligibility[i] = EligibilityFrom(calls[i].request->resident(), types[i], mine);
      }
      return;
    }
    // A missing resident or a wrong pregnancy fails the whole call: each
    // visit then asks on its own, for its own answer. An outage (the registry
    // down or not answering in time) is every visit's answer: asking again
    // one by one would only make each caller wait longer for the same.
    const absl::StatusCode code = asked.code();
    if (!asked.ok() && code != absl::StatusCode::kNotFound &&
        code != absl::StatusCode::kInvalidArgument &&
        code != absl::StatusCode::kFailedPrecondition) {
      for (size_t i = 0; i < n; ++i) {
        if (!refused[i]) eligibility[i] = asked;
      }
      return;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (refused[i]) continue;
    eligibility[i] = CheckEligible(nullptr, calls[i].request->resident(), types[i],
                                   slots[i][0].date(), calls[i].request->pregnancy());
  }
}

absl::StatusOr<v1::Booking> SchedulingServiceImpl::BookingInScope(const Caller& caller,
                                                                  const std::string& name,
                                                                  CallGate::Call& call) {
  auto id = ParseNumericName("bookings", name);
  if (!id) return InvalidField("name", "must be bookings/{id}");
  call.set_resource(name);
  ASSIGN_OR_RETURN(v1::Booking booking, store_.GetBooking(*id));
  // Another hospital's or district's booking: refused without a word about it.
  RETURN_IF_ERROR(RequireHospital(caller, *ParseStringName("hospitals", booking.hospital())));
  RETURN_IF_ERROR(RequireDistrict(caller, booking.resident_district_code()));
  return booking;
}

grpc::Status SchedulingServiceImpl::GetBooking(grpc::ServerContext* context,
                                               const v1::GetBookingRequest* request,
                                               v1::Booking* response) {
  return gate_.Serve(context, *request, Method<v1::SchedulingService>("GetBooking"),
                     [&](CallGate::Call& call) -> absl::Status {
                       ASSIGN_OR_RETURN(*response,
                                        BookingInScope(call.caller(), request->name(), call));
                       HideVerificationCode(call.caller(), *response);
                       // The desk's view: who is coming (other callers have
                       // the registry, or do not need a name).
                       if (call.caller().role == Role::kHospital) {
                         RETURN_IF_ERROR(AddResidentCards(context, {response}));
                       }
                       return absl::OkStatus();
                     });
}

grpc::Status SchedulingServiceImpl::CancelBooking(grpc::ServerContext* context,
                                                  const v1::CancelBookingRequest* request,
                                                  v1::Booking* response) {
  return gate_.Serve(
      context, *request, Method<v1::SchedulingService>("CancelBooking"),
      [&](CallGate::Call& call) -> absl::Status {
        RETURN_IF_ERROR(ValidateCancelBooking(*request));
        ASSIGN_OR_RETURN(v1::Booking booking, BookingInScope(call.caller(), request->name(), call));
        ASSIGN_OR_RETURN(*response,
                         store_.Cancel(*request, *ParseNumericName("bookings", request->name())));
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::RescheduleBooking(grpc::ServerContext* context,
                                                      const v1::RescheduleBookingRequest* request,
                                                      v1::Booking* response) {
  return gate_.Serve(context, *request, Method<v1::SchedulingService>("RescheduleBooking"),
                     [&](CallGate::Call& call) -> absl::Status {
                       ASSIGN_OR_RETURN(*response, Reschedule(*context, call.caller(), *request));
                       return absl::OkStatus();
                     });
}

absl::StatusOr<v1::Booking> SchedulingServiceImpl::Reschedule(
    const grpc::ServerContext& context, const Caller& caller,
    const v1::RescheduleBookingRequest& request) {
  RETURN_IF_ERROR(ValidateRescheduleBooking(request));
  ASSIGN_OR_RETURN(std::optional<std::string> answer,
                   store_.FindAnswer(request.request_id(), "RescheduleBooking", request));
  if (auto earlier = Earlier<v1::Booking>(answer)) {
    RETURN_IF_ERROR(RequireDistrict(caller, earlier->resident_district_code()));
    return *earlier;
  }
  const int64_t id = *ParseNumericName("bookings", request.name());
  ASSIGN_OR_RETURN(v1::Booking booking, store_.GetBooking(id));
  RETURN_IF_ERROR(RequireDistrict(caller, booking.resident_district_code()));
  ASSIGN_OR_RETURN(std::vector<v1::Slot> slots, store_.GetSlots(SlotIds(request.slots())));
  RETURN_IF_ERROR(CheckOneVisit(slots, "slots"));
  std::set<v1::ScreeningType> booked_types, new_types;
  for (const auto& item : booking.screenings()) booked_types.insert(item.screening_type());
  std::vector<v1::ScreeningType> types;
  for (const auto& slot : slots) {
    new_types.insert(slot.screening_type());
    types.push_back(slot.screening_type());
  }
  if (booked_types != new_types) {
    return InvalidField("slots", "must be one slot for each screening of the booking");
  }
  if (ParseDate(slots[0].date())->year() != booking.programme_year()) {
    return InvalidField("slots", "must be in the booking's programme year");
  }
  RETURN_IF_ERROR(SlotInFuture(slots[0], Today(clock_)));
  RETURN_IF_ERROR(
      CheckEligible(&context, booking.resident(), types, slots[0].date(), booking.pregnancy())
          .status());
  return store_.Reschedule(request, id, SlotIds(request.slots()));
}

grpc::Status SchedulingServiceImpl::JoinWaitlist(grpc::ServerContext* context,
                                                 const v1::JoinWaitlistRequest* request,
                                                 v1::WaitlistEntry* response) {
  return gate_.Serve(context, *request, Method<v1::SchedulingService>("JoinWaitlist"),
                     [&](CallGate::Call& call) -> absl::Status {
                       call.set_resource(request->entry().resident());
                       ASSIGN_OR_RETURN(*response, Join(*context, call.caller(), *request));
                       return absl::OkStatus();
                     });
}

absl::StatusOr<v1::WaitlistEntry> SchedulingServiceImpl::Join(
    const grpc::ServerContext& context, const Caller& caller,
    const v1::JoinWaitlistRequest& request) {
  RETURN_IF_ERROR(ValidateJoinWaitlist(request, Today(clock_)));
  ASSIGN_OR_RETURN(std::optional<std::string> answer,
                   store_.FindAnswer(request.request_id(), "JoinWaitlist", request));
  if (auto earlier = Earlier<v1::WaitlistEntry>(answer)) {
    RETURN_IF_ERROR(RequireDistrict(caller, earlier->resident_district_code()));
    return *earlier;
  }
  const v1::WaitlistEntry& e = request.entry();
  const std::string code = *ParseStringName("hospitals", e.hospital());
  ASSIGN_OR_RETURN(v1::Hospital hospital, store_.GetHospital(code));
  if (!Offers(hospital, e.screening_type())) {
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(e.hospital(), " does not offer ",
                                                   v1::ScreeningType_Name(e.screening_type()))),
        "NOT_OFFERED");
  }
  // Ages and pregnancy windows are intervals: eligible on both ends is
  // eligible on every day between.
  ASSIGN_OR_RETURN(Eligibility first, CheckEligible(&context, e.resident(), {e.screening_type()},
                                                    e.start_date(), request.pregnancy()));
  const std::string pregnancy =
      first.pregnancy_id ? MakeName("pregnancies", *first.pregnancy_id) : request.pregnancy();
  ASSIGN_OR_RETURN(Eligibility last, CheckEligible(&context, e.resident(), {e.screening_type()},
                                                   e.end_date(), pregnancy));
  RETURN_IF_ERROR(RequireDistrict(caller, first.district_code));
  const bool nipt = e.screening_type() == v1::SCREENING_TYPE_NIPT;
  return store_.JoinWaitlist(
      request, NewWaitlistEntry{.resident_id = *ParseNumericName("residents", e.resident()),
                                .hospital_code = code,
                                .screening_type = e.screening_type(),
                                .start = *ParseDate(e.start_date()),
                                .end = *ParseDate(e.end_date()),
                                .pregnancy_id = nipt ? last.pregnancy_id : std::nullopt,
                                .resident_district_code = first.district_code});
}

grpc::Status SchedulingServiceImpl::LeaveWaitlist(grpc::ServerContext* context,
                                                  const v1::LeaveWaitlistRequest* request,
                                                  v1::WaitlistEntry* response) {
  return gate_.Serve(
      context, *request, Method<v1::SchedulingService>("LeaveWaitlist"),
      [&](CallGate::Call& call) -> absl::Status {
        auto id = ParseNumericName("waitlist", request->name());
        if (!id) return InvalidField("name", "must be waitlist/{id}");
        call.set_resource(request->name());
        ASSIGN_OR_RETURN(v1::WaitlistEntry entry, store_.GetWaitlistEntry(*id));
        RETURN_IF_ERROR(RequireDistrict(call.caller(), entry.resident_district_code()));
        ASSIGN_OR_RETURN(*response, store_.LeaveWaitlist(*id));
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::GetWaitlistEntry(grpc::ServerContext* context,
                                                     const v1::GetWaitlistEntryRequest* request,
                                                     v1::WaitlistEntry* response) {
  return gate_.Serve(
      context, *request, Method<v1::SchedulingService>("GetWaitlistEntry"),
      [&](CallGate::Call& call) -> absl::Status {
        auto id = ParseNumericName("waitlist", request->name());
        if (!id) return InvalidField("name", "must be waitlist/{id}");
        call.set_resource(request->name());
        ASSIGN_OR_RETURN(v1::WaitlistEntry entry, store_.GetWaitlistEntry(*id));
        RETURN_IF_ERROR(RequireDistrict(call.caller(), entry.resident_district_code()));
        *response = std::move(entry);
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::ListBookings(grpc::ServerContext* context,
                                                 const v1::ListBookingsRequest* request,
                                                 v1::ListBookingsResponse* response) {
  return gate_.Serve(
      context, *request, Method<v1::SchedulingService>("ListBookings"),
      [&](CallGate::Call& call) -> absl::Status {
        ASSIGN_OR_RETURN(RosterQuery query, ValidateListBookings(*request));
        call.set_resource(request->hospital());
        RETURN_IF_ERROR(RequireHospital(call.caller(), query.hospital_code));
        ASSIGN_OR_RETURN(RosterPage page, store_.ListBookings(query));
        std::vector<v1::Booking*> roster;
        for (auto& booking : page.bookings) {
          booking.clear_verification_code();
          roster.push_back(&booking);
        }
        RETURN_IF_ERROR(AddResidentCards(context, roster));
        for (auto& booking : page.bookings) *response->add_bookings() = std::move(booking);
        if (page.last) {
          response->set_next_page_token(absl::StrCat(page.last->first, ".", page.last->second));
        }
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::ListResidentBookings(
    grpc::ServerContext* context, const v1::ListResidentBookingsRequest* request,
    v1::ListResidentBookingsResponse* response) {
  return gate_.Serve(
      context, *request, Method<v1::SchedulingService>("ListResidentBookings"),
      [&](CallGate::Call& call) -> absl::Status {
        ASSIGN_OR_RETURN(NewestFirstQuery query, ValidateListResidentBookings(*request));
        call.set_resource(request->resident());
        ASSIGN_OR_RETURN(std::vector<v1::Booking> bookings, store_.ListResidentBookings(query));
        // A resident's bookings all carry her district: one of another
        // district's is refused as GetBooking refuses it.
        for (const v1::Booking& booking : bookings) {
          RETURN_IF_ERROR(RequireDistrict(call.caller(), booking.resident_district_code()));
        }
        response->set_next_page_token(KeepPage(bookings, query.page_size, "bookings"));
        for (v1::Booking& booking : bookings) {
          HideVerificationCode(call.caller(), booking);
          *response->add_bookings() = std::move(booking);
        }
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::ListWaitlistEntries(
    grpc::ServerContext* context, const v1::ListWaitlistEntriesRequest* request,
    v1::ListWaitlistEntriesResponse* response) {
  return gate_.Serve(
      context, *request, Method<v1::SchedulingService>("ListWaitlistEntries"),
      [&](CallGate::Call& call) -> absl::Status {
        ASSIGN_OR_RETURN(NewestFirstQuery query, ValidateListWaitlistEntries(*request));
        call.set_resource(request->resident().empty() ? request->district_code()
                                                      : request->resident());
        RETURN_IF_ERROR(RequireDistrict(call.caller(), query.district_code));
        ASSIGN_OR_RETURN(std::vector<v1::WaitlistEntry> entries, store_.ListWaitlistEntries(query));
        response->set_next_page_token(KeepPage(entries, query.page_size, "waitlist"));
        for (v1::WaitlistEntry& entry : entries) *response->add_entries() = std::move(entry);
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::CheckIn(grpc::ServerContext* context,
                                            const v1::CheckInRequest* request,
                                            v1::Booking* response) {
  return gate_.Serve(
      context, *request, Method<v1::SchedulingService>("CheckIn"),
      [&](CallGate::Call& call) -> absl::Status {
        RETURN_IF_ERROR(ValidateCheckIn(*request));
        ASSIGN_OR_RETURN(v1::Booking booking, BookingInScope(call.caller(), request->name(), call));
        ASSIGN_OR_RETURN(CheckInOutcome outcome,
                         store_.CheckIn(*ParseNumericName("bookings", request->name()),
                                        request->verification_code(), Today(clock_)));
        if (outcome.wrong_code) {
          return WithReason(
              absl::FailedPreconditionError(absl::StrCat("the verification code is wrong; ",
                                                         outcome.attempts_left, " attempts left")),
              "WRONG_CODE", {{"attempts_left", absl::StrCat(outcome.attempts_left)}});
        }
        *response = std::move(outcome.booking);
        response->clear_verification_code();
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::MarkNoShow(grpc::ServerContext* context,
                                               const v1::MarkNoShowRequest* request,
                                               v1::Booking* response) {
  return gate_.Serve(
      context, *request, Method<v1::SchedulingService>("MarkNoShow"),
      [&](CallGate::Call& call) -> absl::Status {
        ASSIGN_OR_RETURN(v1::Booking booking, BookingInScope(call.caller(), request->name(), call));
        ASSIGN_OR_RETURN(
            *response,
            store_.MarkNoShow(*ParseNumericName("bookings", request->name()), Today(clock_)));
        response->clear_verification_code();
        return absl::OkStatus();
      });
}

}  // namespace screening::scheduling
