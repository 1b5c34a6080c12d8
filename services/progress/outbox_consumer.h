// Feeds the progress counters from the results service's outbox, through its
// gRPC API, on a thread of its own. Several replicas may run one each: the
// offset row lock lets one apply a batch at a time, and each event counts once.
#pragma once

#include <functional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/peers.h"
#include "services/progress/progress_store.h"

namespace screening::progress {

class OutboxConsumer {
 public:
  // `on_applied` runs after each pass that applied events (the live feed
  // publishes then instead of waiting for its poll).
  OutboxConsumer(ProgressStore& store, const Peers& peers, absl::Duration poll_interval,
                 std::function<void()> on_applied = nullptr);
  ~OutboxConsumer();  // stops the thread

  void Start();
  void Stop();

  // Applies every waiting batch once; returns how many events were applied.
  // The thread calls this; tests may too.
  absl::StatusOr<int> Drain();

 private:
  void Run();

  ProgressStore& store_;
  const Peers& peers_;
  const absl::Duration poll_interval_;
  const std::function<void()> on_applied_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace screening::progress
