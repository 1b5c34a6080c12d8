#include "common/server_metrics.h"

#include <atomic>

namespace screening {
namespace {

std::atomic<ServerMetrics*> g_metrics{nullptr};

// Waiting for a connection: from 100 µs (one was idle) to the 5 s timeout.
const prometheus::Histogram::BucketBoundaries& WaitBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5};
  return buckets;
}

const prometheus::Histogram::BucketBoundaries& SizeBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {1,  2,  4,   8,   16,
                                                                  32, 64, 128, 256, 512};
  return buckets;
}

const prometheus::Histogram::BucketBoundaries& BatchSecondsBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
  return buckets;
}

}  // namespace

void InstallServerMetrics(ServerMetrics* metrics) { g_metrics = metrics; }
ServerMetrics* GetServerMetrics() { return g_metrics.load(); }

ServerMetrics::ServerMetrics(prometheus::Registry& registry)
    : pool_size_(prometheus::BuildGauge()
                     .Name("screening_db_pool_size")
                     .Help("Connections a pool may open, by pool (its database role).")
                     .Register(registry)),
      pool_in_use_(prometheus::BuildGauge()
                       .Name("screening_db_connections_in_use")
                       .Help("Connections lent out now, by pool.")
                       .Register(registry)),
      pool_waits_(prometheus::BuildCounter()
                      .Name("screening_db_connection_waits_total")
                      .Help("Connections asked for when every one was busy, by pool.")
                      .Register(registry)),
      pool_timeouts_(prometheus::BuildCounter()
                         .Name("screening_db_connection_timeouts_total")
                         .Help("Calls refused UNAVAILABLE because no connection freed up in "
                               "time, by pool.")
                         .Register(registry)),
      pool_wait_seconds_(prometheus::BuildHistogram()
                             .Name("screening_db_connection_wait_seconds")
                             .Help("Time to get a connection from the pool, by pool.")
                             .Register(registry)),
      statement_errors_(prometheus::BuildCounter()
                            .Name("screening_db_statement_errors_total")
                            .Help("Statements that failed, by pool and SQLSTATE class "
                                  "(23 integrity, 40 rollback, 57 cancelled, 08 connection).")
                            .Register(registry)),
      connections_lost_(prometheus::BuildCounter()
                            .Name("screening_db_connections_lost_total")
                            .Help("Connections found broken (a restart, a failover, a cut), "
                                  "by pool.")
                            .Register(registry)),
      batch_size_(prometheus::BuildHistogram()
                      .Name("screening_batch_size")
                      .Help("Calls stored together in one batch, by kind (bookings, results).")
                      .Register(registry)),
      batch_seconds_(prometheus::BuildHistogram()
                         .Name("screening_batch_duration_seconds")
                         .Help("Time to check and store one batch, by kind.")
                         .Register(registry)),
      batch_collisions_(prometheus::BuildCounter()
                            .Name("screening_batch_collisions_total")
                            .Help("Items of a batch that collided (a full slot, a retry, an "
                                  "entitlement held) and were stored one by one, by kind.")
                            .Register(registry)),
      outbox_pending_(prometheus::BuildGauge()
                          .Name("screening_outbox_pending_events")
                          .Help("Committed events the progress consumer had not counted yet "
                                "when it last looked, by outbox.")
                          .Register(registry)),
      outbox_oldest_age_(prometheus::BuildGauge()
                             .Name("screening_outbox_oldest_pending_age_seconds")
                             .Help("Age of the oldest event not yet counted when the consumer "
                                   "last looked (0: none), by outbox.")
                             .Register(registry)),
      outbox_last_poll_(prometheus::BuildGauge()
                            .Name("screening_outbox_last_poll_timestamp_seconds")
                            .Help("When the consumer last read its outbox successfully, by "
                                  "outbox.")
                            .Register(registry)),
      outbox_lag_(prometheus::BuildGauge()
                      .Name("screening_outbox_consumer_lag_seconds")
                      .Help("From an event's commit to its counting, for the last event "
                            "counted, by outbox.")
                      .Register(registry)),
      outbox_counted_(prometheus::BuildCounter()
                          .Name("screening_outbox_events_counted_total")
                          .Help("Events the progress consumer counted, by outbox.")
                          .Register(registry)),
      watchers_(prometheus::BuildGauge()
                    .Name("screening_progress_watchers")
                    .Help("WatchProgress streams connected now (gRPC and HTTP).")
                    .Register(registry)
                    .Add({})),
      updates_sent_(prometheus::BuildCounter()
                        .Name("screening_progress_updates_total")
                        .Help("Progress updates offered to watchers.")
                        .Register(registry)
                        .Add({})),
      notifications_(prometheus::BuildCounter()
                         .Name("screening_notifications_total")
                         .Help("Text messages by outcome: sent, retry (the gateway failed; "
                               "tried again later), failed (given up), expired, declined, "
                               "no_phone.")
                         .Register(registry)),
      task_rounds_(prometheus::BuildCounter()
                       .Name("screening_task_rounds_total")
                       .Help("Turns of this replica at a background task that runs once a "
                             "round across replicas: ran (it ran the round) or skipped "
                             "(another replica had, within the interval).")
                       .Register(registry)) {}

