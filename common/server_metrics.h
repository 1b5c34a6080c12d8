// The metrics of what runs below the gate: the database pools, the batches,
// the outbox consumers and the progress feed. One set per process: screeningd
// installs it when --metrics_listen is set (InstallServerMetrics), and each
// part records into ServerMetrics() when it is not null. Labels are bounded:
// pool and outbox names, batch kinds and SQL error classes, never a value of
// a request.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace screening {

class ServerMetrics {
 public:
  explicit ServerMetrics(prometheus::Registry& registry);

  // One connection pool's metrics (`pool`: the database role it logs in as).
  class Pool {
   public:
    // A connection was lent after waiting `waited` (`had_to_wait`: every
    // connection was busy when it was asked for).
    void Acquired(absl::Duration waited, bool had_to_wait);
    // No connection freed up within the pool's acquire timeout.
    void TimedOut();
    void Released() { in_use_.Decrement(); }
    // A statement failed: `sqlstate` (its class is the label), or "" when
    // the connection was lost.
    void StatementFailed(absl::string_view sqlstate);
    void ConnectionLost() { lost_.Increment(); }

   private:
    friend class ServerMetrics;
    Pool(ServerMetrics& metrics, const std::string& name, int size);
    ServerMetrics& metrics_;
    const std::string name_;
    prometheus::Gauge& in_use_;
    prometheus::Counter& waits_;
    prometheus::Counter& timeouts_;
    prometheus::Histogram& wait_seconds_;
    prometheus::Counter& lost_;
  };
  // The metrics of the pool `name` of `size` connections (kept for the
  // process's life).
  Pool& ForPool(const std::string& name, int size);

  // A batch of `kind` ("bookings", "results") stored `size` items in `elapsed`.
  void Batch(absl::string_view kind, size_t size, absl::Duration elapsed);
  // Items of a batch of `kind` that collided and were stored one by one.
  void BatchCollisions(absl::string_view kind, int items);

  // The consumer of `outbox` ("scheduling", "results") polled at `now`:
  // `pending` events were still to count (-1: not counted this time) and the
  // oldest of them was committed at `oldest` (InfiniteFuture: none).
  void OutboxPolled(absl::string_view outbox, absl::Time now, int64_t pending, absl::Time oldest);
  // It counted `events`, the last committed at `last_commit`, at `now`.
  void OutboxCounted(absl::string_view outbox, int events, absl::Time last_commit, absl::Time now);

  // Progress watchers (WatchProgress streams) connected, and updates sent.
  void WatcherConnected() { watchers_.Increment(); }
  void WatcherLeft() { watchers_.Decrement(); }
  void UpdateSent() { updates_sent_.Increment(); }

  // A text message's outcome: sent, retry, failed, expired, declined, no_phone.
  void NotificationOutcome(absl::string_view outcome);

  // A replica's turn at a background task that runs once a round across
  // replicas (common/task_rounds.h): it ran the round, or another had.
  void TaskRound(absl::string_view task, bool ran);

 private:
  prometheus::Family<prometheus::Gauge>& pool_size_;
  prometheus::Family<prometheus::Gauge>& pool_in_use_;
  prometheus::Family<prometheus::Counter>& pool_waits_;
  prometheus::Family<prometheus::Counter>& pool_timeouts_;
  prometheus::Family<prometheus::Histogram>& pool_wait_seconds_;
  prometheus::Family<prometheus::Counter>& statement_errors_;
  prometheus::Family<prometheus::Counter>& connections_lost_;
  prometheus::Family<prometheus::Histogram>& batch_size_;
  prometheus::Family<prometheus::Histogram>& batch_seconds_;
  prometheus::Family<prometheus::Counter>& batch_collisions_;
  prometheus::Family<prometheus::Gauge>& outbox_pending_;
  prometheus::Family<prometheus::Gauge>& outbox_oldest_age_;
  prometheus::Family<prometheus::Gauge>& outbox_last_poll_;
  prometheus::Family<prometheus::Gauge>& outbox_lag_;
  prometheus::Family<prometheus::Counter>& outbox_counted_;
  prometheus::Gauge& watchers_;
  prometheus::Counter& updates_sent_;
  prometheus::Family<prometheus::Counter>& notifications_;
  prometheus::Family<prometheus::Counter>& task_rounds_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Pool>> pools_ ABSL_GUARDED_BY(mu_);
};

// The process's ServerMetrics (null: none are kept). Installed once, before
// serving, and kept until the process exits.
void InstallServerMetrics(ServerMetrics* metrics);
ServerMetrics* GetServerMetrics();

}  // namespace screening
