#include "services/screeningd/app.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/migrations.h"
#include "common/scrape_metrics.h"
#include "common/server_metrics.h"
#include "common/trace.h"
#include "grpc/health/v1/health.pb.h"
#include "services/admin/admin_service.h"
#include "services/admin/admin_store.h"
#include "services/console/account_service.h"
#include "services/console/account_store.h"
#include "services/console/http_face.h"
#include "services/console/sign_in.h"
#include "services/notify/notification_service.h"
#include "services/notify/notify_store.h"
#include "services/progress/outbox_consumer.h"
#include "services/progress/programme_metrics.h"
#include "services/progress/progress_feed.h"
#include "services/progress/progress_reader.h"
#include "services/progress/progress_store.h"
#include "services/registry/registry_internal_service.h"
#include "services/registry/registry_service.h"
#include "services/registry/registry_store.h"
#include "services/results/results_internal_service.h"
#include "services/results/results_service.h"
#include "services/results/results_store.h"
#include "services/scheduling/scheduling_internal_service.h"
#include "services/scheduling/scheduling_service.h"
#include "services/scheduling/scheduling_store.h"
#include "services/screeningd/public_local_methods.h"

namespace screening {

// After the drain, how long new calls are refused UNAVAILABLE before the
// server stops.
constexpr absl::Duration kRefusingBeforeStop = absl::Milliseconds(300);

namespace registry {
const std::vector<Migration>& Migrations();
}
namespace scheduling {
const std::vector<Migration>& Migrations();
}
namespace results {
const std::vector<Migration>& Migrations();
}
namespace progress {
const std::vector<Migration>& Migrations();
}
namespace admin {
const std::vector<Migration>& Migrations();
}
namespace notify {
const std::vector<Migration>& Migrations();
}

namespace {

const std::vector<Migration>& MigrationsOf(const std::string& service) {
  if (service == "admin") return admin::Migrations();
  if (service == "registry") return registry::Migrations();
  if (service == "scheduling") return scheduling::Migrations();
  if (service == "results") return results::Migrations();
  if (service == "notify") return notify::Migrations();
  return progress::Migrations();
}

// The services each one calls through its stubs.
const std::map<std::string, std::vector<std::string>>& Dependencies() {
  static const std::map<std::string, std::vector<std::string>> kDependencies = {
      {"admin", {}},
      {"registry", {}},
      {"scheduling", {"registry"}},
      {"results", {"scheduling", "registry"}},
      {"progress", {"results", "scheduling"}},
      {"notify", {"registry", "scheduling", "results"}},
  };
  return kDependencies;
}

// The gRPC services each hosted service serves: its public API, and what
// only other services call (screening.internal.v1).
const std::map<std::string, std::vector<std::string>>& GrpcServiceNames() {
  static const std::map<std::string, std::vector<std::string>> kNames = {
      {"registry",
       {"screening.v1.RegistryService", "screening.internal.v1.RegistryInternalService"}},
      {"scheduling",
       {"screening.v1.SchedulingService", "screening.internal.v1.SchedulingInternalService"}},
      {"results", {"screening.v1.ResultsService", "screening.internal.v1.ResultsInternalService"}},
      {"progress", {"screening.v1.ProgressService"}},
      {"admin", {"screening.v1.AdminService", "screening.v1.AccountService"}},
      {"notify", {"screening.v1.NotificationService"}},
  };
  return kNames;
}

std::string AddressOf(const AppConfig& config, const std::string& service) {
  if (service == "registry") return config.registry_address;
  if (service == "scheduling") return config.scheduling_address;
  if (service == "results") return config.results_address;
  return "";
}

// gRPC's sync server keeps at most 2 idle threads by default: under steady
// load each finished call's thread exits and the next call creates another
// (about 1,400 threads a second at 2,000 bookings/s).
void KeepServerThreads(grpc::ServerBuilder& builder, int threads) {
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, threads);
}

}  // namespace

absl::StatusOr<std::set<std::string>> ParseServices(absl::string_view text) {
  if (text == "all") return std::set<std::string>(AllServices().begin(), AllServices().end());
  std::set<std::string> services;
  for (absl::string_view name : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    if (std::find(AllServices().begin(), AllServices().end(), name) == AllServices().end()) {
      return absl::InvalidArgumentError(absl::StrCat("--services: unknown service '", name,
                                                     "'; known: all, ",
                                                     absl::StrJoin(AllServices(), ", ")));
    }
    services.emplace(name);
  }
  if (services.empty()) return absl::InvalidArgumentError("--services: name at least one service");
  return services;
}

