// screening-drill: proves on tools/cluster that a fault loses no write the
// service acknowledged. For each drill, under a load of bookings and results
// through the balancer (drill_load.h), it causes one fault with tools/cluster,
// waits for writes to flow again, repairs the fault, and checks:
//   - every acknowledged booking and result is found (GetBooking, GetResult);
//   - the slot that filled up holds no more acknowledged bookings than places,
//     and its counter agrees;
//   - the progress counters equal a recount of the results (Recount);
//   - the longest pause in acknowledged writes from the fault on.
// It prints one report per drill and exits 1 if any target is missed:
// nothing lost, nothing overbooked, the recount consistent, and writes back
// within --max_pause.
//
// Drills (--drills, comma-separated; tools/drill runs them):
//   primary-kill     kill -9 the primary's keeper and PostgreSQL (failover)
//   replica-kill     kill -9 screeningd replica 2
//   standby-stop     stop the synchronous standby (writes go on without it)
//   monitor-restart  restart pg_auto_failover's monitor
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/help_flags.h"
#include "screening/v1/progress.grpc.pb.h"
#include "tools/drills/drill_load.h"

ABSL_FLAG(std::string, address, "127.0.0.1:55400", "The balancer's gRPC address.");
ABSL_FLAG(std::string, cluster, "tools/cluster", "The tools/cluster script that causes faults.");
ABSL_FLAG(std::string, drills, "primary-kill,replica-kill,standby-stop,monitor-restart",
          "The drills to run, in order.");
ABSL_FLAG(int, clients, 8, "Concurrent clients of the load.");
ABSL_FLAG(int, small_places, 40, "Places in the slot that fills up.");
ABSL_FLAG(absl::Duration, before, absl::Seconds(5), "Load before the fault.");
ABSL_FLAG(absl::Duration, after, absl::Seconds(5),
          "Load after the cluster is whole again, before the checks.");
ABSL_FLAG(absl::Duration, max_pause, absl::Seconds(30),
          "The longest pause in acknowledged writes a drill may see.");

