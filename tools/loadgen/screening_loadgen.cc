// screening-loadgen: drives a running screeningd through its public API and
// reports throughput, latency percentiles and errors by status code, as text
// and (with --json) as JSON.
//
// Scenarios:
//   book      residents book across many slots (--slots of them, in --year),
//             --concurrency clients for --duration.
//   stampede  --clients residents at once on one slot of --places places;
//             reports the time until every attempt has its answer.
//   mixed     each iteration registers a resident, books today's slot,
//             checks her in with her code and records four-highs results.
//   record    --residents residents are booked into today's slots and checked
//             in (set-up, not timed); then --concurrency clients record their
//             four-highs results for --duration, a RecordResult call each or,
//             with --stream, on one RecordResults stream per client (at most
//             --window in flight); afterwards the progress counter is compared
//             with the results recorded, and every counter with a Recount.
//   progress  --concurrency clients call GetProgress for --year (with
//             --group_by) for --duration: its latency.
//   watch     --watchers WatchProgress streams, then --concurrency clients
//             record four-highs results at up to --rate a second for
//             --duration; reports commit-to-watcher latency p50/p99 and
//             whether every watcher reached the final state.
//
// It sets up what it needs (hospitals, slots, residents) under a --prefix so
// runs do not collide. Needs a caller with every right: screeningd
// --insecure, or a developer setup. Example:
//   screening-loadgen --address=127.0.0.1:50051 --scenario=book --concurrency=32
//       --duration=20s --slots=20000 --year=2027
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/create_channel.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/dates.h"
#include "common/districts.h"
#include "common/help_flags.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "screening/v1/progress.grpc.pb.h"
#include "screening/v1/registry.grpc.pb.h"
#include "screening/v1/results.grpc.pb.h"
#include "screening/v1/scheduling.grpc.pb.h"
#include "services/registry/id_number.h"
#include "tools/loadgen/http_watcher.h"

ABSL_FLAG(std::string, address, "127.0.0.1:50051", "The screeningd to drive.");
ABSL_FLAG(std::string, scenario, "book", "book, stampede, mixed, record, progress, watch or ping.");
ABSL_FLAG(int, concurrency, 32, "Concurrent clients (book, mixed).");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(20), "How long to run (book, mixed).");
ABSL_FLAG(int, slots, 20000, "book: slots to spread bookings over.");
ABSL_FLAG(int, places, 100, "stampede: places in the slot; book: places per slot.");
ABSL_FLAG(int, clients, 1000, "stampede: residents trying at once.");
ABSL_FLAG(int, residents, 40000, "book: residents to import first (one booking each at most).");
ABSL_FLAG(int, year, 2027, "book, stampede: the year whose working days get the slots.");
ABSL_FLAG(std::string, prefix, "LG", "Code prefix of the hospitals this run creates.");
ABSL_FLAG(int, channels, 8, "gRPC channels (TCP connections) shared by the clients.");
ABSL_FLAG(int, client_threads, 2, "book: threads the clients share (like pgbench -j).");
ABSL_FLAG(int, group_by, 0, "progress: the ProgressDimension number to break down by.");
ABSL_FLAG(int, watchers, 1000, "watch: WatchProgress streams open at once.");
ABSL_FLAG(std::string, http_address, "",
          "watch: host:port of screeningd's HTTP face: the watchers hold Connect streams there, "
          "one connection each as browsers do, instead of gRPC streams.");
ABSL_FLAG(double, rate, 2000, "watch: results recorded per second in all (0: flat out).");
ABSL_FLAG(std::string, commit_log, "",
          "watch: record nothing; after --duration (and 5 s more), read the commit times of "
          "results written by someone else from this pgbench log (-l) and time the watchers "
          "against them.");
ABSL_FLAG(bool, stream, false,
          "record: each client sends its results on one RecordResults stream (a laboratory's "
          "batch) instead of a RecordResult call each.");
ABSL_FLAG(int, window, 32, "record --stream: results in flight on each stream at most.");
ABSL_FLAG(int, salt, -1,
          "book, stampede, record: the share of ID numbers (0 to 38) this run's residents take; "
          "runs on one database must take different shares. Default: a random one.");
ABSL_FLAG(std::string, json, "", "Also write the report as JSON to this file ('-' for stdout).");

namespace screening {
namespace {

using Stub = v1::SchedulingService::Stub;

// Latencies and outcomes of one kind of call, merged from every client.
struct Recorder {
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::map<std::string, int64_t> by_code;
  std::map<std::string, std::string> first_message;  // per code, for the report

