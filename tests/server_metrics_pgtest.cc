// The metrics below the gate, each driven on purpose against a real
// PostgreSQL: a pool's connections in use, waits, timeouts, statement errors
// by class and lost connections; a batch's size and the items it stored
// alone; progress watchers and the updates offered to them.
#include "common/server_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "common/batch_span.h"
#include "common/batcher.h"
#include "common/db.h"
#include "services/progress/progress_feed.h"
#include "tests/support/test_database.h"

namespace screening {
namespace {

class ServerMetricsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto db = testing::TestDatabase::Create("server_metrics");
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = db->release();
  }
  static void TearDownTestSuite() { delete db_; }
  void SetUp() override { InstallServerMetrics(&metrics_); }
  void TearDown() override { InstallServerMetrics(nullptr); }

  // The value of the sample of `name` whose labels include every one of
  // `labels` (-1: none).
  double Value(const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    for (const auto& family : registry_.Collect()) {
      for (const auto& m : family.metric) {
        size_t matched = 0;
        for (const auto& l : m.label) {
          auto it = labels.find(l.name);
          matched += it != labels.end() && it->second == l.value;
        }
        if (matched != labels.size()) continue;
        if (family.name == name) {
          return family.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
        }
        if (family.name + "_count" == name) return m.histogram.sample_count;
        if (family.name + "_sum" == name) return m.histogram.sample_sum;
      }
    }
    return -1;
  }

  static testing::TestDatabase* db_;
  prometheus::Registry registry_;
  ServerMetrics metrics_{registry_};
};
testing::TestDatabase* ServerMetricsTest::db_ = nullptr;

TEST_F(ServerMetricsTest, APoolCountsItsLoansWaitsTimeoutsErrorsAndLostConnections) {
  db::Pool pool({.url = db_->url(),
                 .size = 1,
                 .acquire_timeout = absl::Milliseconds(100),
                 .name = "screening_test"});
  const std::map<std::string, std::string> of_pool = {{"pool", "screening_test"}};
  EXPECT_EQ(Value("screening_db_pool_size", of_pool), 1);
  int backend = 0;
  {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    EXPECT_EQ(Value("screening_db_connections_in_use", of_pool), 1);
    backend =
        pqxx::nontransaction(lease->connection()).exec1("SELECT pg_backend_pid()")[0].as<int>();
    // The one connection is lent: the next caller waits, then is refused.
    auto second = pool.Acquire();
    EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(Value("screening_db_connection_timeouts_total", of_pool), 1);
    EXPECT_EQ(Value("screening_db_connection_waits_total", of_pool), 1);
  }
  EXPECT_EQ(Value("screening_db_connections_in_use", of_pool), 0);
  EXPECT_EQ(Value("screening_db_connection_wait_seconds_count", of_pool), 1);

  // A statement the database refuses: counted by its SQLSTATE class (42:
  // syntax or access rule).
  absl::Status failed = db::TransactStatus(pool, [](pqxx::work& tx) {
    tx.exec("SELECT * FROM no_such_table");
    return absl::OkStatus();
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(
      Value("screening_db_statement_errors_total", {{"pool", "screening_test"}, {"class", "42"}}),
      1);

  // The server hangs up on the idle connection: found lost before it is lent.
  EXPECT_EQ(Value("screening_db_connections_lost_total", of_pool), 0);
  db_->QueryInt("SELECT pg_terminate_backend(" + std::to_string(backend) + ")::int");
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_TRUE(db::TransactStatus(pool, [](pqxx::work& tx) {
                tx.exec("SELECT 1");
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(Value("screening_db_connections_lost_total", of_pool), 1);
  EXPECT_EQ(Value("screening_db_connections_in_use", of_pool), 0);
}

TEST_F(ServerMetricsTest, ABatchCountsItsSizeTimeAndTheItemsStoredAlone) {
  {
    BatchSpan span("bookings", {"a", "b", "c"});
    // The second item collides; the rest go together, it goes alone.
    std::vector<int> outcomes = TogetherThenOneByOne<int>(
        3, 3,
        [](const std::vector<size_t>& indexes,
           std::vector<bool>* collided) -> std::optional<std::vector<int>> {
          for (size_t k = 0; k < indexes.size(); ++k) {
            if (indexes[k] == 1) {
              (*collided)[k] = true;
              return std::nullopt;
            }
          }
          return std::vector<int>(indexes.size(), 1);
        },
        [](size_t) { return 2; });
    EXPECT_EQ(outcomes, (std::vector<int>{1, 2, 1}));
  }
  EXPECT_EQ(Value("screening_batch_size_count", {{"kind", "bookings"}}), 1);
  EXPECT_EQ(Value("screening_batch_size_sum", {{"kind", "bookings"}}), 3);
  EXPECT_EQ(Value("screening_batch_duration_seconds_count", {{"kind", "bookings"}}), 1);
  EXPECT_EQ(Value("screening_batch_collisions_total", {{"kind", "bookings"}}), 1);
  // A lone item run alone is not a collision.
  {
    BatchSpan span("results", {"a"});
    TogetherThenOneByOne<int>(
        1, 3, [](const std::vector<size_t>&, std::vector<bool>*) { return std::nullopt; },
        [](size_t) { return 1; });
  }
  EXPECT_EQ(Value("screening_batch_collisions_total", {{"kind", "results"}}), -1);
  EXPECT_EQ(Value("screening_batch_size_count", {{"kind", "results"}}), 1);
}

struct CountingWatcher : progress::ProgressFeed::Watcher {
  std::atomic<int> offers{0};
  void Offer(std::shared_ptr<const v1::ProgressUpdate>) override { ++offers; }
  void Close() override {}
};

TEST_F(ServerMetricsTest, WatchersAndTheUpdatesOfferedToThem) {
  std::atomic<int> value{0};
  progress::ProgressFeed feed(
      [&](const progress::ProgressFeed::Key&) -> absl::StatusOr<v1::Progress> {
        v1::Progress p;
        p.set_offset(std::to_string(value.load()));
        return p;
      },
      [&]() -> absl::StatusOr<std::string> { return std::to_string(value.load()); },
      absl::Seconds(10), absl::Milliseconds(1));
  feed.Start();
  const progress::ProgressFeed::Key key{2025, v1::PROGRESS_DIMENSION_UNSPECIFIED};
  CountingWatcher a, b;
  ASSERT_TRUE(feed.Subscribe(key, "", &a).ok());
  ASSERT_TRUE(feed.Subscribe(key, "", &b).ok());
  EXPECT_EQ(Value("screening_progress_watchers"), 2);
  EXPECT_EQ(Value("screening_progress_updates_total"), 2);  // each its snapshot
  value = 1;
  feed.Changed();
  for (int i = 0; i < 100 && b.offers < 2; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(Value("screening_progress_updates_total"), 4);
  feed.Unsubscribe(key, &a);
  feed.Unsubscribe(key, &a);  // twice: counted once
  EXPECT_EQ(Value("screening_progress_watchers"), 1);
  feed.Unsubscribe(key, &b);
  EXPECT_EQ(Value("screening_progress_watchers"), 0);
  feed.Stop();
}

}  // namespace
}  // namespace screening
