// screeningd: hosts any subset of the screening services.
//
//   screeningd [--services=all] [--listen=127.0.0.1:50051] [--database_url=...]
//   screeningd migrate [--services=all] [--database_url=...]
#include <pthread.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "services/screeningd/app.h"

ABSL_FLAG(std::string, services, "all",
          "Services to host: 'all' or a comma list of registry, scheduling, results, progress.");
ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "Address to serve gRPC on (port 0: any free).");
ABSL_FLAG(std::string, database_url, "",
          "PostgreSQL URL; defaults to the SCREENING_DATABASE_URL environment variable.");
ABSL_FLAG(std::string, registry_address, "", "Where to reach the registry when not hosted here.");
ABSL_FLAG(std::string, scheduling_address, "", "Where to reach scheduling when not hosted here.");
ABSL_FLAG(std::string, results_address, "", "Where to reach results when not hosted here.");
ABSL_FLAG(int, programme_year, 2025, "The programme year the targets apply to.");
ABSL_FLAG(int64_t, target_persons, 800000, "Target: persons screened in the programme year.");
ABSL_FLAG(int64_t, target_nipt, 6000, "Target: pregnancies given NIPT in the programme year.");
ABSL_FLAG(int, db_pool_size, 8, "Database connections per hosted service.");
ABSL_FLAG(int, shutdown_grace_seconds, 10,
          "On SIGTERM or SIGINT, how long in-flight calls may take to finish.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "the Harbin free screening programme's gRPC services.\n"
      "  screeningd [flags]           serve\n"
      "  screeningd migrate [flags]   apply database migrations and exit");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const bool migrate_only = args.size() == 2 && std::string(args[1]) == "migrate";
  if (args.size() > 1 && !migrate_only) {
    std::fprintf(stderr, "screeningd: unknown command '%s' (try --help)\n", args[1]);
    return 2;
  }

  screening::AppConfig config;
  config.listen = absl::GetFlag(FLAGS_listen);
  config.database_url = absl::GetFlag(FLAGS_database_url);
  if (config.database_url.empty()) {
    if (const char* env = std::getenv("SCREENING_DATABASE_URL")) config.database_url = env;
  }
  auto services = screening::ParseServices(absl::GetFlag(FLAGS_services));
  if (!services.ok()) {
    std::fprintf(stderr, "screeningd: %s\n", std::string(services.status().message()).c_str());
    return 2;
  }
  config.services = *services;
  config.registry_address = absl::GetFlag(FLAGS_registry_address);
  config.scheduling_address = absl::GetFlag(FLAGS_scheduling_address);
  config.results_address = absl::GetFlag(FLAGS_results_address);
  config.targets = {.programme_year = absl::GetFlag(FLAGS_programme_year),
                    .persons = absl::GetFlag(FLAGS_target_persons),
                    .nipt = absl::GetFlag(FLAGS_target_nipt)};
  config.db_pool_size = absl::GetFlag(FLAGS_db_pool_size);

  if (migrate_only) {
    if (config.database_url.empty()) {
      std::fprintf(stderr, "screeningd: --database_url (or SCREENING_DATABASE_URL) is required\n");
      return 2;
    }
    absl::Status migrated = screening::MigrateServices(config.database_url, config.services);
    if (!migrated.ok()) {
      std::fprintf(stderr, "screeningd migrate: %s\n", migrated.ToString().c_str());
      return 1;
    }
    std::printf("screeningd migrate: up to date\n");
    return 0;
  }

  // Signals go to one thread that waits for them; every other thread,
  // including gRPC's, inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto app = screening::App::Start(config);
  if (!app.ok()) {
    std::fprintf(stderr, "screeningd: %s\n", app.status().ToString().c_str());
    return app.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::fprintf(stderr, "screeningd: serving %s on port %d\n", absl::GetFlag(FLAGS_services).c_str(),
               (*app)->port());
  std::printf("listening on port %d\n", (*app)->port());
  std::fflush(stdout);

  const absl::Duration grace = absl::Seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds));
  std::thread signal_waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    std::fprintf(stderr, "screeningd: signal %d: finishing in-flight calls, then exiting\n",
                 signal);
    (*app)->Shutdown(grace);
  });
  (*app)->Wait();
  signal_waiter.join();
  std::fprintf(stderr, "screeningd: stopped\n");
  return 0;
}
