// Several screeningd replicas on one database: the background tasks that
// must run once (the overdue sweep, the notifier) run one round an interval
// across them all, not one per replica, and go on when replicas stop.
#include <atomic>
#include <thread>
#include <vector>

#include <grpcpp/client_context.h>
#include "absl/strings/str_cat.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "common/task_rounds.h"
#include "tests/support/tcp_proxy.h"
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

// Reads that may lag go to --read_database_url (here the same server through
// a proxy standing for a standby) and say how far behind they may be; while
// it is down they come from the primary, and health does not fall with it.
TEST(LaggingReads, GoToTheStandbyAndFallBackToThePrimaryWhileItIsDown) {
  auto db = TestDatabase::Create("lagging_reads");
  ASSERT_TRUE(db.ok()) << db.status();
  TcpProxy standby("127.0.0.1", TestDatabase::ServerPort());
  FakeClock clock(DefaultTestNow());
  AppConfig config;
  config.read_database_url = absl::StrCat((*db)->url(), " host=127.0.0.1 port=", standby.port());
  auto server = TestServer::Start((*db)->url(), &clock, config);
  ASSERT_TRUE(server.ok()) << server.status();
  auto progress = [&](v1::Progress* out) {
    grpc::ClientContext context;
    return (*server)->progress().GetProgress(&context, v1::GetProgressRequest(), out);
  };
  auto residents = [&](v1::ListResidentsResponse* out) {
    v1::ListResidentsRequest request;
    request.set_district_code("230102");
    grpc::ClientContext context;
    return (*server)->registry().ListResidents(&context, request, out);
  };
  v1::Progress p;
  ASSERT_TRUE(progress(&p).ok());
  EXPECT_TRUE(p.has_staleness()) << "the answer says how far behind it may be";
  EXPECT_EQ(p.staleness().seconds(), 0) << "a server that is not in recovery lags by nothing";
  const int64_t through_standby = standby.connections();
  EXPECT_GT(through_standby, 0) << "progress was read through the standby's address";
  v1::ListResidentsResponse page;
  ASSERT_TRUE(residents(&page).ok());
  EXPECT_TRUE(page.has_staleness());
  v1::GetQuarterlyReportRequest draft;
  draft.set_programme_year(2025);
  draft.set_quarter(1);
  draft.set_draft(true);
  v1::QuarterlyReport report;
  {
    grpc::ClientContext context;
    ASSERT_TRUE((*server)->progress().GetQuarterlyReport(&context, draft, &report).ok());
  }
  EXPECT_TRUE(report.has_staleness());

  standby.Cut();
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(progress(&p).ok()) << "GetProgress falls back to the primary";
    EXPECT_TRUE(residents(&page).ok()) << "ListResidents falls back to the primary";
  }
  EXPECT_EQ(p.staleness().seconds(), 0);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse health;
  grpc::ClientContext context;
  ASSERT_TRUE((*server)->health().Check(&context, request, &health).ok());
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING)
      << "the primary serves: a standby down is not an outage";
}

}  // namespace
}  // namespace screening::testing