  void Add(absl::Duration latency, const grpc::Status& status) {
    const std::string code =
        status.ok() ? "OK" : absl::StrCat("code_", static_cast<int>(status.error_code()));
    std::lock_guard<std::mutex> lock(mu);
    latencies_ms.push_back(absl::ToDoubleMilliseconds(latency));
    by_code[code]++;
    if (!status.ok()) first_message.try_emplace(code, status.error_message());
  }
  double Percentile(double p) {
    if (latencies_ms.empty()) return 0;
    std::sort(latencies_ms.begin(), latencies_ms.end());
    const size_t i =
        std::min(latencies_ms.size() - 1, static_cast<size_t>(p / 100.0 * latencies_ms.size()));
    return latencies_ms[i];
  }
};

template <typename Call>
grpc::Status Timed(Recorder& recorder, Call call) {
  const absl::Time start = absl::Now();
  grpc::Status status = call();
  recorder.Add(absl::Now() - start, status);
  return status;
}

void Check(const grpc::Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "screening-loadgen: %s failed: %d %s\n", what,
               static_cast<int>(status.error_code()), status.error_message().c_str());
  std::exit(1);
}

// Runs `client(c)` for c = 0 .. concurrency-1, each on a thread, and waits.
void RunClients(int concurrency, const std::function<void(int)>& client) {
  std::vector<std::thread> threads;
  for (int c = 0; c < concurrency; ++c) threads.emplace_back(client, c);
  for (auto& t : threads) t.join();
}

std::vector<std::shared_ptr<grpc::Channel>> Channels() {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < std::max(1, absl::GetFlag(FLAGS_channels)); ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", i);  // distinct arguments: a connection each
    channels.push_back(grpc::CreateCustomChannel(absl::GetFlag(FLAGS_address),
                                                 grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

std::string IdNumber(const std::string& division, absl::CivilDay birth, int sequence) {
  const std::string first17 = absl::StrFormat("%s%04d%02d%02d%03d", division, birth.year(),
                                              birth.month(), birth.day(), sequence);
  return first17 + registry::IdCheckCharacter(first17);
}

// Hospitals offering four highs, one per district in turn, plan `places`
// per session; slots generated over the year's working days.
std::vector<v1::Slot> SetUpSlots(Stub& scheduling, int wanted, int places, int year) {
  const int per_hospital = 2 * 250;  // two sessions on ~250 working days
  const int hospitals = std::max(1, (wanted + per_hospital - 1) / per_hospital);
  const auto districts = HarbinDistricts();
  for (int h = 0; h < hospitals; ++h) {
    v1::UpsertHospitalRequest upsert;
    v1::Hospital* hospital = upsert.mutable_hospital();
    hospital->set_code(absl::StrFormat("%s-H%03d", absl::GetFlag(FLAGS_prefix), h));
    hospital->set_display_name(absl::StrCat("压测医院 ", h));
    hospital->set_district_code(std::string(districts[h % districts.size()].code));
    hospital->add_screenings(v1::SCREENING_TYPE_FOUR_HIGHS);
    for (v1::Session session : {v1::SESSION_MORNING, v1::SESSION_AFTERNOON}) {
      auto* plan = hospital->add_sessions();
      plan->set_session(session);
      auto* p = plan->add_places();
      p->set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
      p->set_places(places);
    }
    v1::Hospital out;
    grpc::ClientContext c1;
    Check(scheduling.UpsertHospital(&c1, upsert, &out), "UpsertHospital");
    v1::GenerateSlotsRequest generate;
    generate.set_hospital(out.name());
    generate.set_start_date(absl::StrFormat("%04d-01-01", year));
    generate.set_end_date(absl::StrFormat("%04d-12-31", year));
    v1::GenerateSlotsResponse generated;
    grpc::ClientContext c2;
    Check(scheduling.GenerateSlots(&c2, generate, &generated), "GenerateSlots");
  }
  std::vector<v1::Slot> slots;
  v1::SearchSlotsRequest search;
  search.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
  search.set_start_date(absl::StrFormat("%04d-01-01", year));
  search.set_end_date(absl::StrFormat("%04d-12-31", year));
  search.set_only_available(true);
  search.set_page_size(1000);
  const std::string prefix = absl::StrCat("hospitals/", absl::GetFlag(FLAGS_prefix), "-H");
  do {
    v1::SearchSlotsResponse page;
    grpc::ClientContext context;
    Check(scheduling.SearchSlots(&context, search, &page), "SearchSlots");
    for (const auto& slot : page.slots()) {
      if (slot.hospital().rfind(prefix, 0) == 0) slots.push_back(slot);
    }
    search.set_page_token(page.next_page_token());
  } while (!search.page_token().empty() && static_cast<int>(slots.size()) < wanted);
  if (static_cast<int>(slots.size()) > wanted) slots.resize(wanted);
  return slots;
}

// A run's share of the ID-number sequences (0 to 38), --salt or drawn at
// random: runs on one database import different residents unless they draw
// the same share (1 in 39). It was the time in seconds modulo 10, and runs
// 10 s apart collided: their imports found the residents registered already
// and set up too few.
int RunSalt() {
  if (absl::GetFlag(FLAGS_salt) >= 0) return absl::GetFlag(FLAGS_salt);
  std::random_device device;
  return std::uniform_int_distribution<int>(0, 38)(device);
}

// Imports `count` (at most 100,000) residents aged 45-60 in `year`, living
// in `district` (ID numbers from that division too, so scenarios never share
// residents), and returns the resource names of this run's residents.
std::vector<std::string> SetUpResidents(v1::RegistryService::Stub& registry, int count, int year,
                                        int salt, const std::string& district) {
  const std::string name_prefix = absl::StrCat("压测", absl::GetFlag(FLAGS_prefix), salt, "-");
  grpc::ClientContext context;
  auto stream = registry.ImportResidents(&context);
  v1::ImportResidentsRequest batch;
  for (int n = 0; n < count; ++n) {
    // Born (year - 55) +- 7 years: eligible all year. Unique (birth, sequence).
    const absl::CivilDay birth = absl::CivilDay(year - 58, 1, 1) + (n % 4000);
    const int sequence = 1 + (n / 4000 + salt * 25) % 999;  // n / 4000 < 25
    auto* row = batch.add_rows();
    row->set_row_number(n + 1);
    v1::Resident* r = row->mutable_resident();
    r->set_id_number(IdNumber(district, birth, sequence));
    r->set_full_name(absl::StrCat(name_prefix, n));
    r->set_district_code(district);
    r->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
    if (batch.rows_size() == 5000 || n + 1 == count) {
      if (n + 1 == count) batch.set_total_rows(count);  // the last message
      stream->Write(batch);
      batch.Clear();
    }
  }
  stream->WritesDone();
  v1::ImportResidentsResponse progress;
  while (stream->Read(&progress)) {
  }
  Check(stream->Finish(), "ImportResidents");
  std::vector<std::string> names;
  v1::ListResidentsRequest list;
  list.set_district_code(district);
  list.set_page_size(1000);
  do {
    v1::ListResidentsResponse page;
    grpc::ClientContext c;
    Check(registry.ListResidents(&c, list, &page), "ListResidents");
    for (const auto& r : page.residents()) {
      if (r.full_name().rfind(name_prefix, 0) == 0) names.push_back(r.name());
    }
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  return names;
}

struct Report {
  std::string scenario;
  int concurrency = 0;
  double seconds = 0;
  std::map<std::string, Recorder*> calls;
  std::map<std::string, double> figures;
};

void Print(Report& report) {
  std::printf("scenario %s, %d clients, %.2f s\n", report.scenario.c_str(), report.concurrency,
              report.seconds);
  std::string json =
      absl::StrFormat("{\"scenario\": \"%s\", \"concurrency\": %d, \"seconds\": %.3f",
                      report.scenario, report.concurrency, report.seconds);
  for (const auto& [name, value] : report.figures) {
    std::printf("  %s: %.1f\n", name.c_str(), value);
    absl::StrAppendFormat(&json, ", \"%s\": %.3f", name, value);
  }
  absl::StrAppend(&json, ", \"calls\": {");
  bool first = true;
  for (auto& [name, r] : report.calls) {
    const double count = static_cast<double>(r->latencies_ms.size());
    std::printf("  %-16s %8.0f calls  %8.1f/s  p50 %.2f ms  p95 %.2f ms  p99 %.2f ms\n",
                name.c_str(), count, count / report.seconds, r->Percentile(50), r->Percentile(95),
                r->Percentile(99));
    std::string codes;
    for (const auto& [code, n] : r->by_code) {
      std::printf("    %s: %ld  %s\n", code.c_str(), static_cast<long>(n),
                  r->first_message[code].substr(0, 100).c_str());
      absl::StrAppendFormat(&codes, "%s\"%s\": %d", codes.empty() ? "" : ", ", code, n);
    }
    absl::StrAppendFormat(&json,
                          "%s\"%s\": {\"count\": %d, \"per_second\": %.1f, \"p50_ms\": %.3f, "
                          "\"p95_ms\": %.3f, \"p99_ms\": %.3f, \"by_code\": {%s}}",
                          first ? "" : ", ", name, static_cast<int64_t>(count),
                          count / report.seconds, r->Percentile(50), r->Percentile(95),
                          r->Percentile(99), codes);
    first = false;
  }
  absl::StrAppend(&json, "}}\n");
  const std::string path = absl::GetFlag(FLAGS_json);
  if (path == "-") {
    std::printf("%s", json.c_str());
  } else if (!path.empty()) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (f != nullptr) {
      std::fputs(json.c_str(), f);
      std::fclose(f);
    }
  }
}

int RunBook() {
  auto channels = Channels();
  auto scheduling = v1::SchedulingService::NewStub(channels[0]);
  auto registry = v1::RegistryService::NewStub(channels[0]);
  const int year = absl::GetFlag(FLAGS_year);
  std::fprintf(stderr, "setting up %d slots and %d residents...\n", absl::GetFlag(FLAGS_slots),
               absl::GetFlag(FLAGS_residents));
  const std::vector<v1::Slot> slots =
      SetUpSlots(*scheduling, absl::GetFlag(FLAGS_slots), absl::GetFlag(FLAGS_places), year);
  const std::vector<std::string> residents =
      SetUpResidents(*registry, absl::GetFlag(FLAGS_residents), year, RunSalt(), "230102");
  std::fprintf(stderr, "%zu slots, %zu residents; booking...\n", slots.size(), residents.size());
  Recorder book;
  std::atomic<size_t> next_resident{0};
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::GetFlag(FLAGS_duration);
  // `concurrency` clients, each with one booking in flight at all times,
  // sharing --client_threads threads (as pgbench -j shares its threads):
  // the load generator takes less of the machine it shares with the server.
  struct Client {
    std::unique_ptr<Stub> stub;
    std::mt19937_64 random;
    std::unique_ptr<grpc::ClientContext> context;
    v1::BookScreeningRequest request;
    v1::Booking booking;
    grpc::Status status;
    absl::Time sent;
    std::unique_ptr<grpc::ClientAsyncResponseReader<v1::Booking>> call;
  };
  const int threads = std::max(1, std::min(concurrency, absl::GetFlag(FLAGS_client_threads)));
  RunClients(threads, [&](int t) {
    grpc::CompletionQueue queue;
    std::vector<std::unique_ptr<Client>> clients;
    // Sends the client's next booking; false when the run is over.
    auto send = [&](Client& client) {
      if (absl::Now() >= end) return false;
      const size_t r = next_resident++;
      if (r >= residents.size()) return false;
      client.request.Clear();
      client.request.set_resident(residents[r]);
      client.request.add_slots(slots[client.random() % slots.size()].name());
      client.request.set_request_id(absl::StrCat("lg-", absl::ToUnixNanos(start), "-", r));
      client.context = std::make_unique<grpc::ClientContext>();
      client.sent = absl::Now();
      client.call = client.stub->AsyncBookScreening(client.context.get(), client.request, &queue);
      client.call->Finish(&client.booking, &client.status, &client);
      return true;
    };
    int in_flight = 0;
    for (int c = t; c < concurrency; c += threads) {
      auto client = std::make_unique<Client>();
      client->stub = v1::SchedulingService::NewStub(channels[c % channels.size()]);
      client->random.seed(c);
      in_flight += send(*client);
      clients.push_back(std::move(client));
    }
    void* tag;
    bool ok;
    while (in_flight > 0 && queue.Next(&tag, &ok)) {
      Client& client = *static_cast<Client*>(tag);
      book.Add(absl::Now() - client.sent, client.status);
      --in_flight;
      in_flight += send(client);
    }
    queue.Shutdown();
    while (queue.Next(&tag, &ok)) {
    }
  });
  Report report{.scenario = "book",
                .concurrency = concurrency,
                .seconds = absl::ToDoubleSeconds(absl::Now() - start)};
  report.calls["BookScreening"] = &book;
  report.figures["bookings_per_second"] = static_cast<double>(book.by_code["OK"]) / report.seconds;
  report.figures["slots"] = static_cast<double>(slots.size());
  Print(report);
  return 0;
}

// The floor under every scenario: one unary call that does no work (the
// health check), at the same concurrency. Booking or recording one at a
// time cannot go faster than this on the same machine.
int RunPing() {
  auto channels = Channels();
  Recorder ping;
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::GetFlag(FLAGS_duration);
  RunClients(concurrency, [&](int c) {
    auto stub = grpc::health::v1::Health::NewStub(channels[c % channels.size()]);
    while (absl::Now() < end) {
      grpc::health::v1::HealthCheckResponse response;
      Timed(ping, [&] {
        grpc::ClientContext context;
        return stub->Check(&context, {}, &response);
      });
    }
  });
  Report report{.scenario = "ping",
                .concurrency = concurrency,
                .seconds = absl::ToDoubleSeconds(absl::Now() - start)};
  report.calls["Health.Check"] = &ping;
  report.figures["calls_per_second"] = static_cast<double>(ping.by_code["OK"]) / report.seconds;
  Print(report);
  return 0;
}

int RunStampede() {
  auto channels = Channels();
  auto scheduling = v1::SchedulingService::NewStub(channels[0]);
  auto registry = v1::RegistryService::NewStub(channels[0]);
  const int year = absl::GetFlag(FLAGS_year);
  const int places = absl::GetFlag(FLAGS_places);
  const int clients = absl::GetFlag(FLAGS_clients);
  const std::vector<v1::Slot> slots = SetUpSlots(*scheduling, 1, places, year);
  const std::vector<std::string> residents =
      SetUpResidents(*registry, clients, year, RunSalt(), "230104");
  if (slots.empty() || static_cast<int>(residents.size()) < clients) {
    std::fprintf(stderr, "screening-loadgen: set-up fell short\n");
    return 1;
  }
  Recorder book;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  absl::Time start;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto stub = v1::SchedulingService::NewStub(channels[c % channels.size()]);
      v1::BookScreeningRequest request;
      request.set_resident(residents[c]);
      request.add_slots(slots[0].name());
      request.set_request_id(absl::StrCat("lg-st-", slots[0].name(), "-", c));
      ready++;
      while (!go) std::this_thread::yield();
      v1::Booking booking;
      Timed(book, [&] {
        grpc::ClientContext context;
        return stub->BookScreening(&context, request, &booking);
      });
    });
  }
  while (ready < clients) std::this_thread::yield();
  start = absl::Now();
  go = true;
  for (auto& t : threads) t.join();
  Report report{.scenario = "stampede",
                .concurrency = clients,
                .seconds = absl::ToDoubleSeconds(absl::Now() - start)};
  report.calls["BookScreening"] = &book;
  report.figures["resolved_ms"] = report.seconds * 1000;
  report.figures["booked"] = static_cast<double>(book.by_code["OK"]);
  report.figures["places"] = places;
  Print(report);
  return book.by_code["OK"] == places ? 0 : 1;
}

int RunMixed() {
  auto channels = Channels();
  auto scheduling = v1::SchedulingService::NewStub(channels[0]);
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), HarbinTimeZone());
  // Today's slots: one hospital, both sessions, plenty of places.
  v1::UpsertHospitalRequest upsert;
  v1::Hospital* h = upsert.mutable_hospital();
  h->set_code(absl::StrCat(absl::GetFlag(FLAGS_prefix), "-MIX"));
  h->set_display_name("压测混合医院");
  h->set_district_code("230103");
  h->add_screenings(v1::SCREENING_TYPE_FOUR_HIGHS);
  for (int d = 1; d <= 7; ++d) h->add_working_days(d);
  v1::Hospital hospital;
  {
    grpc::ClientContext context;
    Check(scheduling->UpsertHospital(&context, upsert, &hospital), "UpsertHospital");
  }
  v1::SetCapacityRequest capacity;
  capacity.set_hospital(hospital.name());
  capacity.set_date(FormatDate(today));
  capacity.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
  capacity.set_capacity(10000);
  v1::Slot slot;
  {
    grpc::ClientContext context;
    Check(scheduling->SetCapacity(&context, capacity, &slot), "SetCapacity");
  }
  Recorder reg, book, check_in, record;
  std::atomic<int> next{0};
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::GetFlag(FLAGS_duration);
  const int salt = static_cast<int>(absl::ToUnixSeconds(start) % 50);
  RunClients(concurrency, [&](int c) {
    auto channel = channels[c % channels.size()];
    auto registry = v1::RegistryService::NewStub(channel);
    auto sched = v1::SchedulingService::NewStub(channel);
    auto results = v1::ResultsService::NewStub(channel);
    while (absl::Now() < end) {
      const int n = next++;
      v1::RegisterResidentRequest r;
      const absl::CivilDay birth = absl::CivilDay(today.year() - 58, 1, 1) + (n % 4000);
      r.mutable_resident()->set_id_number(
          IdNumber("230103", birth, 1 + (n / 4000 + salt * 19) % 999));
      r.mutable_resident()->set_full_name(absl::StrCat("混合", n));
      r.mutable_resident()->set_district_code("230103");
      r.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
      v1::Resident resident;
      if (!Timed(reg, [&] {
             grpc::ClientContext context;
             return registry->RegisterResident(&context, r, &resident);
           }).ok()) {
        continue;
      }
      v1::BookScreeningRequest b;
      b.set_resident(resident.name());
      b.add_slots(slot.name());
      b.set_request_id(absl::StrCat("lg-mix-", absl::ToUnixNanos(start), "-", n));
      v1::Booking booking;
      if (!Timed(book, [&] {
             grpc::ClientContext context;
             return sched->BookScreening(&context, b, &booking);
           }).ok()) {
        continue;
      }
      v1::CheckInRequest ci;
      ci.set_name(booking.name());
      ci.set_verification_code(booking.verification_code());
      v1::Booking checked;
      if (!Timed(check_in, [&] {
             grpc::ClientContext context;
             return sched->CheckIn(&context, ci, &checked);
           }).ok()) {
        continue;
      }
      v1::RecordResultRequest rr;
      rr.set_hospital(hospital.name());
      rr.set_booking(booking.name());
      rr.set_request_id(absl::StrCat("lg-mix-result-", absl::ToUnixNanos(start), "-", n));
      auto* m = rr.mutable_four_highs();
      m->set_systolic_mmhg(118 + n % 50);
      m->set_diastolic_mmhg(76 + n % 20);
      m->set_fasting_glucose_mmol_l(5.1);
      m->set_total_cholesterol_mmol_l(4.6);
      m->set_ldl_cholesterol_mmol_l(2.6);
      m->set_hdl_cholesterol_mmol_l(1.3);
      m->set_triglycerides_mmol_l(1.4);
      m->set_uric_acid_umol_l(300 + n % 200);
      v1::Result result;
      Timed(record, [&] {
        grpc::ClientContext context;
        return results->RecordResult(&context, rr, &result);
      });
    }
  });
  Report report{.scenario = "mixed",
                .concurrency = concurrency,
                .seconds = absl::ToDoubleSeconds(absl::Now() - start)};
  report.calls["RegisterResident"] = &reg;
  report.calls["BookScreening"] = &book;
  report.calls["CheckIn"] = &check_in;
  report.calls["RecordResult"] = &record;
  report.figures["visits_per_second"] = static_cast<double>(record.by_code["OK"]) / report.seconds;
  Print(report);
  return 0;
}