absl::Status AppConfig::Validate() const {
  std::vector<std::string> problems;
  if (database_url.empty()) {
    problems.push_back("--database_url (or SCREENING_DATABASE_URL) is required");
  }
  if (listen.empty()) problems.push_back("--listen is required");
  for (const auto& service : services) {
    for (const auto& dependency : Dependencies().at(service)) {
      if (!services.count(dependency) && AddressOf(*this, dependency).empty()) {
        problems.push_back(absl::StrCat(service, " calls ", dependency, ": host it here or set --",
                                        dependency, "_address"));
      }
    }
  }
  if (db_pool_size < 1 || db_pool_size > 200) problems.push_back("--db_pool_size must be 1 to 200");
  if (server_threads < 2 || server_threads > 1000) {
    problems.push_back("--server_threads must be 2 to 1000");
  }
  if (overdue_sweep_interval < absl::Milliseconds(10) || overdue_sweep_interval > absl::Hours(24)) {
    problems.push_back("--overdue_sweep_interval must be 10ms to 24h");
  }
  if (consumer_poll_interval < absl::Milliseconds(1) ||
      consumer_poll_interval > absl::Seconds(10)) {
    problems.push_back("--consumer_poll_interval must be 1ms to 10s");
  }
  if (watch_min_gap < absl::ZeroDuration() || watch_min_gap > absl::Milliseconds(200)) {
    problems.push_back("--watch_min_gap must be 0 to 200ms (updates are due within 250 ms)");
  }
  if (programmes.Find(programme_year) == nullptr) {
    problems.push_back(absl::StrCat("--programme_year ", programme_year,
                                    " has no programme in the programme rules"));
  }
  if (insecure && !tls_cert_pem.empty()) {
    problems.push_back("choose --insecure or TLS (--tls_cert/--tls_key), not both");
  }
  if (!insecure && (tls_cert_pem.empty() || tls_key_pem.empty())) {
    problems.push_back("TLS needs --tls_cert and --tls_key (or run --insecure for development)");
  }
  if (services.count("registry")) {
    if (auto keys = DataKeys::Parse(data_keys); !keys.ok()) {
      problems.push_back(
          absl::StrCat("--data_keys (or SCREENING_DATA_KEYS): ", keys.status().message()));
    }
    if (auto lookup = ParseLookupKeys(lookup_key_hex); !lookup.ok()) {
      problems.push_back(
          absl::StrCat("--lookup_key (or SCREENING_LOOKUP_KEY): ", lookup.status().message()));
    }
  }
  if (rate_limit_per_second <= 0 || rate_limit_burst < 1) {
    problems.push_back(
        "--rate_limit_per_second must be positive and --rate_limit_burst at least 1");
  }
  if (max_message_bytes < 1024) problems.push_back("--max_message_bytes must be at least 1024");
  if (session_ttl < absl::Minutes(5) || session_ttl > absl::Hours(24)) {
    problems.push_back("--session_ttl must be 5m to 24h");
  }
  if (notifier.retry_base < absl::Milliseconds(10) || notifier.retry_cap < notifier.retry_base ||
      notifier.retry_cap > absl::Hours(24)) {
    problems.push_back("--sms_retry_base must be at least 10ms and --sms_retry_cap from it to 24h");
  }
  if (notifier.max_attempts < 1 || notifier.max_attempts > 100) {
    problems.push_back("--sms_max_attempts must be 1 to 100");
  }
  if (notifier.poll_interval < absl::Milliseconds(1) || notifier.poll_interval > absl::Minutes(1)) {
    problems.push_back("--notify_poll_interval must be 1ms to 1m");
  }
  if (http_threads < 4 || http_threads > 20000)
    problems.push_back("--http_threads must be 4 to 20000");
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

absl::Status MigrateServices(const std::string& database_url,
                             const std::set<std::string>& services) {
  for (const auto& service : AllServices()) {
    // Every process needs the admin schemas: tokens, audit log, roles.
    if (!services.count(service) && service != "admin") continue;
    absl::Status status = ApplyMigrations(database_url, service, MigrationsOf(service));
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

// Everything a hosted service owns. Members are destroyed in reverse order:
// handlers before gates before stores before pools.
struct App::Hosted {
  // Metrics, when --metrics_listen is set: the registry, what the gates and
  // the parts below them count, and the HTTP endpoint. First, so that they
  // outlive everything that records into them.
  std::shared_ptr<prometheus::Registry> metrics;
  std::unique_ptr<CallMetrics> call_metrics;
  std::unique_ptr<ServerMetrics> server_metrics;
  std::unique_ptr<prometheus::Exposer> exposer;
  std::shared_ptr<ProcessCollector> process_metrics;
  std::shared_ptr<CallbackCollector> state_metrics;  // the programme's gauges, read at a scrape
  ~Hosted() {
    // The endpoint stops first: a scrape reads the stores below.
    exposer.reset();
    if (server_metrics && GetServerMetrics() == server_metrics.get()) InstallServerMetrics(nullptr);
  }
  std::vector<std::unique_ptr<db::Pool>> pools;
  // Pools of reads that may lag, on --read_database_url (health does not
  // follow them: their reads fall back to the primary).
  std::vector<std::unique_ptr<db::Pool>> standby_pools;
  std::unique_ptr<registry::PersonalDataKeys> personal_data_keys;
  std::unique_ptr<admin::AdminStore> gate_store;   // tokens and audit rows, as screening_gate
  std::unique_ptr<admin::AdminStore> admin_store;  // the audit log for admins, as screening_admin
  std::unique_ptr<admin::AdminStore> console_tokens;  // sign-ins' tokens and audit rows
  std::unique_ptr<console::AccountStore> accounts;
  std::unique_ptr<console::SignIn> sign_in;
  std::unique_ptr<registry::RegistryStore> registry_store;
  std::unique_ptr<scheduling::SchedulingStore> scheduling_store;
  std::unique_ptr<results::ResultsStore> results_store;
  std::unique_ptr<progress::ProgressStore> progress_store;
  std::unique_ptr<progress::ProgressReader> progress_reader;
  std::unique_ptr<progress::ProgressFeed> progress_feed;
  std::unique_ptr<progress::OutboxConsumer> consumer;
  std::unique_ptr<notify::NotifyStore> notify_store;
  std::unique_ptr<notify::HttpSmsGateway> sms_gateway;
  std::unique_ptr<notify::Notifier> notifier;
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<Authenticator> authenticator;
  std::unique_ptr<CallGate> public_gate, internal_gate;
  std::unique_ptr<console::LocalMethods> local_methods;  // the HTTP face's, over public_gate
  // One set of handlers per server: a service object serves one server only.
  std::vector<std::unique_ptr<grpc::Service>> handlers;
};

// Creates the handlers of the hosted services and registers them on `builder`.
void App::RegisterHandlers(grpc::ServerBuilder& builder, CallGate& gate, const Clock& clock) {
  const AppConfig& c = config_;
  Hosted& h = *hosted_;
  auto add = [&](std::unique_ptr<grpc::Service> handler) {
    builder.RegisterService(handler.get());
    h.handlers.push_back(std::move(handler));
  };
  if (h.admin_store) add(std::make_unique<admin::AdminServiceImpl>(*h.admin_store, gate));
  if (h.accounts) add(std::make_unique<console::AccountServiceImpl>(*h.accounts, gate, clock));
  if (h.registry_store) {
    add(std::make_unique<registry::RegistryServiceImpl>(*h.registry_store, gate, clock,
                                                        c.programmes));
    add(std::make_unique<registry::RegistryInternalServiceImpl>(*h.registry_store, gate,
                                                                c.programmes));
  }
  if (h.scheduling_store) {
    add(std::make_unique<scheduling::SchedulingServiceImpl>(*h.scheduling_store, gate, peers_,
                                                            clock, c.programmes));
    add(std::make_unique<scheduling::SchedulingInternalServiceImpl>(*h.scheduling_store, gate));
  }
  if (h.results_store) {
    add(std::make_unique<results::ResultsServiceImpl>(*h.results_store, gate, peers_, clock,
                                                      c.result_rules));
    add(std::make_unique<results::ResultsInternalServiceImpl>(*h.results_store, gate));
  }
  if (h.progress_store) {
    add(std::make_unique<progress::ProgressServiceImpl>(*h.progress_reader, *h.progress_feed, gate,
                                                        peers_, c.programme_year));
  }
  if (h.notify_store) add(std::make_unique<notify::NotificationServiceImpl>(*h.notify_store, gate));
}

absl::StatusOr<std::unique_ptr<App>> App::Start(AppConfig config) {
  if (absl::Status valid = config.Validate(); !valid.ok()) return valid;
  if (config.migrate_on_start) {
    if (absl::Status migrated = MigrateServices(config.database_url, config.services);
        !migrated.ok()) {
      return migrated;
    }
  }
  std::unique_ptr<App> app(new App());
  app->config_ = std::move(config);
  const AppConfig& c = app->config_;
  const Clock& clock = c.clock ? *c.clock : app->system_clock_;
  app->hosted_ = std::make_unique<Hosted>();
  Hosted& h = *app->hosted_;
  if (!c.metrics_listen.empty()) {
    // Before the pools and services, which record into them from the start.
    h.metrics = std::make_shared<prometheus::Registry>();
    h.call_metrics = std::make_unique<CallMetrics>(*h.metrics);
    h.server_metrics = std::make_unique<ServerMetrics>(*h.metrics);
    InstallServerMetrics(h.server_metrics.get());
  }
  // Each service logs in as its own role: rights on its own schema only.
  auto new_pool = [&](const std::string& role) -> db::Pool& {
    h.pools.push_back(std::make_unique<db::Pool>(db::Pool::Options{
        .url = db::ConnectionStringForUser(c.database_url, role, c.service_db_password),
        .size = c.db_pool_size,
        .name = role}));
    return *h.pools.back();
  };
  // The same role on the standby, for reads that may lag; none without one.
  auto new_standby_pool = [&](const std::string& role) -> db::Pool* {
    if (c.read_database_url.empty()) return nullptr;
    h.standby_pools.push_back(std::make_unique<db::Pool>(db::Pool::Options{
        .url = db::ConnectionStringForUser(c.read_database_url, role, c.service_db_password),
        .size = c.db_pool_size,
        .acquire_timeout = absl::Seconds(1),
        .name = role + "@standby",
        .read_only = true}));
    return h.standby_pools.back().get();
  };
  h.gate_store = std::make_unique<admin::AdminStore>(new_pool("screening_gate"), clock);
  if (c.services.count("admin")) {
    h.admin_store = std::make_unique<admin::AdminStore>(new_pool("screening_admin"), clock);
    // The console's accounts and sign-in, as screening_console: accounts,
    // session tokens, and the audit rows of sign-ins.
    db::Pool& console_pool = new_pool("screening_console");
    h.console_tokens = std::make_unique<admin::AdminStore>(console_pool, clock);
    h.accounts = std::make_unique<console::AccountStore>(console_pool, clock);
    h.sign_in =
        std::make_unique<console::SignIn>(*h.accounts, *h.console_tokens, clock, c.session_ttl);
  }
  if (c.services.count("registry")) {
    h.personal_data_keys = std::make_unique<registry::PersonalDataKeys>(
        *registry::PersonalDataKeys::Parse(c.data_keys, c.lookup_key_hex));
    h.registry_store = std::make_unique<registry::RegistryStore>(
        new_pool("screening_registry"), *h.personal_data_keys,
        new_standby_pool("screening_registry"));
  }
  if (c.services.count("scheduling")) {
    h.scheduling_store =
        std::make_unique<scheduling::SchedulingStore>(new_pool("screening_scheduling"));
  }
  if (c.services.count("results")) {
    h.results_store = std::make_unique<results::ResultsStore>(new_pool("screening_results"));
  }
  if (c.services.count("progress")) {
    h.progress_store = std::make_unique<progress::ProgressStore>(
        new_pool("screening_progress"), new_standby_pool("screening_progress"));
    h.progress_reader = std::make_unique<progress::ProgressReader>(*h.progress_store, app->peers_,
                                                                   clock, c.programmes);
    progress::ProgressReader& reader = *h.progress_reader;
    progress::ProgressStore& store = *h.progress_store;
    h.progress_feed = std::make_unique<progress::ProgressFeed>(
        [&reader](const progress::ProgressFeed::Key& key) {
          return reader.Read(key.first, key.second);
        },
        [&store] { return store.Offset(); }, c.watch_poll_interval, c.watch_min_gap);
    progress::ProgressFeed& feed = *h.progress_feed;
    h.consumer = std::make_unique<progress::OutboxConsumer>(
        *h.progress_store, app->peers_, c.consumer_poll_interval, [&feed] { feed.Changed(); });
  }
  if (c.services.count("notify")) {
    h.notify_store = std::make_unique<notify::NotifyStore>(new_pool("screening_notify"));
    if (!c.sms_gateway.url.empty()) {
      auto gateway = notify::HttpSmsGateway::Create(c.sms_gateway);
      if (!gateway.ok()) return gateway.status();
      h.sms_gateway = *std::move(gateway);
    }
    h.notifier = std::make_unique<notify::Notifier>(*h.notify_store, app->peers_, clock,
                                                    c.sms_gateway, h.sms_gateway.get(), c.notifier);
  }
  h.limiter = std::make_unique<RateLimiter>(clock, c.rate_limit_per_second, c.rate_limit_burst);
  h.authenticator = std::make_unique<Authenticator>(h.gate_store.get(), c.insecure);
  h.public_gate =
      std::make_unique<CallGate>(h.authenticator.get(), h.gate_store.get(), h.limiter.get(), clock);
  // In process, the caller is a service of this process acting for a call
  // the public gate already checked and audited.
  h.internal_gate = std::make_unique<CallGate>(nullptr, nullptr, nullptr, clock);
  if (h.metrics) {
    try {
      h.exposer = std::make_unique<prometheus::Exposer>(c.metrics_listen);
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("cannot serve metrics on ", c.metrics_listen, ": ", e.what()));
    }
    h.exposer->RegisterCollectable(h.metrics);
    h.process_metrics = std::make_shared<ProcessCollector>();
    h.exposer->RegisterCollectable(h.process_metrics);
    h.state_metrics = std::make_shared<CallbackCollector>([&h, year = c.programme_year] {
      // Read at each scrape, as a background action sampled out of the logs.
      ScopedTrace trace(TraceContext::Start(/*sampled=*/false));
      std::vector<prometheus::MetricFamily> families;
      if (h.progress_reader) {
        absl::StatusOr<v1::Progress> progress =
            h.progress_reader->Read(year, v1::PROGRESS_DIMENSION_UNSPECIFIED);
        if (progress.ok()) families = progress::ProgrammeFamilies(*progress);
      }
      if (h.notify_store) {
        if (absl::StatusOr<int64_t> pending = h.notify_store->CountPending(); pending.ok()) {
          families.push_back(GaugeFamily("screening_notifications_pending",
                                         "Text messages waiting to be sent (or retried).",
                                         {{{}, static_cast<double>(*pending)}}));
        }
      }
      return families;
    });
    h.exposer->RegisterCollectable(h.state_metrics);
    h.public_gate->set_metrics(h.call_metrics.get());
    h.internal_gate->set_metrics(h.call_metrics.get());
  }

  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (c.insecure) {
    logs::Warn(
        "--insecure: plain text, and calls without credentials are served as a developer with "
        "every right. For local development only.");
    credentials = grpc::InsecureServerCredentials();
  } else {
    grpc::SslServerCredentialsOptions tls(c.tls_client_ca_pem.empty()
                                              ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                              : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
    tls.pem_root_certs = c.tls_client_ca_pem;
    tls.pem_key_cert_pairs.push_back({c.tls_key_pem, c.tls_cert_pem});
    credentials = grpc::SslServerCredentials(tls);
  }

  grpc::EnableDefaultHealthCheckService(true);
  // gRPC's built-in health service carries no descriptor of its own;
  // reflection lists it, so the generated one must be linked in for
  // reflection to describe it (a client walking the schema asks for it).
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(c.listen, credentials, &app->port_);
  builder.SetMaxReceiveMessageSize(c.max_message_bytes);
  builder.SetMaxSendMessageSize(c.max_message_bytes);
  KeepServerThreads(builder, c.server_threads);
  app->RegisterHandlers(builder, *h.public_gate, clock);
  std::vector<grpc::Service*> public_handlers;
  for (const auto& handler : h.handlers) public_handlers.push_back(handler.get());
  app->server_ = builder.BuildAndStart();
  if (!app->server_ || app->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", c.listen));
  }
  if (!c.http_listen.empty()) {
    if (!h.sign_in) {
      return absl::InvalidArgumentError("--http_listen needs the admin service hosted here");
    }
    console::HttpFace::Options http{.listen = c.http_listen,
                                    .tls_cert_pem = c.insecure ? "" : c.tls_cert_pem,
                                    .tls_key_pem = c.insecure ? "" : c.tls_key_pem,
                                    .max_message_bytes = static_cast<size_t>(c.max_message_bytes),
                                    .threads = c.http_threads,
                                    .sign_in = h.sign_in.get(),
                                    .session_ttl = c.session_ttl,
                                    .serving = [app = app.get()] { return app->serving_.load(); }};
    h.local_methods = PublicLocalMethods(*h.public_gate, public_handlers);
    http.local = h.local_methods.get();
    auto face = console::HttpFace::Start(std::move(http),
                                         app->server_->InProcessChannel(grpc::ChannelArguments()));
    if (!face.ok()) return face.status();
    app->http_ = *std::move(face);
  }
  // Calls between services hosted here ride an in-process channel of a
  // second, port-less server with its own handlers. It stops after the public
  // server, so calls still in flight at shutdown can reach their peers.
  grpc::ServerBuilder internal_builder;
  KeepServerThreads(internal_builder, c.server_threads);
  app->RegisterHandlers(internal_builder, *h.internal_gate, clock);
  app->internal_server_ = internal_builder.BuildAndStart();
  if (!app->internal_server_) return absl::InternalError("cannot start the in-process server");

  app->peers_.SetServiceToken(c.service_token);
  for (const auto& [service, grpc_names] : GrpcServiceNames()) {
    if (c.services.count(service)) {
      app->peers_.Bind(service, app->internal_server_->InProcessChannel(grpc::ChannelArguments()));
    } else if (!AddressOf(c, service).empty()) {
      auto channel_credentials =
          c.peer_ca_pem.empty()
              ? grpc::InsecureChannelCredentials()
              : grpc::SslCredentials(grpc::SslCredentialsOptions{.pem_root_certs = c.peer_ca_pem});
      app->peers_.Bind(service, grpc::CreateChannel(AddressOf(c, service), channel_credentials));
    }
  }
  if (h.progress_feed) h.progress_feed->Start();
  if (h.consumer) h.consumer->Start();
  if (h.notifier) h.notifier->Start();
  app->WatchHealth();
  if (h.results_store) app->SweepOverdueReferrals();
  return app;
}

// Referrals go overdue with the calendar, not with a call: swept on a timer,
// by one replica a round (and were two to sweep at once, each referral is
// marked, and its event raised, once).
void App::SweepOverdueReferrals() {
  const Clock* clock = config_.clock ? config_.clock : &system_clock_;
  overdue_thread_ = std::thread([this, clock] {
    absl::Status last = absl::OkStatus();
    do {
      results::ResultsStore& store = *hosted_->results_store;
      absl::StatusOr<bool> claimed = store.ClaimOverdueSweepRound(config_.overdue_sweep_interval);
      if (claimed.ok() && !*claimed) continue;   // another replica's round
      ScopedTrace trace(TraceContext::Start());  // the events it raises carry it
      const absl::Time start = absl::Now();
      absl::StatusOr<int> swept =
          claimed.ok() ? store.SweepOverdueReferrals(Today(*clock)) : claimed.status();
      const absl::Status status = swept.ok() ? absl::OkStatus() : swept.status();
      if (!status.ok() && status != last) {
        logs::Warn("overdue sweep failed; retrying")
            .Str("code", absl::StatusCodeToString(status.code()))
            .Str("error", status.message());
      }
      // A sweep that found nothing is not worth a line at the default level.
      logs::Line(swept.ok() && *swept > 0 ? logs::Level::kInfo : logs::Level::kDebug,
                 "overdue sweep")
          .Int("referrals_overdue", swept.ok() ? *swept : 0)
          .Num("ms", absl::ToDoubleMilliseconds(absl::Now() - start))
          .Str("trace_id", CurrentTraceId());
      last = status;
    } while (!stopping_.WaitForNotificationWithTimeout(config_.overdue_sweep_interval));
  });
}

// Serving while every pool reaches the database; checked every interval, so
// health follows the database down and back up without a restart.
void App::WatchHealth() {
  auto* health = server_->GetHealthCheckService();
  // Name each hosted service, so that a per-service check answers too;
  // SetServingStatus(bool) below then moves them all together.
  for (const auto& [service, grpc_names] : GrpcServiceNames()) {
    if (!config_.services.count(service)) continue;
    for (const std::string& grpc_name : grpc_names) health->SetServingStatus(grpc_name, true);
  }
  // Between pings, health follows what calls find: the first call that
  // works after an outage, or the first that loses its connection. When one
  // pool is back and others are still marked down (nothing has used them
  // since), the health thread pings them now rather than at its next round.
  auto follow = [this](bool up) {
    bool serving = true;
    for (const auto& pool : hosted_->pools) serving = serving && pool->reachable();
    SetServing(serving);
    if (up && !serving) {
      absl::MutexLock lock(&health_mu_);
      health_wake_ = true;
    }
  };
  for (const auto& pool : hosted_->pools) pool->OnReachabilityChange(follow);
  auto check = [this] {
    bool serving = true;
    for (const auto& pool : hosted_->pools) serving = pool->Ping().ok() && serving;
    SetServing(serving);
    return serving;
  };
  check();
  health_thread_ = std::thread([this, check] {
    bool was_serving = true;
    for (;;) {
      {
        absl::MutexLock lock(&health_mu_);
        auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(health_mu_) {
          return health_wake_ || health_stop_;
        };
        health_mu_.AwaitWithTimeout(absl::Condition(&woken), config_.health_interval);
        if (health_stop_) break;
        health_wake_ = false;
      }
      const bool serving = check();
      if (serving != was_serving) {
        if (serving) {
          logs::Info("database reachable again").Str("health", "SERVING");
        } else {
          logs::Error("database unreachable").Str("health", "NOT_SERVING");
        }
      }
      was_serving = serving;
    }
  });
}

void App::SetServing(bool serving) {
  serving_ = serving;
  server_->GetHealthCheckService()->SetServingStatus(serving);
}

void App::Shutdown(absl::Duration grace, absl::Duration drain) {
  absl::MutexLock lock(&shutdown_mu_);
  if (stopped_.HasBeenNotified()) return;
  stopping_.Notify();
  {
    absl::MutexLock health_lock(&health_mu_);
    health_stop_ = true;
  }
  if (health_thread_.joinable()) health_thread_.join();
  if (hosted_) {
    for (const auto& pool : hosted_->pools) pool->OnReachabilityChange(nullptr);
  }
  if (overdue_thread_.joinable()) overdue_thread_.join();
  if (server_ && drain > absl::ZeroDuration()) {
    // Draining: health says NOT_SERVING, so balancers and clients move to
    // other replicas, while this one still serves whatever comes.
    SetServing(false);
    absl::SleepFor(drain);
    // Then a new call is told UNAVAILABLE (SHUTTING_DOWN: retry elsewhere)
    // for a moment before the server stops: gRPC cancels the calls that
    // have arrived but not yet started when it stops, so a client that is
    // still sending should hear "retry" first.
    if (hosted_ && hosted_->public_gate) hosted_->public_gate->Close();
    absl::SleepFor(kRefusingBeforeStop);
  }
  // Watches never end by themselves: end them now, not at the grace's end.
  if (hosted_ && hosted_->progress_feed) hosted_->progress_feed->CloseAll();
  if (server_) {
    serving_ = false;
    if (auto* health = server_->GetHealthCheckService()) health->Shutdown();
    // In-flight calls finish (until the deadline); new ones are refused.
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  }
  // Its streams ended with the server's; its unary calls finished or were refused.
  if (http_) http_->Stop();
  if (hosted_ && hosted_->consumer) hosted_->consumer->Stop();
  if (hosted_ && hosted_->notifier) hosted_->notifier->Stop();
  if (hosted_ && hosted_->progress_feed) hosted_->progress_feed->Stop();
  if (internal_server_) internal_server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  stopped_.Notify();
}

void App::Wait() { stopped_.WaitForNotification(); }

App::~App() { Shutdown(absl::ZeroDuration()); }

int App::http_port() const { return http_ ? http_->port() : 0; }

std::vector<std::string> App::http_local_methods() const {
  if (!hosted_ || !hosted_->local_methods) return {};
  return hosted_->local_methods->Paths();
}

}  // namespace screening
