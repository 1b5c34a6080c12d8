// Benchmark of the text messages to residents (issue 17): do booking
// confirmations keep up with 3,000 bookings a minute, each sent once?
// screeningd (all services, the notifier at its defaults) on a fresh
// database sends to the fake SMS gateway in this process. Two phases:
//
//   paced: --rate bookings a minute for --seconds, from 4 clients: the time
//          from each booking's answer to its message at the gateway;
//   burst: --burst bookings at once: how long until every message is in,
//          as messages a minute against --rate.
//
// Then every booking is matched with what the gateway received: missing
// and duplicated messages are counted (both must be 0).
//
//   bench_notify --server="host=127.0.0.1 port=54329 user=screening"
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <pqxx/pqxx>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/dates.h"
#include "screening/v1/registry.grpc.pb.h"
#include "screening/v1/scheduling.grpc.pb.h"
#include "services/registry/id_number.h"
#include "services/screeningd/app.h"
#include "tests/bench/bench_database.h"
#include "tools/fake_sms_gateway/fake_sms_gateway.h"

ABSL_FLAG(std::string, server, "",
          "libpq settings of the PostgreSQL server, without dbname (tools/devdb conninfo); "
          "defaults to SCREENING_TEST_DATABASE.");
ABSL_FLAG(int, rate, 3000, "Bookings a minute in the paced phase.");
ABSL_FLAG(int, seconds, 60, "Length of the paced phase.");
ABSL_FLAG(int, burst, 3000, "Bookings made at once in the burst phase.");

namespace screening {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr int kClients = 4;
constexpr int kPlacesPerDay = 2000;

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))];
}

// Arrival times at the gateway, by verification code (unique per booking
// here: a code repeated by chance is counted as such, not as a duplicate).
class Arrivals {
 public:
  void Add(const std::string& code) {
    absl::MutexLock lock(&mu_);
    times_[code].push_back(SteadyClock::now());
  }
  std::map<std::string, std::vector<SteadyClock::time_point>> Snapshot() const {
    absl::MutexLock lock(&mu_);
    return times_;
  }
  int Count() const {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (const auto& [code, times] : times_) n += times.size();
    return n;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::vector<SteadyClock::time_point>> times_ ABSL_GUARDED_BY(mu_);
};

struct Booked {
  std::string code;
  SteadyClock::time_point answered;
};

class Bench {
 public:
  Bench(std::shared_ptr<grpc::Channel> channel)
      : registry_(v1::RegistryService::NewStub(channel)),
        scheduling_(v1::SchedulingService::NewStub(channel)) {}