int64_t FourHighsScreened(v1::ProgressService::Stub& progress, int year) {
  v1::GetProgressRequest request;
  request.set_programme_year(year);
  v1::Progress answer;
  grpc::ClientContext context;
  Check(progress.GetProgress(&context, request, &answer), "GetProgress");
  for (const auto& t : answer.by_type()) {
    if (t.screening_type() == v1::SCREENING_TYPE_FOUR_HIGHS) return t.persons_screened();
  }
  return 0;
}

// Visits booked into today's slots at one laboratory hospital and checked
// in: what results are recorded against (set-up, not timed).
struct CheckedInVisits {
  v1::Hospital hospital;
  std::vector<v1::Booking> visits;
};

CheckedInVisits SetUpCheckedInVisits(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                                     int concurrency, int wanted) {
  auto scheduling = v1::SchedulingService::NewStub(channels[0]);
  auto registry = v1::RegistryService::NewStub(channels[0]);
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), HarbinTimeZone());
  // A day's slot holds at most 10,000 places: two sessions at each of as
  // many laboratory hospitals as needed (at most three).
  constexpr int kPerHospital = 20000;
  wanted = std::min(wanted, 3 * kPerHospital);
  const int hospitals = (wanted + kPerHospital - 1) / kPerHospital;
  CheckedInVisits out;
  std::vector<v1::Slot> slots;
  for (int n = 0; n < hospitals; ++n) {
    v1::UpsertHospitalRequest upsert;
    v1::Hospital* h = upsert.mutable_hospital();
    h->set_code(absl::StrCat(absl::GetFlag(FLAGS_prefix), "-LAB", n == 0 ? "" : absl::StrCat(n)));
    h->set_display_name("压测检验医院");
    h->set_district_code("230108");
    h->add_screenings(v1::SCREENING_TYPE_FOUR_HIGHS);
    v1::Hospital hospital;
    grpc::ClientContext context;
    Check(scheduling->UpsertHospital(&context, upsert, &hospital), "UpsertHospital");
    if (n == 0) out.hospital = hospital;
    v1::SetCapacityRequest capacity;
    capacity.set_hospital(hospital.name());
    capacity.set_date(FormatDate(today));
    capacity.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
    capacity.set_capacity(10000);
    for (int session = 0; session < 2; ++session) {
      capacity.set_session(session == 0 ? v1::SESSION_MORNING : v1::SESSION_AFTERNOON);
      grpc::ClientContext c;
      Check(scheduling->SetCapacity(&c, capacity, &slots.emplace_back()), "SetCapacity");
    }
  }
  std::fprintf(stderr, "setting up %d checked-in visits...\n", wanted);
  const std::vector<std::string> residents =
      SetUpResidents(*registry, wanted, today.year(), RunSalt(), "230108");
  std::vector<v1::Booking> visits(residents.size());
  std::atomic<size_t> next{0};
  Recorder refused;  // set-up calls that failed, by code, for the report
  std::vector<std::thread> setup;
  for (int c = 0; c < concurrency; ++c) {
    setup.emplace_back([&, c] {
      auto stub = v1::SchedulingService::NewStub(channels[c % channels.size()]);
      for (size_t i = next++; i < residents.size(); i = next++) {
        v1::BookScreeningRequest b;
        b.set_resident(residents[i]);
        const v1::Slot& slot = slots[i % slots.size()];
        b.add_slots(slot.name());
        b.set_request_id(absl::StrCat("lg-rec-", residents[i], "-", FormatDate(today)));
        v1::Booking booking;
        grpc::ClientContext c1;
        if (grpc::Status booked = stub->BookScreening(&c1, b, &booking); !booked.ok()) {
          refused.Add(absl::ZeroDuration(), booked);
          continue;
        }
        v1::CheckInRequest ci;
        ci.set_name(booking.name());
        ci.set_verification_code(booking.verification_code());
        grpc::ClientContext c2;
        if (grpc::Status in = stub->CheckIn(&c2, ci, &visits[i]); in.ok()) {
          visits[i].set_hospital(slot.hospital());
        } else {
          refused.Add(absl::ZeroDuration(), in);
        }
      }
    });
  }
  for (auto& t : setup) t.join();
  for (auto& v : visits) {
    if (!v.name().empty()) out.visits.push_back(std::move(v));
  }
  std::fprintf(stderr, "%zu visits checked in\n", out.visits.size());
  for (const auto& [code, n] : refused.by_code) {
    std::fprintf(stderr, "  set-up refused %ld calls with %s: %s\n", static_cast<long>(n),
                 code.c_str(), refused.first_message[code].c_str());
  }
  return out;
}

