// screening-demo-data: weeks of plausible programme data for a demo, so that
// the commission's dashboard is worth looking at. It runs screeningd in this
// process on the database, with its clock set to each past working day in
// turn, and goes through the public API as clinics and hospitals do:
// hospitals in every district, capacity, residents registered, booked,
// checked in and their four-highs results recorded (some screen-positive),
// and the year's targets allocated over the districts.
//
//   screening-demo-data --database_url=... [--days=28] [--per_day=120]
// Keys from SCREENING_DATA_KEYS and SCREENING_LOOKUP_KEY, as screeningd.
// Does nothing when the year already has that many results.
#include <grpcpp/create_channel.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/clock.h"
#include "common/dates.h"
#include "common/districts.h"
#include "common/help_flags.h"
#include "screening/v1/progress.grpc.pb.h"
#include "screening/v1/registry.grpc.pb.h"
#include "screening/v1/results.grpc.pb.h"
#include "screening/v1/scheduling.grpc.pb.h"
#include "services/registry/id_number.h"
#include "services/screeningd/app.h"

ABSL_FLAG(std::string, database_url, "",
          "PostgreSQL as its owner; defaults to SCREENING_DATABASE_URL.");
ABSL_FLAG(int, days, 28, "Past days to fill (working days only), ending yesterday.");
ABSL_FLAG(int, per_day, 120, "Residents screened on a working day, over all districts.");
ABSL_FLAG(int, threads, 4, "Clients working at once.");

