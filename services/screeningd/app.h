// The one place services are wired: which ones this process hosts, their
// database pools, stores and handlers, the channels between them, health and
// shutdown. `screeningd` and the tests both start the service through App.
//
//   AppConfig config;
//   config.database_url = "postgresql://...";
//   auto app = App::Start(config);   // migrates, listens, serves
//   (*app)->port();                  // the port chosen for ":0"
//   (*app)->Shutdown(absl::Seconds(10));
#pragma once

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/call_gate.h"
#include "common/clock.h"
#include "common/db.h"
#include "common/peers.h"
#include "common/programme.h"
#include "services/notify/notifier.h"
#include "services/notify/sms_gateway.h"
#include "services/progress/progress_service.h"
#include "services/results/thresholds.h"

namespace screening {

// The services one process can host, in dependency order.
// `admin` (audit log, tokens, database roles) migrates first, in every process.
inline const std::vector<std::string>& AllServices() {
  static const std::vector<std::string> kAll = {"admin",   "registry", "scheduling",
                                                "results", "progress", "notify"};
  return kAll;
}

struct AppConfig {
  std::string listen = "127.0.0.1:50051";
  // The HTTP face (Connect protocol, for browsers): host:port, "" for none.
  // HTTPS with the same certificate as gRPC unless --insecure.
  std::string http_listen;
  int http_threads = 1024;  // HTTP connections served at once (a watch holds one)
  // Prometheus metrics in the text format at http://<metrics_listen>/metrics;
  // "" for none. No personal data and bounded labels.
  std::string metrics_listen;
  absl::Duration session_ttl = absl::Hours(8);  // a console sign-in's token
  // The owner's connection: migrations. Services connect as their own roles
  // (screening_<service>) to the same database, with this password if set.
  std::string database_url;
  // Reads that may lag (GetProgress, WatchProgress, report drafts,
  // ListResidents) go here, a standby, when set; their answers say how far
  // behind it is. Same roles and password as database_url.
  std::string read_database_url;
  std::string service_db_password;
  std::set<std::string> services = {AllServices().begin(), AllServices().end()};
  // Where services this process does not host are reached.
  std::string registry_address, scheduling_address, results_address;
  // The programme's rules per year, and the year reported by default.
  Programmes programmes = Programmes::Single(ProgrammeRules{});
  // Result thresholds and follow-up deadlines (services/results/thresholds.h).
  results::ResultRules result_rules;
  int programme_year = 2025;

  // Transport: plain text only when `insecure` (local development; calls
  // without credentials are then developer calls). Otherwise TLS with this
  // certificate chain and key (PEM); with `tls_client_ca`, client
  // certificates signed by it are accepted and name their caller.
  bool insecure = false;
  std::string tls_cert_pem, tls_key_pem, tls_client_ca_pem;
  // Calls to services in other processes: TLS verified against this CA if
  // set (else plain text), presenting `service_token`.
  std::string peer_ca_pem;
  std::string service_token;

  // Personal data at rest (needed where the registry is hosted): the data
  // key ring "id:hex64,..." and the HMAC key of ID-number lookups (hex).
  std::string data_keys;
  std::string lookup_key_hex;

  // Abuse limits.
  double rate_limit_per_second = 200;
  double rate_limit_burst = 400;
  int max_message_bytes = 4 * 1024 * 1024;
  int db_pool_size = 8;
  // Threads each gRPC server keeps waiting for calls once a burst is over. A
  // sync server's thread that finishes a call leaves if this many already
  // wait, and the next call starts a new one: too few, and a busy server
  // spends its time creating and ending threads.
  int server_threads = 64;
  absl::Duration consumer_poll_interval = absl::Milliseconds(50);
  // WatchProgress: how often the counters are checked for changes made by
  // other processes, and the least time between two updates (coalescing).
  absl::Duration watch_poll_interval = absl::Milliseconds(100);
  absl::Duration watch_min_gap = absl::Milliseconds(25);
  absl::Duration health_interval = absl::Seconds(1);
  // Where results are hosted: how often open referrals past their due date
  // are marked overdue (each raising one `referral.overdue` event).
  absl::Duration overdue_sweep_interval = absl::Minutes(1);
  // Where notify is hosted: the SMS gateway (no URL: messages are made and
  // kept pending, none is sent), and how the notifier polls and retries.
  notify::SmsGatewayConfig sms_gateway;
  notify::NotifierOptions notifier;
  bool migrate_on_start = true;
  const Clock* clock = nullptr;  // null: the system clock

  // INVALID_ARGUMENT describing each bad setting; the process then refuses to start.
  absl::Status Validate() const;
};

// Parses `all` or a comma list of service names.
absl::StatusOr<std::set<std::string>> ParseServices(absl::string_view text);

// Applies the migrations of the given services.
absl::Status MigrateServices(const std::string& database_url,
                             const std::set<std::string>& services);

namespace console {
class HttpFace;
}

class App {
 public:
  static absl::StatusOr<std::unique_ptr<App>> Start(AppConfig config);
  ~App();

  int port() const { return port_; }
  int http_port() const;  // 0 without an HTTP face
  // The paths of the methods the HTTP face calls on its own thread (the
  // rest go through the in-process channel); none without an HTTP face.
  std::vector<std::string> http_local_methods() const;

  // Turns health NOT_SERVING and keeps serving for `drain`; then refuses new
  // calls UNAVAILABLE (SHUTTING_DOWN), lets in-flight calls finish until
  // `grace`, and stops the background threads. Safe to call more than once.
  void Shutdown(absl::Duration grace, absl::Duration drain = absl::ZeroDuration());

  // Blocks until Shutdown has finished.
  void Wait();

 private:
  struct Hosted;
  App() = default;
  void RegisterHandlers(grpc::ServerBuilder& builder, CallGate& gate, const Clock& clock);
  void WatchHealth();
  // gRPC health of every hosted service, and the HTTP face's /healthz.
  void SetServing(bool serving);
  void SweepOverdueReferrals();

  AppConfig config_;
  SystemClock system_clock_;
  std::unique_ptr<Hosted> hosted_;
  std::unique_ptr<grpc::Server> server_;           // the port clients call
  std::unique_ptr<grpc::Server> internal_server_;  // in-process calls between services
  std::unique_ptr<console::HttpFace> http_;        // browsers, into server_
  Peers peers_;
  int port_ = 0;
  std::atomic<bool> serving_{true};  // what health says (SetServing)
  std::thread health_thread_;
  absl::Mutex health_mu_;
  bool health_wake_ ABSL_GUARDED_BY(health_mu_) = false;  // ping now, not at the interval
  bool health_stop_ ABSL_GUARDED_BY(health_mu_) = false;
  std::thread overdue_thread_;
  absl::Notification stopping_, stopped_;
  absl::Mutex shutdown_mu_;
};

}  // namespace screening
