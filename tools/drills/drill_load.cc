#include "tools/drills/drill_load.h"

#include <algorithm>
#include <random>

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/clock.h"
#include "common/dates.h"
#include "services/registry/id_number.h"

namespace screening::drill {

absl::Duration Ledger::LongestPauseAfter(absl::Time from) {
  std::lock_guard<std::mutex> lock(mu);
  std::vector<absl::Time> times;
  for (absl::Time t : acknowledged) {
    if (t > from) times.push_back(t);
  }
  std::sort(times.begin(), times.end());
  absl::Duration longest = absl::ZeroDuration();
  absl::Time previous = from;
  for (absl::Time t : times) {
    longest = std::max(longest, t - previous);
    previous = t;
  }
  return times.empty() ? absl::InfiniteDuration() : longest;
}

bool Ledger::AcknowledgedAfter(absl::Time time) {
  std::lock_guard<std::mutex> lock(mu);
  return !acknowledged.empty() &&
         *std::max_element(acknowledged.begin(), acknowledged.end()) > time;
}

DrillLoad::DrillLoad(std::shared_ptr<grpc::Channel> channel, Options options)
    : channel_(std::move(channel)), options_(std::move(options)) {
  std::random_device device;
  sequence_base_ = std::uniform_int_distribution<int>(0, 998)(device);
}

DrillLoad::~DrillLoad() { Stop(); }

namespace {

constexpr char kDistrict[] = "230103";  // 南岗区

bool Retryable(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

absl::Status FromGrpc(const grpc::Status& status, const char* what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

}  // namespace

template <typename Call>
grpc::Status DrillLoad::UntilAnswered(const char* method, Call call) {
  const absl::Time give_up = absl::Now() + options_.give_up_after;
  for (;;) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.call_deadline));
    grpc::Status status = call(context);
    if (!Retryable(status)) {
      if (!status.ok()) {
        std::lock_guard<std::mutex> lock(ledger_.mu);
        ++ledger_.refused[absl::StrCat(method, " code ", static_cast<int>(status.error_code()))];
      }
      return status;
    }
    {
      std::lock_guard<std::mutex> lock(ledger_.mu);
      ++ledger_.retried;
    }
    if (absl::Now() > give_up) {
      std::lock_guard<std::mutex> lock(ledger_.mu);
      ++ledger_.given_up;
      return status;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
}

void DrillLoad::Acknowledged() {
  std::lock_guard<std::mutex> lock(ledger_.mu);
  ledger_.acknowledged.push_back(absl::Now());
}

absl::Status DrillLoad::SetUp() {
  auto scheduling = v1::SchedulingService::NewStub(channel_);
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), HarbinTimeZone());
  for (const auto& [suffix, places] : {std::pair<const char*, int>{"S", options_.small_places},
                                       std::pair<const char*, int>{"B", 10000}}) {
    v1::UpsertHospitalRequest upsert;
    v1::Hospital* h = upsert.mutable_hospital();
    h->set_code(absl::StrCat(options_.prefix, "-", suffix));
    h->set_display_name(absl::StrCat("演练医院 ", options_.prefix, "-", suffix));
    h->set_district_code(kDistrict);
    h->add_screenings(v1::SCREENING_TYPE_FOUR_HIGHS);
    for (int d = 1; d <= 7; ++d) h->add_working_days(d);
    v1::Hospital hospital;
    absl::Status upserted =
        FromGrpc(UntilAnswered("UpsertHospital",
                               [&](grpc::ClientContext& context) {
                                 return scheduling->UpsertHospital(&context, upsert, &hospital);
                               }),
                 "UpsertHospital");
    if (!upserted.ok()) return upserted;
    v1::SetCapacityRequest capacity;
    capacity.set_hospital(hospital.name());
    capacity.set_date(FormatDate(today));
    capacity.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
    capacity.set_capacity(places);
    v1::Slot slot;
    absl::Status set =
        FromGrpc(UntilAnswered("SetCapacity",
                               [&](grpc::ClientContext& context) {
                                 return scheduling->SetCapacity(&context, capacity, &slot);
                               }),
                 "SetCapacity");
    if (!set.ok()) return set;
    (suffix[0] == 'S' ? small_slot_ : big_slot_) = slot.name();
  }
  return absl::OkStatus();
}

