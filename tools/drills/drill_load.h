// The load a drill runs under: clients that each, in a loop, register a
// resident, book today's four-highs screening, check her in and record her
// results, through the balancer, as a hospital's system would: every call
// that fails UNAVAILABLE (or passes its deadline) is repeated, with the same
// request_id, until it has an answer. What the service acknowledged is kept
// in a ledger, to be looked for afterwards.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "screening/v1/registry.grpc.pb.h"
#include "screening/v1/results.grpc.pb.h"
#include "screening/v1/scheduling.grpc.pb.h"

namespace screening::drill {

// What the service acknowledged, and when.
struct Ledger {
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> bookings;  // booking, slot
  std::vector<std::string> results;
  std::vector<absl::Time> acknowledged;    // every acknowledged write's answer time
  std::map<std::string, int64_t> refused;  // final answers other than OK, by method and code
  int64_t retried = 0;                     // UNAVAILABLE or deadline answers, tried again
  int64_t given_up = 0;                    // calls still without an answer at the end

  // The longest time between two acknowledged writes answered after `from`
  // (and from `from` to the first of them).
  absl::Duration LongestPauseAfter(absl::Time from);
  // Whether a write was acknowledged after `time`.
  bool AcknowledgedAfter(absl::Time time);
};

class DrillLoad {
 public:
  struct Options {
    std::string prefix;  // of this drill's hospitals and request ids
    int clients = 8;
    int small_places = 40;  // the slot that fills up (overbooking is looked for there)
    absl::Duration call_deadline = absl::Seconds(5);
    absl::Duration give_up_after = absl::Seconds(120);  // of retrying one call
  };

  DrillLoad(std::shared_ptr<grpc::Channel> channel, Options options);
  ~DrillLoad();

  // Makes today's two slots (one of `small_places`, one that never fills).
  absl::Status SetUp();
  void Start();
  // Lets each client finish the call it is on (with its retries), then joins.
  void Stop();

  Ledger& ledger() { return ledger_; }
  const std::string& small_slot() const { return small_slot_; }
  int small_places() const { return options_.small_places; }

 private:
  void RunClient(int client);
  // One visit: register, book, check in, record. Stops at a refusal.
  void Visit(int n, v1::RegistryService::Stub& registry, v1::SchedulingService::Stub& scheduling,
             v1::ResultsService::Stub& results);
  template <typename Call>
  grpc::Status UntilAnswered(const char* method, Call call);
  void Acknowledged();

  const std::shared_ptr<grpc::Channel> channel_;
  const Options options_;
  Ledger ledger_;
  std::string hospital_, small_slot_, big_slot_;
  int sequence_base_ = 0;
  std::atomic<int> next_{0};
  std::atomic<bool> stop_{false};
  std::vector<std::thread> clients_;
};

}  // namespace screening::drill