// A four-highs result for visit `i` (values vary, all within bounds).
v1::RecordResultRequest FourHighsResult(const v1::Booking& visit, size_t i) {
  v1::RecordResultRequest rr;
  rr.set_hospital(visit.hospital());
  rr.set_booking(visit.name());
  rr.set_request_id(absl::StrCat("lg-rec-result-", visit.name()));
  auto* m = rr.mutable_four_highs();
  m->set_systolic_mmhg(110 + static_cast<int>(i % 70));
  m->set_diastolic_mmhg(70 + static_cast<int>(i % 30));
  m->set_fasting_glucose_mmol_l(4.5 + (i % 30) / 10.0);
  m->set_total_cholesterol_mmol_l(4.6);
  m->set_ldl_cholesterol_mmol_l(2.6);
  m->set_hdl_cholesterol_mmol_l(1.3);
  m->set_triglycerides_mmol_l(1.4);
  m->set_uric_acid_umol_l(250 + static_cast<double>(i % 250));
  return rr;
}

// One laboratory client: its results on one RecordResults stream, at most
// --window in flight; each item timed from its write to its answer.
void RecordOnStream(v1::ResultsService::Stub& results, const std::vector<v1::Booking>& ready,
                    std::atomic<size_t>& next_visit, absl::Time end, Recorder& record) {
  const size_t window = static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_window)));
  grpc::ClientContext context;
  auto stream = results.RecordResults(&context);
  int64_t written = 0;
  absl::Mutex mu;
  std::deque<absl::Time> sent;  // write times of the items not yet answered
  std::thread reader([&] {
    v1::RecordResultOutcome outcome;
    while (stream->Read(&outcome)) {
      absl::MutexLock lock(&mu);
      record.Add(absl::Now() - sent.front(),
                 grpc::Status(static_cast<grpc::StatusCode>(outcome.status().code()),
                              outcome.status().message()));
      sent.pop_front();
    }
  });
  while (absl::Now() < end) {
    {
      absl::MutexLock lock(&mu);
      auto room = [&] { return sent.size() < window; };
      mu.Await(absl::Condition(&room));
    }
    const size_t i = next_visit++;
    if (i >= ready.size()) break;
    const v1::RecordResultRequest rr = FourHighsResult(ready[i], i);
    {
      absl::MutexLock lock(&mu);
      sent.push_back(absl::Now());
    }
    v1::RecordResultsRequest message;
    *message.mutable_result() = rr;
    if (!stream->Write(message)) break;
    ++written;
  }
  v1::RecordResultsRequest last;
  last.set_total_results(written);
  stream->Write(last);
  stream->WritesDone();
  reader.join();
  Check(stream->Finish(), "RecordResults");
}