namespace screening::drill {
namespace {

// Runs tools/cluster with `args`; its output's last line (the node it acted on).
absl::StatusOr<std::string> Cluster(const std::string& args) {
  const std::string command = absl::StrCat(absl::GetFlag(FLAGS_cluster), " ", args, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError(absl::StrCat("cannot run ", command));
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int rc = pclose(pipe);
  if (rc != 0) return absl::InternalError(absl::StrCat(command, " failed: ", output));
  std::vector<std::string> lines =
      absl::StrSplit(absl::StripTrailingAsciiWhitespace(output), '\n', absl::SkipEmpty());
  return lines.empty() ? "" : lines.back();
}

struct Drill {
  std::string name;
  std::string fault;                                      // tools/cluster arguments
  std::function<std::string(const std::string&)> repair;  // from the fault's output
};

std::vector<Drill> AllDrills() {
  return {
      {"primary-kill", "kill-node primary",
       [](const std::string& node) { return "start-node " + node; }},
      {"replica-kill", "kill-replica 2", [](const std::string&) { return "start-replica 2"; }},
      {"standby-stop", "stop-node standby",
       [](const std::string& node) { return "start-node " + node; }},
      {"monitor-restart", "restart-monitor", [](const std::string&) { return ""; }},
  };
}

struct Findings {
  int64_t bookings = 0, bookings_found = 0, results = 0, results_found = 0, unchecked = 0;
  int64_t small_acknowledged = 0, small_booked = -1;
  bool recount_consistent = false;
  int counters = 0;
  std::string differences;  // of an inconsistent recount
  int64_t lost() const { return bookings - bookings_found + results - results_found - unchecked; }
};

// Looks up every acknowledged write; `unchecked` counts lookups without an answer.
Findings Check(grpc::Channel& channel, DrillLoad& load) {
  auto scheduling = v1::SchedulingService::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  auto results =
      v1::ResultsService::NewStub(std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  auto progress =
      v1::ProgressService::NewStub(std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  Findings f;
  auto ask = [&](auto call) {
    for (int attempt = 0;; ++attempt) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
      grpc::Status status = call(context);
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE || attempt == 50) return status;
      absl::SleepFor(absl::Milliseconds(200));
    }
  };
  Ledger& ledger = load.ledger();
  std::lock_guard<std::mutex> lock(ledger.mu);
  for (const auto& [name, slot] : ledger.bookings) {
    ++f.bookings;
    f.small_acknowledged += slot == load.small_slot();
    v1::GetBookingRequest request;
    request.set_name(name);
    v1::Booking booking;
    grpc::Status status =
        ask([&](grpc::ClientContext& c) { return scheduling->GetBooking(&c, request, &booking); });
    if (status.ok()) ++f.bookings_found;
    if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) ++f.unchecked;
  }
  for (const std::string& name : ledger.results) {
    ++f.results;
    v1::GetResultRequest request;
    request.set_name(name);
    v1::Result result;
    grpc::Status status =
        ask([&](grpc::ClientContext& c) { return results->GetResult(&c, request, &result); });
    if (status.ok()) ++f.results_found;
    if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) ++f.unchecked;
  }
  // The small slot's counter, from a search of its day.
  v1::SearchSlotsRequest search;
  search.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
  search.set_page_size(1000);
  const std::string day = absl::FormatTime("%Y-%m-%d", absl::Now(), absl::FixedTimeZone(8 * 3600));
  search.set_start_date(day);
  search.set_end_date(day);
  for (;;) {
    v1::SearchSlotsResponse page;
    if (!ask([&](grpc::ClientContext& c) {
           return scheduling->SearchSlots(&c, search, &page);
         }).ok())
      break;
    for (const auto& slot : page.slots()) {
      if (slot.name() == load.small_slot()) f.small_booked = slot.booked();
    }
    if (page.next_page_token().empty()) break;
    search.set_page_token(page.next_page_token());
  }
  // The consumer may still be counting the last events: a few tries.
  for (const absl::Time end = absl::Now() + absl::Seconds(20); absl::Now() < end;) {
    v1::RecountResponse recount;
    if (ask([&](grpc::ClientContext& c) {
          return progress->Recount(&c, v1::RecountRequest(), &recount);
        }).ok()) {
      f.recount_consistent = recount.consistent();
      f.counters = recount.counters_compared();
      f.differences.clear();
      for (const auto& d : recount.differences()) {
        absl::StrAppend(&f.differences, f.differences.empty() ? "" : ", ", d.metric(), " counted ",
                        d.counter(), " recounted ", d.recount());
      }
      if (recount.consistent()) break;
    }
    absl::SleepFor(absl::Milliseconds(500));
  }
  return f;
}

// One drill; true when every target held.
bool Run(const Drill& drill, std::shared_ptr<grpc::Channel> channel) {
  std::printf("== drill %s\n", drill.name.c_str());
  if (absl::StatusOr<std::string> healthy = Cluster("wait-healthy 180"); !healthy.ok()) {
    std::printf("   the cluster is not whole before the drill: %s\n",
                std::string(healthy.status().message()).c_str());
    return false;
  }
  DrillLoad load(channel, {.prefix = absl::StrCat("DR", absl::ToUnixSeconds(absl::Now()) % 1000000),
                           .clients = absl::GetFlag(FLAGS_clients),
                           .small_places = absl::GetFlag(FLAGS_small_places)});
  if (absl::Status set_up = load.SetUp(); !set_up.ok()) {
    std::printf("   set-up failed: %s\n", set_up.ToString().c_str());
    return false;
  }
  load.Start();
  absl::SleepFor(absl::GetFlag(FLAGS_before));
  const absl::Time fault_time = absl::Now();
  absl::StatusOr<std::string> faulted = Cluster(drill.fault);
  if (!faulted.ok()) {
    load.Stop();
    std::printf("   the fault failed: %s\n", std::string(faulted.status().message()).c_str());
    return false;
  }
  std::printf("   fault: tools/cluster %s%s\n", drill.fault.c_str(),
              faulted->empty() ? "" : absl::StrCat(" (", *faulted, ")").c_str());
  // Writes flow again: one acknowledged at least 2 s after the fault.
  const absl::Time give_up = fault_time + absl::Seconds(120);
  while (absl::Now() < give_up && !load.ledger().AcknowledgedAfter(fault_time + absl::Seconds(2))) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  const std::string repair = drill.repair(*faulted);
  if (!repair.empty()) {
    if (absl::StatusOr<std::string> repaired = Cluster(repair); !repaired.ok()) {
      std::printf("   the repair failed: %s\n", std::string(repaired.status().message()).c_str());
    }
  }
  const bool whole = Cluster("wait-healthy 180").ok();
  absl::SleepFor(absl::GetFlag(FLAGS_after));
  load.Stop();
  const absl::Duration pause = load.ledger().LongestPauseAfter(fault_time);
  const Findings f = Check(*channel, load);
  const int64_t overbooked = std::max<int64_t>(0, f.small_acknowledged - load.small_places());
  std::printf("   acknowledged: %lld bookings, %lld results (%lld writes in all)\n",
              static_cast<long long>(f.bookings), static_cast<long long>(f.results),
              static_cast<long long>(load.ledger().acknowledged.size()));
  std::printf("   found: %lld bookings, %lld results; lost: %lld; not checked: %lld\n",
              static_cast<long long>(f.bookings_found), static_cast<long long>(f.results_found),
              static_cast<long long>(f.lost()), static_cast<long long>(f.unchecked));
  std::printf(
      "   full slot: %lld acknowledged bookings for %d places, its counter %lld; overbooked: "
      "%lld\n",
      static_cast<long long>(f.small_acknowledged), load.small_places(),
      static_cast<long long>(f.small_booked), static_cast<long long>(overbooked));
  std::printf("   recount: %s (%d counters)%s\n",
              f.recount_consistent ? "consistent" : "INCONSISTENT", f.counters,
              f.differences.empty() ? "" : absl::StrCat(": ", f.differences).c_str());
  std::printf("   longest pause in acknowledged writes from the fault: %.1f s\n",
              absl::ToDoubleSeconds(pause));
  std::vector<std::string> refused;
  for (const auto& [what, count] : load.ledger().refused)
    refused.push_back(absl::StrCat(what, ": ", count));
  std::printf("   retried (UNAVAILABLE or deadline): %lld; given up: %lld; final refusals: %s\n",
              static_cast<long long>(load.ledger().retried),
              static_cast<long long>(load.ledger().given_up),
              refused.empty() ? "none" : absl::StrJoin(refused, ", ").c_str());
  const bool ok = f.lost() == 0 && f.unchecked == 0 && overbooked == 0 &&
                  f.small_booked == f.small_acknowledged && f.recount_consistent &&
                  pause <= absl::GetFlag(FLAGS_max_pause) && load.ledger().given_up == 0 && whole;
  std::printf("   %s\n", ok ? "PASS" : "FAIL");
  return ok;
}

}  // namespace
}  // namespace screening::drill

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Fault drills on tools/cluster under load: nothing acknowledged may be lost.\n"
      "  screening-drill --address=127.0.0.1:55400 --cluster=tools/cluster "
      "--drills=primary-kill,replica-kill");
  screening::ShowFlagsOfFileInHelp(__FILE__);
  absl::ParseCommandLine(argc, argv);
  auto channel =
      grpc::CreateChannel(absl::GetFlag(FLAGS_address), grpc::InsecureChannelCredentials());
  std::map<std::string, screening::drill::Drill> known;
  for (auto& d : screening::drill::AllDrills()) known[d.name] = d;
  bool all_ok = true;
  for (absl::string_view name :
       absl::StrSplit(absl::GetFlag(FLAGS_drills), ',', absl::SkipEmpty())) {
    auto it = known.find(std::string(name));
    if (it == known.end()) {
      std::fprintf(stderr, "screening-drill: unknown drill %s\n", std::string(name).c_str());
      return 2;
    }
    all_ok = screening::drill::Run(it->second, channel) && all_ok;
    std::fflush(stdout);
  }
  return all_ok ? 0 : 1;
}