void ServerMetrics::NotificationOutcome(absl::string_view outcome) {
  notifications_.Add({{"outcome", std::string(outcome)}}).Increment();
}

void ServerMetrics::TaskRound(absl::string_view task, bool ran) {
  task_rounds_.Add({{"task", std::string(task)}, {"outcome", ran ? "ran" : "skipped"}}).Increment();
}

ServerMetrics::Pool::Pool(ServerMetrics& metrics, const std::string& name, int size)
    : metrics_(metrics),
      name_(name),
      in_use_(metrics.pool_in_use_.Add({{"pool", name}})),
      waits_(metrics.pool_waits_.Add({{"pool", name}})),
      timeouts_(metrics.pool_timeouts_.Add({{"pool", name}})),
      wait_seconds_(metrics.pool_wait_seconds_.Add({{"pool", name}}, WaitBuckets())),
      lost_(metrics.connections_lost_.Add({{"pool", name}})) {
  metrics.pool_size_.Add({{"pool", name}}).Set(size);
}

ServerMetrics::Pool& ServerMetrics::ForPool(const std::string& name, int size) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Pool>& pool = pools_[name];
  if (!pool) pool.reset(new Pool(*this, name, size));
  return *pool;
}

void ServerMetrics::Pool::Acquired(absl::Duration waited, bool had_to_wait) {
  in_use_.Increment();
  if (had_to_wait) waits_.Increment();
  wait_seconds_.Observe(absl::ToDoubleSeconds(waited));
}

void ServerMetrics::Pool::TimedOut() {
  timeouts_.Increment();
  waits_.Increment();
}

void ServerMetrics::Pool::StatementFailed(absl::string_view sqlstate) {
  const std::string error_class =
      sqlstate.size() >= 2 ? std::string(sqlstate.substr(0, 2)) : std::string("connection");
  metrics_.statement_errors_.Add({{"pool", name_}, {"class", error_class}}).Increment();
}

void ServerMetrics::Batch(absl::string_view kind, size_t size, absl::Duration elapsed) {
  const std::string k(kind);
  batch_size_.Add({{"kind", k}}, SizeBuckets()).Observe(static_cast<double>(size));
  batch_seconds_.Add({{"kind", k}}, BatchSecondsBuckets()).Observe(absl::ToDoubleSeconds(elapsed));
}

void ServerMetrics::BatchCollisions(absl::string_view kind, int items) {
  batch_collisions_.Add({{"kind", std::string(kind)}}).Increment(items);
}

void ServerMetrics::OutboxPolled(absl::string_view outbox, absl::Time now, int64_t pending,
                                 absl::Time oldest) {
  const std::string o(outbox);
  if (pending >= 0) outbox_pending_.Add({{"outbox", o}}).Set(static_cast<double>(pending));
  outbox_oldest_age_.Add({{"outbox", o}})
      .Set(oldest == absl::InfiniteFuture() ? 0
                                            : std::max(0.0, absl::ToDoubleSeconds(now - oldest)));
  outbox_last_poll_.Add({{"outbox", o}}).Set(absl::ToUnixMicros(now) / 1e6);
}

void ServerMetrics::OutboxCounted(absl::string_view outbox, int events, absl::Time last_commit,
                                  absl::Time now) {
  const std::string o(outbox);
  outbox_counted_.Add({{"outbox", o}}).Increment(events);
  outbox_lag_.Add({{"outbox", o}}).Set(std::max(0.0, absl::ToDoubleSeconds(now - last_commit)));
}

}  // namespace screening