int RunRecord() {
  auto channels = Channels();
  auto progress = v1::ProgressService::NewStub(channels[0]);
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), HarbinTimeZone());
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const CheckedInVisits set_up =
      SetUpCheckedInVisits(channels, concurrency, absl::GetFlag(FLAGS_residents));
  const std::vector<v1::Booking>& ready = set_up.visits;
  const int64_t counted_before = FourHighsScreened(*progress, today.year());
  Recorder record;
  std::atomic<size_t> next_visit{0};
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::GetFlag(FLAGS_duration);
  const bool streams = absl::GetFlag(FLAGS_stream);
  RunClients(concurrency, [&](int c) {
    auto results = v1::ResultsService::NewStub(channels[c % channels.size()]);
    if (streams) {
      RecordOnStream(*results, ready, next_visit, end, record);
      return;
    }
    while (absl::Now() < end) {
      const size_t i = next_visit++;
      if (i >= ready.size()) return;
      const v1::RecordResultRequest rr = FourHighsResult(ready[i], i);
      v1::Result result;
      Timed(record, [&] {
        grpc::ClientContext context;
        return results->RecordResult(&context, rr, &result);
      });
    }
  });
  Report report{.scenario = streams ? "record --stream" : "record",
                .concurrency = concurrency,
                .seconds = absl::ToDoubleSeconds(absl::Now() - start)};
  const int64_t recorded = record.by_code["OK"];
  // The progress consumer counts within moments: wait for it, then compare.
  int64_t counted = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    counted = FourHighsScreened(*progress, today.year()) - counted_before;
    if (counted >= recorded) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  report.calls[streams ? "RecordResults item" : "RecordResult"] = &record;
  report.figures["results_per_second"] = static_cast<double>(recorded) / report.seconds;
  report.figures["results_recorded"] = static_cast<double>(recorded);
  report.figures["counter_delta"] = static_cast<double>(counted);
  // And every counter against a recount from the results themselves.
  v1::RecountRequest recount_request;
  recount_request.set_programme_year(today.year());
  // (The consumer may still be applying the last events: a few tries.)
  v1::RecountResponse recount;
  for (int attempt = 0; attempt < 20; ++attempt) {
    grpc::ClientContext context;
    Check(progress->Recount(&context, recount_request, &recount), "Recount");
    if (recount.consistent()) break;
    absl::SleepFor(absl::Milliseconds(250));
  }
  report.figures["recount_consistent"] = recount.consistent() ? 1 : 0;
  report.figures["recount_counters_compared"] = recount.counters_compared();
  Print(report);
  if (counted != recorded) {
    std::fprintf(stderr, "screening-loadgen: the counter moved by %ld for %ld results\n",
                 static_cast<long>(counted), static_cast<long>(recorded));
    return 1;
  }
  if (!recount.consistent()) {
    for (const auto& d : recount.differences()) {
      std::fprintf(stderr, "screening-loadgen: %s is %ld, the recount %ld\n", d.metric().c_str(),
                   static_cast<long>(d.counter()), static_cast<long>(d.recount()));
    }
    return 1;
  }
  return 0;
}

