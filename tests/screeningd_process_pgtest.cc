// The real binary: `screeningd migrate`, bad flags, serving, and a SIGTERM
// that lets an in-flight call finish before the process exits cleanly.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <thread>
#include <vector>

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "screening/v1/scheduling.grpc.pb.h"
#include "tests/support/grpc_matchers.h"
#include "tests/support/test_database.h"

namespace screening::testing {
namespace {

struct Process {
  pid_t pid = -1;
  FILE* out = nullptr;  // the child's stdout
};

Process Spawn(const std::vector<std::string>& args, const std::string& database_url) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    setenv("SCREENING_DATA_KEYS", ("t1:" + std::string(64, 'c')).c_str(), 1);
    setenv("SCREENING_LOOKUP_KEY", std::string(64, 'd').c_str(), 1);
    if (database_url.empty()) {
      unsetenv("SCREENING_DATABASE_URL");
    } else {
      setenv("SCREENING_DATABASE_URL", database_url.c_str(), 1);
    }
    std::vector<char*> argv;
    std::string path = SCREENINGD_PATH;
    argv.push_back(path.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(path.c_str(), argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  return {pid, fdopen(pipe_fds[0], "r")};
}

int WaitExit(const Process& p) {
  int status = 0;
  waitpid(p.pid, &status, 0);
  if (p.out) fclose(p.out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(Screeningd, MigrateAppliesEveryServiceOnce) {
  auto db = TestDatabase::Create("process_migrate");
  ASSERT_TRUE(db.ok()) << db.status();
  // The fixture migrated already: migrate again is a no-op that succeeds.
  const int64_t applied = (*db)->QueryInt("SELECT count(*) FROM public.schema_migrations");
  EXPECT_EQ(WaitExit(Spawn({"migrate"}, (*db)->url())), 0);
  EXPECT_EQ((*db)->QueryInt("SELECT count(DISTINCT service) FROM public.schema_migrations"), 6);
  EXPECT_EQ((*db)->QueryInt("SELECT count(*) FROM public.schema_migrations"), applied);
}

TEST(Screeningd, RefusesBadConfigurationAtStartup) {
  EXPECT_EQ(WaitExit(Spawn({"--services=registry,billing"}, "host=127.0.0.1")), 2);
  EXPECT_EQ(WaitExit(Spawn({"--insecure", "--listen=127.0.0.1:0"}, "")), 2);
  // Neither TLS nor an explicit --insecure: refused.
  EXPECT_EQ(WaitExit(Spawn({"--listen=127.0.0.1:0"}, "host=127.0.0.1")), 2);
  EXPECT_EQ(WaitExit(Spawn({"--services=scheduling", "--listen=127.0.0.1:0"}, "host=127.0.0.1")),
            2);
  EXPECT_EQ(WaitExit(Spawn({"frobnicate"}, "host=127.0.0.1")), 2);
  EXPECT_EQ(WaitExit(Spawn({"--insecure", "--consumer_poll_interval=0s"}, "host=127.0.0.1")), 2);
  EXPECT_EQ(WaitExit(Spawn({"--insecure", "--watch_min_gap=1s"}, "host=127.0.0.1")), 2);
  EXPECT_EQ(WaitExit(Spawn({"--insecure", "--overdue_sweep_interval=1ms"}, "host=127.0.0.1")), 2);
  EXPECT_EQ(WaitExit(Spawn({"--insecure", "--server_threads=1"}, "host=127.0.0.1")), 2);
  EXPECT_EQ(WaitExit(Spawn({"--insecure", "--server_threads=5000"}, "host=127.0.0.1")), 2);
}

TEST(Screeningd, HelpListsItsOwnFlags) {
  // Abseil's default lists only flags of a file named after the program:
  // `screeningd --help` said "No flags matched".
  std::string out;
  FILE* help = popen(SCREENINGD_PATH " --help 2>&1", "r");
  ASSERT_NE(help, nullptr);
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, help)) > 0;) out.append(buffer, n);
  pclose(help);
  EXPECT_THAT(out, ::testing::HasSubstr("--listen"));
  EXPECT_THAT(out, ::testing::HasSubstr("--fit_kits"));
  EXPECT_THAT(out, ::testing::Not(::testing::HasSubstr("No flags matched")));
}

TEST(Screeningd, RefusesBadResultRules) {
  EXPECT_EQ(WaitExit(Spawn({"--insecure", "--fit_kits=FIT-100"}, "host=127.0.0.1")), 2);
  EXPECT_EQ(WaitExit(Spawn({"--insecure", "--fit_kits=A:100,A:75"}, "host=127.0.0.1")), 2);
  EXPECT_EQ(WaitExit(Spawn({"--insecure", "--uric_acid_limit_female=10"}, "host=127.0.0.1")), 2);
}

TEST(Screeningd, CallsAcrossASigtermAreServedAndLateOnesToldToRetry) {
  // Clients keep calling across the SIGTERM: during the drain health says
  // NOT_SERVING and every call is still served, none CANCELLED. After it, a
  // new call is answered UNAVAILABLE (SHUTTING_DOWN: retry elsewhere), and
  // once the process is gone, a call cannot connect: UNAVAILABLE too.
  auto db = TestDatabase::Create("process_drain");
  ASSERT_TRUE(db.ok()) << db.status();
  Process p = Spawn({"--insecure", "--listen=127.0.0.1:0", "--shutdown_drain=1s",
                     "--rate_limit_per_second=1000000", "--rate_limit_burst=1000000"},
                    (*db)->url());
  ASSERT_GT(p.pid, 0);
  int port = 0;
  ASSERT_EQ(fscanf(p.out, "listening on port %d", &port), 1);
  const std::string address = absl::StrCat("127.0.0.1:", port);
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto scheduling = v1::SchedulingService::NewStub(channel);
  auto search = [](v1::SchedulingService::Stub& stub) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::SearchSlotsResponse response;
    return stub.SearchSlots(&context, {}, &response);
  };
  std::atomic<bool> stop{false};
  absl::Mutex mu;
  std::map<grpc::StatusCode, int> codes;
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&] {
      // Half the clients share a channel, half have their own.
      auto own = v1::SchedulingService::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
      while (!stop) {
        for (auto* stub : {scheduling.get(), own.get()}) {
          const grpc::Status status = search(*stub);
          absl::MutexLock lock(&mu);
          ++codes[status.error_code()];
        }
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(300));
  ASSERT_EQ(kill(p.pid, SIGTERM), 0);
  absl::SleepFor(absl::Milliseconds(400));  // inside the 1 s drain
  {
    auto health = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, {}, &response).ok());
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  }
  absl::SleepFor(absl::Milliseconds(200));
  stop = true;
  for (auto& c : clients) c.join();
  {
    absl::MutexLock lock(&mu);
    EXPECT_GT(codes[grpc::StatusCode::OK], 100);
    for (const auto& [code, count] : codes) {
      EXPECT_EQ(code, grpc::StatusCode::OK) << count << " calls across the SIGTERM got " << code;
    }
  }
  // A late client: it calls until it is told to go, as a client that
  // retries UNAVAILABLE elsewhere would.
  grpc::Status late;
  do {
    late = search(*scheduling);
    if (late.ok()) absl::SleepFor(absl::Milliseconds(20));
  } while (late.ok());
  EXPECT_THAT(late, GrpcIs(grpc::StatusCode::UNAVAILABLE));
  EXPECT_EQ(ErrorReason(late), "SHUTTING_DOWN");
  EXPECT_EQ(WaitExit(p), 0);
  EXPECT_THAT(search(*scheduling), GrpcIs(grpc::StatusCode::UNAVAILABLE)) << "the process is gone";
}