namespace screening {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

struct Api {
  std::unique_ptr<v1::RegistryService::Stub> registry;
  std::unique_ptr<v1::SchedulingService::Stub> scheduling;
  std::unique_ptr<v1::ResultsService::Stub> results;
  std::unique_ptr<v1::ProgressService::Stub> progress;
};

// A resident of `district` screened on `day`: registered, booked into
// `slot`, checked in, and the four highs recorded (every fifth or so
// screen-positive). False if a step failed.
bool ScreenOne(Api& api, const std::string& district, const std::string& slot, int sequence,
               std::mt19937& random) {
  std::uniform_int_distribution<int> days(0, 15 * 365);
  const absl::CivilDay birth = absl::CivilDay(1966, 1, 1) + days(random);
  const std::string first17 = absl::StrCat(
      district, absl::StrFormat("%04d%02d%02d", birth.year(), birth.month(), birth.day()),
      absl::StrFormat("%03d", sequence % 1000));
  v1::RegisterResidentRequest register_request;
  v1::Resident* r = register_request.mutable_resident();
  r->set_id_number(first17 + registry::IdCheckCharacter(first17));
  static const char* kNames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"};
  static const char* kGiven[] = {"建国", "秀英", "桂兰", "志强", "丽华", "海燕", "国庆", "玉梅"};
  r->set_full_name(absl::StrCat(kNames[sequence % 10], kGiven[(sequence / 10) % 8]));
  r->set_phone(absl::StrFormat("139%08d", sequence % 100000000));
  r->set_district_code(district);
  r->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
  v1::Resident resident;
  {
    grpc::ClientContext context;
    if (!api.registry->RegisterResident(&context, register_request, &resident).ok()) return false;
  }
  v1::BookScreeningRequest book;
  book.set_resident(resident.name());
  book.add_slots(slot);
  book.set_request_id(absl::StrCat("demo-book-", resident.name()));
  v1::Booking booking;
  {
    grpc::ClientContext context;
    if (!api.scheduling->BookScreening(&context, book, &booking).ok()) return false;
  }
  v1::CheckInRequest check_in;
  check_in.set_name(booking.name());
  check_in.set_verification_code(booking.verification_code());
  {
    grpc::ClientContext context;
    if (!api.scheduling->CheckIn(&context, check_in, &booking).ok()) return false;
  }
  std::uniform_int_distribution<int> percent(0, 99);
  const bool high = percent(random) < 18;
  v1::RecordResultRequest record;
  record.set_hospital(booking.hospital());
  record.set_booking(booking.name());
  record.set_request_id(absl::StrCat("demo-result-", booking.name()));
  v1::FourHighsMeasurement& m = *record.mutable_four_highs();
  m.set_systolic_mmhg(high ? 150 + percent(random) % 25 : 110 + percent(random) % 25);
  m.set_diastolic_mmhg(high ? 92 : 72 + percent(random) % 12);
  m.set_fasting_glucose_mmol_l(percent(random) < 8 ? 7.6 : 5.1);
  m.set_total_cholesterol_mmol_l(4.6);
  m.set_ldl_cholesterol_mmol_l(2.6);
  m.set_hdl_cholesterol_mmol_l(1.3);
  m.set_triglycerides_mmol_l(1.4);
  m.set_uric_acid_umol_l(percent(random) < 10 ? 460 : 320);
  v1::Result result;
  grpc::ClientContext context;
  return api.results->RecordResult(&context, record, &result).ok();
}

int Run() {
  std::string database_url = absl::GetFlag(FLAGS_database_url);
  if (database_url.empty()) database_url = Env("SCREENING_DATABASE_URL");
  if (database_url.empty()) {
    std::fprintf(stderr, "screening-demo-data: --database_url (or SCREENING_DATABASE_URL)\n");
    return 2;
  }
  const absl::TimeZone harbin = HarbinTimeZone();
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), harbin);
  // The days to fill: working days before today, in this year.
  std::vector<absl::CivilDay> days;
  for (absl::CivilDay d = today - 1;
       static_cast<int>(days.size()) < absl::GetFlag(FLAGS_days) && d.year() == today.year(); --d) {
    if (absl::GetWeekday(d) != absl::Weekday::saturday &&
        absl::GetWeekday(d) != absl::Weekday::sunday) {
      days.insert(days.begin(), d);
    }
  }
  if (days.empty()) {
    std::printf("screening-demo-data: no past working day this year yet; nothing to do\n");
    return 0;
  }
  FakeClock clock(absl::FromCivil(
      absl::CivilSecond(days.front().year(), days.front().month(), days.front().day(), 8, 0, 0),
      harbin));
  AppConfig config;
  config.listen = "127.0.0.1:0";
  config.database_url = database_url;
  config.insecure = true;  // in process, on loopback, for the demo only
  config.data_keys = Env("SCREENING_DATA_KEYS");
  config.lookup_key_hex = Env("SCREENING_LOOKUP_KEY");
  config.programme_year = static_cast<int>(today.year());
  config.programmes = Programmes::Single({.year = config.programme_year});
  config.clock = &clock;
  config.rate_limit_per_second = 1e6;
  config.rate_limit_burst = 1e6;
  auto app = App::Start(config);
  if (!app.ok()) {
    std::fprintf(stderr, "screening-demo-data: %s\n", app.status().ToString().c_str());
    return 1;
  }
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*app)->port()),
                                     grpc::InsecureChannelCredentials());
  Api api{v1::RegistryService::NewStub(channel), v1::SchedulingService::NewStub(channel),
          v1::ResultsService::NewStub(channel), v1::ProgressService::NewStub(channel)};
  {
    grpc::ClientContext context;
    v1::GetProgressRequest request;
    v1::Progress progress;
    if (api.progress->GetProgress(&context, request, &progress).ok() &&
        progress.persons_screened() >= absl::GetFlag(FLAGS_per_day)) {
      std::printf("screening-demo-data: %lld screened already; nothing to do\n",
                  static_cast<long long>(progress.persons_screened()));
      return 0;
    }
  }
  // A hospital in every district, offering the three adult screenings.
  const auto districts = HarbinDistricts();
  int64_t population = 0;
  for (const auto& d : districts) population += d.population_2010;
  for (size_t i = 0; i < districts.size(); ++i) {
    v1::UpsertHospitalRequest request;
    v1::Hospital& h = *request.mutable_hospital();
    h.set_code(absl::StrFormat("HRB-DEMO-%02d", i + 1));
    h.set_display_name(absl::StrCat(districts[i].name, "中心医院"));
    h.set_district_code(std::string(districts[i].code));
    h.set_address(
        absl::StrCat("哈尔滨市", districts[i].name, "健康路", i + 1, "号 门诊楼二层体检中心"));
    for (auto type : {v1::SCREENING_TYPE_COLORECTAL, v1::SCREENING_TYPE_GASTRIC,
                      v1::SCREENING_TYPE_FOUR_HIGHS}) {
      h.add_screenings(type);
    }
    v1::Hospital hospital;
    grpc::ClientContext context;
    if (grpc::Status s = api.scheduling->UpsertHospital(&context, request, &hospital); !s.ok()) {
      std::fprintf(stderr, "screening-demo-data: hospital: %s\n", s.error_message().c_str());
      return 1;
    }
  }
  std::atomic<int> screened = 0, failed = 0;
  std::mt19937 seeds(20251201);
  int sequence = 0;
  for (size_t day_index = 0; day_index < days.size(); ++day_index) {
    const absl::CivilDay day = days[day_index];
    clock.Set(
        absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), 9, 0, 0), harbin));
    // The day's residents over the districts by population, growing over the weeks.
    const int today_total =
        absl::GetFlag(FLAGS_per_day) * (70 + 60 * day_index / days.size()) / 100;
    struct Work {
      std::string district, slot;
      int sequence;
    };
    std::vector<Work> work;
    for (size_t i = 0; i < districts.size(); ++i) {
      const int count =
          static_cast<int>(today_total * districts[i].population_2010 / population) + 1;
      v1::SetCapacityRequest capacity;
      capacity.set_hospital(absl::StrFormat("hospitals/HRB-DEMO-%02d", i + 1));
      capacity.set_date(FormatDate(day));
      capacity.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
      capacity.set_capacity(count);  // full: no past place is left to find
      capacity.set_session(v1::SESSION_MORNING);
      v1::Slot slot;
      grpc::ClientContext context;
      if (!api.scheduling->SetCapacity(&context, capacity, &slot).ok()) {
        ++failed;
        continue;
      }
      for (int k = 0; k < count; ++k) {
        work.push_back({std::string(districts[i].code), slot.name(), ++sequence});
      }
    }
    std::atomic<size_t> next = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < absl::GetFlag(FLAGS_threads); ++t) {
      threads.emplace_back([&, seed = seeds()] {
        std::mt19937 random(seed);
        for (size_t i = next++; i < work.size(); i = next++) {
          (ScreenOne(api, work[i].district, work[i].slot, work[i].sequence, random) ? screened
                                                                                    : failed)++;
        }
      });
    }
    for (auto& t : threads) t.join();
    std::fprintf(stderr, "\r%s: %d screened so far", FormatDate(day).c_str(), screened.load());
  }
  std::fprintf(stderr, "\n");
  // The year's targets over the districts, by population.
  v1::AllocateTargetsRequest allocate;
  allocate.set_programme_year(config.programme_year);
  allocate.set_apply(true);
  allocate.set_request_id(absl::StrCat("demo-allocation-", config.programme_year));
  v1::AllocationPlan plan;
  grpc::ClientContext context;
  const grpc::Status allocated = api.scheduling->AllocateTargets(&context, allocate, &plan);
  (*app)->Shutdown(absl::Seconds(5));
  std::printf("screening-demo-data: %d residents screened over %zu working days%s%s\n",
              screened.load(), days.size(),
              failed > 0 ? absl::StrCat(", ", failed.load(), " steps failed").c_str() : "",
              allocated.ok() ? "; targets allocated over the districts" : "");
  return 0;
}

}  // namespace
}  // namespace screening

int main(int argc, char** argv) {
  screening::ShowFlagsOfFileInHelp(__FILE__);
  absl::SetProgramUsageMessage("usage: screening-demo-data [flags]: weeks of demo data");
  absl::ParseCommandLine(argc, argv);
  return screening::Run();
}
