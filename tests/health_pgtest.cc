// Health follows the database: NOT_SERVING while it is unreachable, SERVING
// again when it returns, with no restart; calls meanwhile fail UNAVAILABLE.
#include <grpcpp/client_context.h>
#include <grpcpp/server_builder.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <pqxx/pqxx>
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

#include "tests/support/grpc_matchers.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/test_database.h"
#include "tests/support/test_server.h"

namespace screening::testing {
namespace {

using Health = grpc::health::v1::HealthCheckResponse;

Health::ServingStatus Check(TestServer& server, const std::string& service) {
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  Health response;
  grpc::Status status = server.health().Check(&context, request, &response);
  return status.ok() ? response.status() : Health::UNKNOWN;
}

bool WaitFor(TestServer& server, Health::ServingStatus want) {
  for (int i = 0; i < 100; ++i) {
    if (Check(server, "") == want) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return false;
}

// GET /healthz on the HTTP face: its status code and body ("" when unanswered).
std::pair<int, std::string> HttpHealth(TestServer& server) {
  httplib::Client client("127.0.0.1", server.app().http_port());
  auto response = client.Get("/healthz");
  if (!response) return {0, ""};
  return {response->status, response->body};
}

TEST(Health, FollowsTheDatabaseDownAndBackUp) {
  auto db = TestDatabase::Create("health");
  ASSERT_TRUE(db.ok()) << db.status();
  TcpProxy proxy("127.0.0.1", TestDatabase::ServerPort());
  FakeClock clock(DefaultTestNow());
  AppConfig config;
  config.health_interval = absl::Milliseconds(100);
  config.http_listen = "127.0.0.1:0";  // its /healthz answers as gRPC health does
  // libpq takes the last of repeated settings: the proxy's port wins.
  auto server = TestServer::Start(absl::StrCat((*db)->url(), " host=127.0.0.1 port=", proxy.port()),
                                  &clock, config);
  ASSERT_TRUE(server.ok()) << server.status();

  EXPECT_TRUE(WaitFor(**server, Health::SERVING));
  EXPECT_EQ(Check(**server, "screening.v1.SchedulingService"), Health::SERVING);
  EXPECT_EQ(Check(**server, "screening.internal.v1.ResultsInternalService"), Health::SERVING);
  EXPECT_EQ(HttpHealth(**server), std::make_pair(200, std::string("{\"status\":\"SERVING\"}\n")));

  proxy.Cut();
  EXPECT_TRUE(WaitFor(**server, Health::NOT_SERVING));
  EXPECT_EQ(Check(**server, "screening.v1.RegistryService"), Health::NOT_SERVING);
  EXPECT_EQ(HttpHealth(**server),
            std::make_pair(503, std::string("{\"status\":\"NOT_SERVING\"}\n")));
  {
    grpc::ClientContext context;
    v1::GetProgressRequest request;
    v1::Progress progress;
    EXPECT_THAT((*server)->progress().GetProgress(&context, request, &progress),
                GrpcIs(grpc::StatusCode::UNAVAILABLE));
  }

  proxy.Restore();
  EXPECT_TRUE(WaitFor(**server, Health::SERVING));
  EXPECT_EQ(HttpHealth(**server).first, 200);
  grpc::ClientContext context;
  v1::GetProgressRequest request;
  v1::Progress progress;
  EXPECT_TRUE((*server)->progress().GetProgress(&context, request, &progress).ok());
}

TEST(Health, AfterTheDatabaseReturnsEveryCallWorksAndHealthFollowsTheFirst) {
  // Pings are an hour apart here: health can only follow what calls find.
  auto db = TestDatabase::Create("health_return");
  ASSERT_TRUE(db.ok()) << db.status();
  TcpProxy proxy("127.0.0.1", TestDatabase::ServerPort());
  FakeClock clock(DefaultTestNow());
  AppConfig config;
  config.health_interval = absl::Hours(1);
  auto server = TestServer::Start(absl::StrCat((*db)->url(), " host=127.0.0.1 port=", proxy.port()),
                                  &clock, config);
  ASSERT_TRUE(server.ok()) << server.status();
  auto progress = [&] {
    grpc::ClientContext context;
    v1::GetProgressRequest request;
    v1::Progress out;
    return (*server)->progress().GetProgress(&context, request, &out);
  };
  // Several connections in the pool, all idle.
  std::vector<std::thread> warm;
  for (int i = 0; i < 6; ++i) warm.emplace_back([&] { EXPECT_TRUE(progress().ok()); });
  for (auto& t : warm) t.join();
  ASSERT_EQ(Check(**server, ""), Health::SERVING);

  proxy.Cut();  // every pooled connection is gone, as after a restart
  EXPECT_THAT(progress(), GrpcIs(grpc::StatusCode::UNAVAILABLE));
  EXPECT_EQ(Check(**server, ""), Health::NOT_SERVING) << "the failed call took health down";

  proxy.Restore();
  int failed = 0;
  for (int i = 0; i < 20; ++i) failed += !progress().ok();
  EXPECT_EQ(failed, 0) << "no call finds a dead pooled connection";
  // Within moments (pings are an hour apart): the other pools were pinged as
  // soon as one was back.
  EXPECT_TRUE(WaitFor(**server, Health::SERVING)) << "health followed the first call that worked";
}

}  // namespace
}  // namespace screening::testing

namespace screening::testing {
namespace {

// A caller's deadline bounds the work done for it: a statement still waiting
// when the deadline passes is cancelled, and its change never lands.
TEST(Deadlines, DatabaseWorkStopsWhenTheCallerGivesUp) {
  auto db = TestDatabase::Create("deadlines");
  ASSERT_TRUE(db.ok()) << db.status();
  FakeClock clock(DefaultTestNow());
  auto server = TestServer::Start((*db)->url(), &clock);
  ASSERT_TRUE(server.ok()) << server.status();
  v1::UpsertHospitalRequest hospital;
  hospital.mutable_hospital()->set_code("DL-H1");
  hospital.mutable_hospital()->set_display_name("期限医院");
  hospital.mutable_hospital()->add_screenings(v1::SCREENING_TYPE_GASTRIC);
  hospital.mutable_hospital()->set_district_code("230102");
  v1::Hospital h;
  {
    grpc::ClientContext context;
    ASSERT_TRUE((*server)->scheduling().UpsertHospital(&context, hospital, &h).ok());
  }
  v1::SetCapacityRequest capacity;
  capacity.set_hospital("hospitals/DL-H1");
  capacity.set_date("2025-03-10");
  capacity.set_screening_type(v1::SCREENING_TYPE_GASTRIC);
  capacity.set_capacity(5);
  v1::Slot slot;
  {
    grpc::ClientContext context;
    ASSERT_TRUE((*server)->scheduling().SetCapacity(&context, capacity, &slot).ok());
  }
  pqxx::connection lock_conn((*db)->url());
  pqxx::work lock(lock_conn);
  lock.exec("SELECT * FROM scheduling.slots FOR UPDATE");

  capacity.set_capacity(9);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  EXPECT_THAT((*server)->scheduling().SetCapacity(&context, capacity, &slot),
              GrpcIs(grpc::StatusCode::DEADLINE_EXCEEDED));
  // The server's statement gives up too, while the lock is still held.
  bool waiting = true;
  for (int i = 0; i < 40 && waiting; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    waiting = (*db)->QueryInt(
                  "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                  " AND query LIKE '%scheduling.slots%'") > 0;
  }
  EXPECT_FALSE(waiting) << "the statement kept waiting after the caller's deadline";
  lock.commit();
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ((*db)->QueryInt("SELECT capacity FROM scheduling.slots"), 5);
}

}  // namespace
}  // namespace screening::testing

namespace screening::testing {
namespace {

// A registry that never answers: it holds each call until the caller gives up.
grpc::Status Hold(grpc::ServerContext* context) {
  while (!context->IsCancelled()) absl::SleepFor(absl::Milliseconds(20));
  return grpc::Status::CANCELLED;
}
class FrozenRegistryInternal final : public internal::v1::RegistryInternalService::Service {
  grpc::Status BatchCheckEligibility(grpc::ServerContext* context,
                                     const internal::v1::BatchCheckEligibilityRequest*,
                                     internal::v1::BatchCheckEligibilityResponse*) override {
    return Hold(context);
  }
};
class FrozenRegistry final : public v1::RegistryService::Service {
  grpc::Status CheckEligibility(grpc::ServerContext* context, const v1::CheckEligibilityRequest*,
                                v1::CheckEligibilityResponse*) override {
    return Hold(context);
  }
};

TEST(Deadlines, AFrozenPeerIsAnOutageNotTheCallersDeadline) {
  // Scheduling caps its wait on the registry at 5 s. A booking whose own
  // deadline is 30 s used to get DEADLINE_EXCEEDED then, which a client
  // reads as its own deadline and does not retry; it is UNAVAILABLE.
  FrozenRegistry frozen;
  FrozenRegistryInternal frozen_internal;
  int registry_port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &registry_port);
  builder.RegisterService(&frozen);
  builder.RegisterService(&frozen_internal);
  std::unique_ptr<grpc::Server> registry = builder.BuildAndStart();
  ASSERT_NE(registry, nullptr);