void DrillLoad::Start() {
  for (int c = 0; c < options_.clients; ++c) clients_.emplace_back([this, c] { RunClient(c); });
}

void DrillLoad::Stop() {
  stop_ = true;
  for (auto& t : clients_) t.join();
  clients_.clear();
}

void DrillLoad::RunClient(int client) {
  (void)client;
  auto registry = v1::RegistryService::NewStub(channel_);
  auto scheduling = v1::SchedulingService::NewStub(channel_);
  auto results = v1::ResultsService::NewStub(channel_);
  while (!stop_) Visit(next_++, *registry, *scheduling, *results);
}

void DrillLoad::Visit(int n, v1::RegistryService::Stub& registry,
                      v1::SchedulingService::Stub& scheduling, v1::ResultsService::Stub& results) {
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), HarbinTimeZone());
  // Aged 46 to 59: a birth day per visit, and a sequence drawn per drill, so
  // that drills on one database register different residents.
  constexpr int kBirthDays = 4700;
  const absl::CivilDay birth = absl::CivilDay(today.year() - 59, 1, 1) + n % kBirthDays;
  const int sequence = 1 + (sequence_base_ + n / kBirthDays) % 999;
  const std::string first17 = absl::StrFormat("%s%04d%02d%02d%03d", kDistrict, birth.year(),
                                              birth.month(), birth.day(), sequence);
  v1::RegisterResidentRequest r;
  r.mutable_resident()->set_id_number(first17 + registry::IdCheckCharacter(first17));
  r.mutable_resident()->set_full_name(absl::StrCat("演练", n));
  r.mutable_resident()->set_district_code(kDistrict);
  r.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
  v1::Resident resident;
  grpc::Status status = UntilAnswered("RegisterResident", [&](grpc::ClientContext& context) {
    return registry.RegisterResident(&context, r, &resident);
  });
  if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
    // An earlier try was stored though its answer was lost.
    v1::LookupResidentRequest lookup;
    lookup.set_id_number(r.resident().id_number());
    status = UntilAnswered("LookupResident", [&](grpc::ClientContext& context) {
      return registry.LookupResident(&context, lookup, &resident);
    });
  }
  if (!status.ok()) return;
  Acknowledged();

  v1::BookScreeningRequest b;
  b.set_resident(resident.name());
  b.add_slots(n % 3 == 0 ? small_slot_ : big_slot_);
  b.set_request_id(absl::StrCat("drill-", options_.prefix, "-book-", n));
  v1::Booking booking;
  status = UntilAnswered("BookScreening", [&](grpc::ClientContext& context) {
    return scheduling.BookScreening(&context, b, &booking);
  });
  if (!status.ok()) return;
  {
    std::lock_guard<std::mutex> lock(ledger_.mu);
    ledger_.bookings.emplace_back(booking.name(), b.slots(0));
    ledger_.acknowledged.push_back(absl::Now());
  }

  v1::CheckInRequest ci;
  ci.set_name(booking.name());
  ci.set_verification_code(booking.verification_code());
  v1::Booking checked;
  status = UntilAnswered("CheckIn", [&](grpc::ClientContext& context) {
    return scheduling.CheckIn(&context, ci, &checked);
  });
  if (!status.ok()) return;
  Acknowledged();

  v1::RecordResultRequest rr;
  rr.set_hospital(booking.hospital());
  rr.set_booking(booking.name());
  rr.set_request_id(absl::StrCat("drill-", options_.prefix, "-result-", n));
  auto* m = rr.mutable_four_highs();
  m->set_systolic_mmhg(112 + n % 60);
  m->set_diastolic_mmhg(72 + n % 25);
  m->set_fasting_glucose_mmol_l(5.0);
  m->set_total_cholesterol_mmol_l(4.6);
  m->set_ldl_cholesterol_mmol_l(2.6);
  m->set_hdl_cholesterol_mmol_l(1.3);
  m->set_triglycerides_mmol_l(1.4);
  m->set_uric_acid_umol_l(280 + n % 150);
  v1::Result result;
  status = UntilAnswered("RecordResult", [&](grpc::ClientContext& context) {
    return results.RecordResult(&context, rr, &result);
  });
  if (!status.ok()) return;
  std::lock_guard<std::mutex> lock(ledger_.mu);
  ledger_.results.push_back(result.name());
  ledger_.acknowledged.push_back(absl::Now());
}

}  // namespace screening::drill