  // Residents aged 45-60 in 2026 with phones; hospital BENCH-SMS with four-highs
  // places on the working days from tomorrow.
  bool Prepare(int residents) {
    v1::UpsertHospitalRequest hospital;
    hospital.mutable_hospital()->set_code("BENCH-SMS");
    hospital.mutable_hospital()->set_display_name("道里区人民医院");
    hospital.mutable_hospital()->set_district_code("230102");
    hospital.mutable_hospital()->add_screenings(v1::SCREENING_TYPE_FOUR_HIGHS);
    v1::Hospital h;
    grpc::ClientContext hc;
    if (!Check(scheduling_->UpsertHospital(&hc, hospital, &h), "UpsertHospital")) return false;
    absl::CivilDay day = Today(SystemClock()) + 1;
    for (int places = 0; places < residents && day.year() == 2026; ++day) {
      v1::SetCapacityRequest capacity;
      capacity.set_hospital("hospitals/BENCH-SMS");
      capacity.set_date(FormatDate(day));
      capacity.set_session(v1::SESSION_MORNING);
      capacity.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
      capacity.set_capacity(kPlacesPerDay);
      v1::Slot slot;
      grpc::ClientContext cc;
      if (scheduling_->SetCapacity(&cc, capacity, &slot).ok()) {
        slots_.push_back(slot.name());
        places += kPlacesPerDay;
      }
    }
    if (static_cast<int64_t>(slots_.size()) * kPlacesPerDay < residents) {
      std::fprintf(stderr, "bench_notify: not enough working days left in 2026 for the places\n");
      return false;
    }
    names_.resize(residents);
    std::atomic<bool> ok = true;
    std::vector<std::thread> threads;
    for (int t = 0; t < kClients; ++t) {
      threads.emplace_back([&, t] {
        for (int n = t; n < residents && ok; n += kClients) {
          const absl::CivilDay birth = absl::CivilDay(1968, 1, 1) + (n % 2000);
          const std::string first17 = absl::StrFormat("230102%04d%02d%02d%03d", birth.year(),
                                                      birth.month(), birth.day(), 1 + n / 2000);
          v1::RegisterResidentRequest request;
          request.mutable_resident()->set_id_number(first17 + registry::IdCheckCharacter(first17));
          request.mutable_resident()->set_full_name(absl::StrCat("居民", n));
          request.mutable_resident()->set_district_code("230102");
          request.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
          request.mutable_resident()->set_phone(absl::StrFormat("137%08d", n));
          v1::Resident resident;
          grpc::ClientContext context;
          if (!Check(registry_->RegisterResident(&context, request, &resident), "Register")) {
            ok = false;
          }
          names_[n] = resident.name();
        }
      });
    }
    for (auto& t : threads) t.join();
    return ok;
  }