TEST(Screeningd, SigtermLetsInFlightCallsFinish) {
  auto db = TestDatabase::Create("process_sigterm");
  ASSERT_TRUE(db.ok()) << db.status();
  Process p =
      Spawn({"--insecure", "--listen=127.0.0.1:0", "--shutdown_grace_seconds=20"}, (*db)->url());
  ASSERT_GT(p.pid, 0);
  int port = 0;
  ASSERT_EQ(fscanf(p.out, "listening on port %d", &port), 1);
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  {
    auto health = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, {}, &response).ok());
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  }
  auto scheduling = v1::SchedulingService::NewStub(channel);
  v1::UpsertHospitalRequest hospital;
  hospital.mutable_hospital()->set_code("SIG-H1");
  hospital.mutable_hospital()->set_display_name("信号医院");
  hospital.mutable_hospital()->add_screenings(v1::SCREENING_TYPE_FOUR_HIGHS);
  hospital.mutable_hospital()->set_district_code("230102");
  v1::Hospital h;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(scheduling->UpsertHospital(&context, hospital, &h).ok());
  }
  v1::SetCapacityRequest capacity;
  capacity.set_hospital("hospitals/SIG-H1");
  capacity.set_date("2030-01-07");
  capacity.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
  capacity.set_capacity(5);
  v1::Slot slot;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(scheduling->SetCapacity(&context, capacity, &slot).ok());
  }

  // Hold the slot's row so that the next SetCapacity waits in the database.
  pqxx::connection lock_conn((*db)->url());
  pqxx::work lock(lock_conn);
  lock.exec("SELECT * FROM scheduling.slots FOR UPDATE");
  grpc::Status in_flight;
  capacity.set_capacity(7);
  std::thread call([&] {
    grpc::ClientContext context;
    in_flight = scheduling->SetCapacity(&context, capacity, &slot);
  });
  absl::SleepFor(absl::Milliseconds(500));
  ASSERT_EQ(kill(p.pid, SIGTERM), 0);
  absl::SleepFor(absl::Milliseconds(500));
  lock.commit();  // the waiting call may now finish
  call.join();
  EXPECT_TRUE(in_flight.ok()) << in_flight.error_message();
  EXPECT_EQ(slot.capacity(), 7);
  EXPECT_EQ(WaitExit(p), 0);
}

}  // namespace
}  // namespace screening::testing