  auto db = TestDatabase::Create("frozen_peer");
  ASSERT_TRUE(db.ok()) << db.status();
  FakeClock clock(DefaultTestNow());
  AppConfig config;
  config.services = {"admin", "scheduling"};
  config.registry_address = absl::StrCat("127.0.0.1:", registry_port);
  auto server = TestServer::Start((*db)->url(), &clock, config);
  ASSERT_TRUE(server.ok()) << server.status();
  v1::UpsertHospitalRequest h;
  h.mutable_hospital()->set_code("FROZEN-H1");
  h.mutable_hospital()->set_display_name("冻结医院");
  h.mutable_hospital()->add_screenings(v1::SCREENING_TYPE_FOUR_HIGHS);
  h.mutable_hospital()->set_district_code("230102");
  v1::Hospital hospital;
  {
    grpc::ClientContext context;
    ASSERT_TRUE((*server)->scheduling().UpsertHospital(&context, h, &hospital).ok());
  }
  v1::SetCapacityRequest capacity;
  capacity.set_hospital("hospitals/FROZEN-H1");
  capacity.set_date("2025-03-11");
  capacity.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
  capacity.set_capacity(2);
  v1::Slot slot;
  {
    grpc::ClientContext context;
    ASSERT_TRUE((*server)->scheduling().SetCapacity(&context, capacity, &slot).ok());
  }
  // A lone booking, and four at once (they ask the registry in one batch):
  // each gets UNAVAILABLE after the 5 s cap, not after one more cap each.
  auto book = [&](int n) {
    v1::BookScreeningRequest request;
    request.set_resident("residents/" + std::to_string(n));
    request.add_slots(slot.name());
    request.set_request_id("frozen-" + std::to_string(n));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::Booking booking;
    return (*server)->scheduling().BookScreening(&context, request, &booking);
  };
  const absl::Time start = absl::Now();
  grpc::Status lone = book(1);
  EXPECT_THAT(lone, GrpcIs(grpc::StatusCode::UNAVAILABLE)) << lone.error_message();
  EXPECT_EQ(ErrorReason(lone), "PEER_TIMEOUT");
  EXPECT_LT(absl::Now() - start, absl::Seconds(12)) << "the service's cap, not the caller's";
  std::vector<std::thread> clients;
  std::vector<grpc::Status> together(4);
  const absl::Time batch_start = absl::Now();
  for (int i = 0; i < 4; ++i) clients.emplace_back([&, i] { together[i] = book(10 + i); });
  for (auto& c : clients) c.join();
  for (const grpc::Status& status : together) {
    EXPECT_THAT(status, GrpcIs(grpc::StatusCode::UNAVAILABLE)) << status.error_message();
  }
  EXPECT_LT(absl::Now() - batch_start, absl::Seconds(12)) << "no second wait one by one";
  registry->Shutdown(std::chrono::system_clock::now());
}

}  // namespace
}  // namespace screening::testing

namespace screening::testing {
namespace {

// After a failover, a connection made earlier may reach a server that is a
// standby now: its writes are refused (SQLSTATE 25006). That is an outage to
// retry, not an internal error, and the connection is not kept.
TEST(Failover, AWriteRefusedAsReadOnlyIsUnavailable) {
  auto db = TestDatabase::Create("read_only");
  ASSERT_TRUE(db.ok()) << db.status();
  db::Pool pool(
      {.url = absl::StrCat((*db)->url(), " options='-c default_transaction_read_only=on'"),
       .size = 2});
  const absl::Status status = db::TransactStatus(pool, [](pqxx::work& tx) {
    tx.exec("CREATE TEMPORARY TABLE t (x int)");
    tx.exec("INSERT INTO t VALUES (1)");
    tx.exec("CREATE TABLE written_on_a_standby (x int)");
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_FALSE(pool.reachable()) << "the connection was dropped, and health told";
  EXPECT_EQ((*db)->QueryInt("SELECT count(*) FROM pg_class WHERE relname = 'written_on_a_standby'"),
            0);
  // The same server as a primary: the pool is served again.
  EXPECT_TRUE(pool.Ping().ok());
}

}  // namespace
}  // namespace screening::testing