int RunProgress() {
  auto channels = Channels();
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  v1::GetProgressRequest request;
  request.set_programme_year(absl::GetFlag(FLAGS_year));
  request.set_group_by(static_cast<v1::ProgressDimension>(absl::GetFlag(FLAGS_group_by)));
  Recorder get;
  std::atomic<int64_t> persons{0}, groups{0};
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::GetFlag(FLAGS_duration);
  RunClients(concurrency, [&](int c) {
    auto progress = v1::ProgressService::NewStub(channels[c % channels.size()]);
    while (absl::Now() < end) {
      v1::Progress answer;
      grpc::Status status = Timed(get, [&] {
        grpc::ClientContext context;
        return progress->GetProgress(&context, request, &answer);
      });
      if (status.ok()) {
        persons = answer.persons_screened();
        groups = answer.groups_size();
      }
    }
  });
  Report report{.scenario = "progress",
                .concurrency = concurrency,
                .seconds = absl::ToDoubleSeconds(absl::Now() - start)};
  report.calls["GetProgress"] = &get;
  report.figures["persons_screened"] = static_cast<double>(persons.load());
  report.figures["groups"] = static_cast<double>(groups.load());
  Print(report);
  return get.by_code.size() == 1 && get.by_code.count("OK") ? 0 : 1;
}

