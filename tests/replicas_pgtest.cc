// Several screeningd replicas on one database: the background tasks that
// must run once (the overdue sweep, the notifier) run one round an interval
// across them all, not one per replica, and go on when replicas stop.
#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/task_rounds.h"
#include "tests/support/test_database.h"
#include "tests/support/test_server.h"

#include <gtest/gtest.h>

namespace screening::testing {
namespace {

TEST(TaskRounds, ReplicasClaimingAtOnceRunOneRoundAnInterval) {
  auto db = TestDatabase::Create("task_rounds");
  ASSERT_TRUE(db.ok()) << db.status();
  db::Pool pool({.url = (*db)->url(), .size = 8});
  constexpr absl::Duration kInterval = absl::Milliseconds(100);
  constexpr absl::Duration kRun = absl::Milliseconds(1000);
  std::atomic<int> claimed{0}, failed{0};
  std::vector<std::thread> replicas;
  const absl::Time end = absl::Now() + kRun;
  for (int r = 0; r < 8; ++r) {
    replicas.emplace_back([&] {
      while (absl::Now() < end) {
        absl::StatusOr<bool> mine =
            ClaimTaskRound(pool, "results.task_rounds", "overdue_sweep", kInterval);
        if (!mine.ok()) ++failed;
        if (mine.ok() && *mine) ++claimed;
        absl::SleepFor(absl::Milliseconds(5));
      }
    });
  }
  for (auto& t : replicas) t.join();
  EXPECT_EQ(failed.load(), 0);
  // One round per 90 ms at most (a round is due at 90 % of the interval):
  // 12 in a second, where eight replicas each running their own would be 80.
  EXPECT_LE(claimed.load(), 12);
  EXPECT_GE(claimed.load(), 5);
  EXPECT_EQ((*db)->QueryInt("SELECT rounds FROM results.task_rounds WHERE task = 'overdue_sweep'"),
            claimed.load())
      << "the table counts each claimed round once";
  // Another task's rounds are its own.
  absl::StatusOr<bool> other = ClaimTaskRound(pool, "results.task_rounds", "other", kInterval);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_TRUE(*other);
}

TEST(Replicas, ThreeServersSweepAndNotifyOnceARoundAndGoOnWithOne) {
  auto db = TestDatabase::Create("replicas");
  ASSERT_TRUE(db.ok()) << db.status();
  FakeClock clock(DefaultTestNow());
  AppConfig config;
  config.overdue_sweep_interval = absl::Milliseconds(100);
  config.notifier.poll_interval = absl::Milliseconds(100);
  std::vector<std::unique_ptr<TestServer>> servers;
  for (int i = 0; i < 3; ++i) {
    auto server = TestServer::Start((*db)->url(), &clock, config);
    ASSERT_TRUE(server.ok()) << server.status();
    servers.push_back(*std::move(server));
  }
  auto rounds = [&] {
    return std::make_pair(
        (*db)->QueryInt("SELECT coalesce(max(rounds), 0) FROM results.task_rounds "
                        "WHERE task = 'overdue_sweep'"),
        (*db)->QueryInt("SELECT coalesce(max(rounds), 0) FROM notify.task_rounds "
                        "WHERE task = 'notifier'"));
  };
  const auto before = rounds();
  absl::SleepFor(absl::Seconds(2));
  const auto after = rounds();
  // One round per 90 ms at most across the three: 23 in two seconds (and a
  // round's own time stretches the period), where one round per replica
  // would be 60.
  EXPECT_LE(after.first - before.first, 24) << "overdue sweep rounds";
  EXPECT_GE(after.first - before.first, 8) << "overdue sweep rounds";
  EXPECT_LE(after.second - before.second, 24) << "notifier rounds";
  EXPECT_GE(after.second - before.second, 8) << "notifier rounds";

  // Two replicas go; the last one goes on with both tasks.
  servers[0]->app().Shutdown(absl::Seconds(1));
  servers[1]->app().Shutdown(absl::Seconds(1));
  const auto alone = rounds();
  absl::SleepFor(absl::Seconds(1));
  const auto later = rounds();
  EXPECT_GE(later.first - alone.first, 4) << "the remaining replica sweeps";
  EXPECT_GE(later.second - alone.second, 4) << "the remaining replica notifies";
}

}  // namespace
}  // namespace screening::testing