  // Books residents [from, to) from kClients threads, booking i at
  // start + i * spacing (spacing 0: as fast as they can).
  std::vector<Booked> Book(int from, int to, SteadyClock::duration spacing) {
    std::vector<Booked> booked(to - from);
    const auto start = SteadyClock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < kClients; ++t) {
      threads.emplace_back([&, t] {
        for (int i = from + t; i < to; i += kClients) {
          std::this_thread::sleep_until(start + (i - from) * spacing);
          v1::BookScreeningRequest request;
          request.set_resident(names_[i]);
          request.add_slots(slots_[i / kPlacesPerDay]);
          request.set_request_id(absl::StrCat("bench-sms-", i));
          v1::Booking booking;
          grpc::ClientContext context;
          if (Check(scheduling_->BookScreening(&context, request, &booking), "Book")) {
            booked[i - from] = {booking.verification_code(), SteadyClock::now()};
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    return booked;
  }

 private:
  static bool Check(const grpc::Status& status, const char* what) {
    if (!status.ok()) std::fprintf(stderr, "%s: %s\n", what, status.error_message().c_str());
    return status.ok();
  }

  std::unique_ptr<v1::RegistryService::Stub> registry_;
  std::unique_ptr<v1::SchedulingService::Stub> scheduling_;
  std::vector<std::string> slots_;
  std::vector<std::string> names_;
};

// Waits until `expected` messages have arrived, or 60 s of none.
SteadyClock::time_point AwaitArrivals(const Arrivals& arrivals, int expected) {
  int last = -1;
  auto last_change = SteadyClock::now();
  while (arrivals.Count() < expected &&
         SteadyClock::now() - last_change < std::chrono::seconds(60)) {
    if (arrivals.Count() != last) {
      last = arrivals.Count();
      last_change = SteadyClock::now();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return SteadyClock::now();
}

int Run() {
  auto db = bench::BenchDatabase::Create(absl::GetFlag(FLAGS_server), "bench_notify");
  if (db == nullptr) return 2;
  const int rate = absl::GetFlag(FLAGS_rate);
  const int paced = rate * absl::GetFlag(FLAGS_seconds) / 60;
  const int burst = absl::GetFlag(FLAGS_burst);
  int exit_code = 0;
  {
    Arrivals arrivals;
    auto gateway = tools::FakeSmsGateway::Start("127.0.0.1", 0);
    if (!gateway.ok()) {
      std::fprintf(stderr, "bench_notify: %s\n", gateway.status().ToString().c_str());
      return 1;
    }
    (*gateway)->OnAccepted([&arrivals](const tools::FakeSmsGateway::Message& m) {
      if (m.template_id == "booking_confirmed") arrivals.Add(m.params.at("code"));
    });
    AppConfig config;
    config.listen = "127.0.0.1:0";
    config.database_url = db->url();
    config.insecure = true;
    config.data_keys = "bench:" + std::string(64, 'a');
    config.lookup_key_hex = std::string(64, 'b');
    config.programme_year = 2026;
    config.programmes =
        Programmes::Single({.year = 2026, .persons_target = 800000, .nipt_target = 6000});
    config.rate_limit_per_second = 1000000;
    config.rate_limit_burst = 1000000;
    config.sms_gateway.url = (*gateway)->url();
    auto app = App::Start(config);
    if (!app.ok()) {
      std::fprintf(stderr, "bench_notify: %s\n", app.status().ToString().c_str());
      return 1;
    }
    Bench bench(grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*app)->port()),
                                    grpc::InsecureChannelCredentials()));
    if (!bench.Prepare(paced + burst)) return 1;

    // Paced.
    const auto spacing = std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(60.0 / rate));
    const auto paced_start = SteadyClock::now();
    std::vector<Booked> paced_booked = bench.Book(0, paced, spacing);
    const double paced_seconds = Seconds(SteadyClock::now() - paced_start);
    AwaitArrivals(arrivals, paced);
    std::vector<double> delays;
    {
      auto seen = arrivals.Snapshot();
      for (const Booked& b : paced_booked) {
        auto found = seen.find(b.code);
        if (found != seen.end()) delays.push_back(Seconds(found->second.front() - b.answered));
      }
    }
    std::printf(
        "paced: %d bookings in %.1f s (%.0f a minute); booking answer to message at the "
        "gateway: median %.2f s, p99 %.2f s, max %.2f s\n",
        paced, paced_seconds, paced / paced_seconds * 60, Percentile(delays, 0.5),
        Percentile(delays, 0.99), Percentile(delays, 1.0));

    // Burst.
    const auto burst_start = SteadyClock::now();
    std::vector<Booked> burst_booked = bench.Book(paced, paced + burst, {});
    const double booking_seconds = Seconds(SteadyClock::now() - burst_start);
    const auto done = AwaitArrivals(arrivals, paced + burst);
    const double burst_seconds = Seconds(done - burst_start);
    const double per_minute = burst / burst_seconds * 60;
    std::printf(
        "burst: %d bookings in %.1f s, every message at the gateway %.1f s after the "
        "first booking: %.0f messages a minute, %.2f× the %d a minute asked\n",
        burst, booking_seconds, burst_seconds, per_minute, per_minute / rate, rate);

    // Every booking against what the gateway received.
    std::map<std::string, int> booked_codes;
    for (const auto* list : {&paced_booked, &burst_booked}) {
      for (const Booked& b : *list) ++booked_codes[b.code];
    }
    int missing = 0, duplicated = 0;
    auto seen = arrivals.Snapshot();
    for (const auto& [code, bookings] : booked_codes) {
      const int got = seen.count(code) ? seen[code].size() : 0;
      missing += std::max(0, bookings - got);
      duplicated += std::max(0, got - bookings);
    }
    std::printf("check: %d bookings, %d confirmations received, %d missing, %d duplicated\n",
                paced + burst, arrivals.Count(), missing, duplicated);
    if (missing != 0 || duplicated != 0) exit_code = 1;
    (*app)->Shutdown(absl::Seconds(2));
  }
  return exit_code;
}

}  // namespace
}  // namespace screening

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Notifications against 3,000 bookings a minute: delay and drain.");
  absl::ParseCommandLine(argc, argv);
  return screening::Run();
}