// Commit-to-watcher latencies in 0.1 ms buckets up to 10 s: a million
// samples cost no more memory than ten.
struct LatencyHistogram {
  static constexpr int kBuckets = 100000;
  std::vector<int64_t> counts = std::vector<int64_t>(kBuckets + 1, 0);
  int64_t total = 0;
  void Add(absl::Duration latency) {
    const int64_t bucket = std::clamp<int64_t>(
        static_cast<int64_t>(absl::ToDoubleMilliseconds(latency) * 10), 0, kBuckets);
    ++counts[bucket];
    ++total;
  }
  double PercentileMs(double p) const {
    int64_t seen = 0;
    const int64_t wanted = static_cast<int64_t>(std::ceil(p / 100.0 * total));
    for (int b = 0; b <= kBuckets; ++b) {
      seen += counts[b];
      if (seen >= wanted && seen > 0) return b / 10.0;
    }
    return 0;
  }
};

// Completion times from pgbench's per-transaction log (-l): the 5th and 6th
// fields are the epoch seconds and microseconds at which each ended.
std::vector<absl::Time> ReadCommitTimes(const std::string& path) {
  std::vector<absl::Time> times;
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) {
    std::fprintf(stderr, "screening-loadgen: cannot read %s\n", path.c_str());
    std::exit(1);
  }
  // One line per transaction; with --rate pgbench adds a seventh field.
  char line[256];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    long client, transaction, latency_us, script, seconds, micros;
    if (std::sscanf(line, "%ld %ld %ld %ld %ld %ld", &client, &transaction, &latency_us, &script,
                    &seconds, &micros) == 6) {
      times.push_back(absl::FromUnixMicros(seconds * 1000000 + micros));
    }
  }
  std::fclose(f);
  return times;
}

int RunWatch() {
  auto channels = Channels();
  auto progress = v1::ProgressService::NewStub(channels[0]);
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), HarbinTimeZone());
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const int watchers = absl::GetFlag(FLAGS_watchers);
  const double rate = absl::GetFlag(FLAGS_rate);
  const std::string commit_log = absl::GetFlag(FLAGS_commit_log);
  const CheckedInVisits set_up =
      commit_log.empty()
          ? SetUpCheckedInVisits(channels, concurrency, absl::GetFlag(FLAGS_residents))
          : CheckedInVisits{};
  const std::vector<v1::Booking>& ready = set_up.visits;
  const int64_t baseline = FourHighsScreened(*progress, today.year());

  // The watchers: each notes the four-highs count of every update and when
  // it arrived.
  std::vector<std::vector<std::pair<int64_t, absl::Time>>> seen(watchers);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts(watchers);
  for (auto& c : contexts) c = std::make_unique<grpc::ClientContext>();
  std::atomic<int> connected{0};
  std::vector<std::thread> watching;
  const std::string http_address = absl::GetFlag(FLAGS_http_address);
  std::atomic<bool> stop_watching{false};
  std::vector<std::unique_ptr<loadgen::HttpWatcher>> http_watchers;
  for (int w = 0; w < watchers && !http_address.empty(); ++w) {
    http_watchers.push_back(
        std::make_unique<loadgen::HttpWatcher>(http_address, static_cast<int>(today.year())));
  }
  for (int w = 0; w < watchers; ++w) {
    if (!http_address.empty()) {
      watching.emplace_back([&, w] {
        // As the console does: a stream that ends or fails is opened again.
        while (!stop_watching) {
          http_watchers[w]->Run([&](int64_t count) {
            seen[w].emplace_back(count, absl::Now());
            if (seen[w].size() == 1) ++connected;
          });
          if (!stop_watching) absl::SleepFor(absl::Milliseconds(100));
        }
      });
      continue;
    }
    watching.emplace_back([&, w] {
      auto stub = v1::ProgressService::NewStub(channels[w % channels.size()]);
      v1::WatchProgressRequest request;
      request.set_programme_year(today.year());
      auto stream = stub->WatchProgress(contexts[w].get(), request);
      v1::ProgressUpdate update;
      while (stream->Read(&update)) {
        int64_t count = 0;
        for (const auto& t : update.progress().by_type()) {
          if (t.screening_type() == v1::SCREENING_TYPE_FOUR_HIGHS) count = t.persons_screened();
        }
        seen[w].emplace_back(count, absl::Now());
        if (seen[w].size() == 1) ++connected;
      }
      stream->Finish().ok();
    });
  }
  for (int i = 0; i < 600 && connected < watchers; ++i) absl::SleepFor(absl::Milliseconds(100));
  std::fprintf(stderr, "%d watchers connected; recording...\n", connected.load());
  std::printf("watchers_connected %d\n", connected.load());
  std::fflush(stdout);

  // The recorders, paced to --rate results a second in all (0: flat out);
  // or, with --commit_log, someone else writes while the watchers watch.
  Recorder record;
  std::mutex completions_mu;
  std::vector<absl::Time> completions;
  std::atomic<size_t> next_visit{0};
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::GetFlag(FLAGS_duration);
  if (!commit_log.empty()) {
    absl::SleepFor(absl::GetFlag(FLAGS_duration) + absl::Seconds(5));
    completions = ReadCommitTimes(commit_log);
  }
  RunClients(commit_log.empty() ? concurrency : 0, [&](int c) {
    auto results = v1::ResultsService::NewStub(channels[c % channels.size()]);
    const absl::Duration interval =
        rate > 0 ? absl::Seconds(concurrency / rate) : absl::ZeroDuration();
    absl::Time due = start + interval * c / concurrency;
    while (absl::Now() < end) {
      if (rate > 0) {
        absl::SleepFor(due - absl::Now());
        due += interval;
      }
      const size_t i = next_visit++;
      if (i >= ready.size()) return;
      const v1::RecordResultRequest rr = FourHighsResult(ready[i], i);
      v1::Result result;
      grpc::Status status = Timed(record, [&] {
        grpc::ClientContext context;
        return results->RecordResult(&context, rr, &result);
      });
      if (status.ok()) {
        std::lock_guard<std::mutex> lock(completions_mu);
        completions.push_back(absl::Now());
      }
    }
  });
  const double seconds = commit_log.empty() ? absl::ToDoubleSeconds(absl::Now() - start)
                                            : absl::ToDoubleSeconds(absl::GetFlag(FLAGS_duration));
  absl::SleepFor(absl::Seconds(2));  // the last updates arrive
  for (auto& c : contexts) c->TryCancel();
  stop_watching = true;
  for (auto& h : http_watchers) h->Stop();
  for (auto& t : watching) t.join();

  // The k-th result counted committed no later than the k-th response
  // (commits and responses are close; an update that beat the response
  // counts as 0 ms).
  std::sort(completions.begin(), completions.end());
  LatencyHistogram latency;
  int64_t updates = 0, at_final = 0;
  const int64_t recorded = static_cast<int64_t>(completions.size());
  for (const auto& updates_seen : seen) {
    if (updates_seen.empty()) continue;
    int64_t previous = updates_seen.front().first - baseline;
    for (size_t u = 1; u < updates_seen.size(); ++u) {
      const int64_t now_counted = updates_seen[u].first - baseline;
      for (int64_t k = std::max<int64_t>(previous, 0); k < now_counted && k < recorded; ++k) {
        latency.Add(std::max(absl::ZeroDuration(), updates_seen[u].second - completions[k]));
      }
      previous = std::max(previous, now_counted);
      ++updates;
    }
    if (updates_seen.back().first - baseline == recorded) ++at_final;
  }
  Report report{.scenario = "watch", .concurrency = concurrency, .seconds = seconds};
  report.calls["RecordResult"] = &record;
  report.figures["results_per_second"] = static_cast<double>(recorded) / seconds;
  report.figures["watchers"] = static_cast<double>(watchers);
  report.figures["watchers_at_final_state"] = static_cast<double>(at_final);
  report.figures["updates_per_watcher"] = static_cast<double>(updates) / std::max(1, watchers);
  report.figures["commit_to_watcher_p50_ms"] = latency.PercentileMs(50);
  report.figures["commit_to_watcher_p99_ms"] = latency.PercentileMs(99);
  report.figures["commit_to_watcher_max_ms"] = latency.PercentileMs(100);
  Print(report);
  return at_final == watchers ? 0 : 1;
}

}  // namespace
}  // namespace screening

int main(int argc, char** argv) {
  screening::ShowFlagsOfFileInHelp(__FILE__);
  absl::SetProgramUsageMessage(
      "drives screeningd through its API and reports throughput and latency.\n"
      "usage: screening-loadgen --address=HOST:PORT "
      "--scenario=book|stampede|mixed|record|progress|watch|ping "
      "[--concurrency=32 --duration=20s ...]");
  absl::ParseCommandLine(argc, argv);
  const std::string scenario = absl::GetFlag(FLAGS_scenario);
  if (absl::GetFlag(FLAGS_salt) < -1 || absl::GetFlag(FLAGS_salt) > 38) {
    std::fprintf(stderr, "screening-loadgen: --salt must be 0 to 38\n");
    return 2;
  }
  if (absl::GetFlag(FLAGS_residents) < 1 || absl::GetFlag(FLAGS_residents) > 100000) {
    std::fprintf(stderr, "screening-loadgen: --residents must be 1 to 100000\n");
    return 2;
  }
  if (scenario == "book") return screening::RunBook();
  if (scenario == "ping") return screening::RunPing();
  if (scenario == "stampede") return screening::RunStampede();
  if (scenario == "mixed") return screening::RunMixed();
  if (scenario == "record") return screening::RunRecord();
  if (scenario == "progress") return screening::RunProgress();
  if (scenario == "watch") return screening::RunWatch();
  std::fprintf(stderr, "screening-loadgen: unknown scenario '%s'\n", scenario.c_str());
  return 2;
}
