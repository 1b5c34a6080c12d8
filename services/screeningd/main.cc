// screeningd: hosts any subset of the screening services.
//
//   screeningd [--services=all] [--listen=127.0.0.1:50051] [--database_url=...]
//   screeningd migrate [--services=all] [--database_url=...]
//   screeningd reseal [--database_url=...] [--data_keys=...] [--lookup_key=...]
#include <pthread.h>
#include <unistd.h>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "common/crypto.h"
#include "common/dates.h"
#include "common/help_flags.h"
#include "common/log.h"
#include "services/admin/admin_store.h"
#include "services/console/account_store.h"
#include "services/console/accounts.h"
#include "services/registry/reseal.h"
#include "services/results/follow_up.h"
#include "services/results/screenings.h"
#include "services/screeningd/app.h"

ABSL_FLAG(std::string, services, "all",
          "Services to host: 'all' or a comma list of admin, registry, scheduling, results, "
          "progress.");
ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "Address to serve gRPC on (port 0: any free).");
ABSL_FLAG(std::string, http_listen, "",
          "Also serve the API to browsers (Connect protocol: JSON over HTTP) on host:port; "
          "HTTPS with --tls_cert/--tls_key unless --insecure. Off when empty.");
ABSL_FLAG(std::string, metrics_listen, "",
          "Serve Prometheus metrics at http://host:port/metrics (plain HTTP: keep it on a "
          "private address). Off when empty.");
ABSL_FLAG(std::string, log_level, "info",
          "Least severe log lines written: debug, info (one line per call), warn, error or off.");
ABSL_FLAG(std::string, log_format, "auto",
          "Log lines as json (one object per line), text, or auto: text on a terminal, JSON "
          "otherwise.");
ABSL_FLAG(absl::Duration, session_ttl, absl::Hours(8),
          "How long a console sign-in lasts (its token's expiry), 5m to 24h.");
ABSL_FLAG(int, http_threads, 1024,
          "HTTP connections served at once (each live dashboard holds one).");
ABSL_FLAG(std::string, database_url, "",
          "PostgreSQL URL; defaults to the SCREENING_DATABASE_URL environment variable.");
ABSL_FLAG(std::string, read_database_url, "",
          "A standby for reads that may lag (progress, report drafts, resident lists); their "
          "answers state its lag. Off: everything reads the primary.");
ABSL_FLAG(std::string, registry_address, "", "Where to reach the registry when not hosted here.");
ABSL_FLAG(std::string, scheduling_address, "", "Where to reach scheduling when not hosted here.");
ABSL_FLAG(std::string, results_address, "", "Where to reach results when not hosted here.");
ABSL_FLAG(int, programme_year, 2025,
          "The current programme year (progress reports it by default).");
ABSL_FLAG(std::string, programme_rules, "",
          "JSON file of the programme's rules per year (ages, age reference day, targets); "
          "without it, one programme: --programme_year with docs/domain.md's rules and the targets "
          "below.");
ABSL_FLAG(int64_t, target_persons, 800000,
          "Without --programme_rules: persons screened in the programme year.");
ABSL_FLAG(int64_t, target_nipt, 6000,
          "Without --programme_rules: pregnancies given NIPT in the programme year.");
ABSL_FLAG(int, db_pool_size, 8, "Database connections per hosted service.");
ABSL_FLAG(int, server_threads, 64,
          "Threads each gRPC server keeps waiting for calls between bursts (2 to 1000).");
ABSL_FLAG(int, shutdown_grace_seconds, 10,
          "On SIGTERM or SIGINT, how long in-flight calls may take to finish.");
ABSL_FLAG(absl::Duration, shutdown_drain, absl::Seconds(2),
          "On SIGTERM or SIGINT, how long to go on serving with health NOT_SERVING (so that "
          "balancers move away) before new calls are refused UNAVAILABLE.");
ABSL_FLAG(bool, insecure, false,
          "Serve plain text; calls without credentials act as a developer with every right. "
          "Local development only.");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain of this server.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of this server.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA whose client certificates are accepted; their common name names the caller "
          "(clinic:<district>, hospital:<code>, commission, admin, service:<name>).");
ABSL_FLAG(std::string, peer_ca, "",
          "PEM CA to verify services in other processes (plain text to them if empty).");
ABSL_FLAG(std::string, service_token, "",
          "Token this process presents to services in other processes; defaults to "
          "SCREENING_SERVICE_TOKEN.");
ABSL_FLAG(std::string, data_keys, "",
          "Key ring sealing personal data, 'id:hex64[,id:hex64...]', first one encrypts; "
          "defaults to SCREENING_DATA_KEYS.");
ABSL_FLAG(std::string, lookup_key, "",
          "HMAC keys of ID-number lookups, 'hex[,hex...]' (32+ bytes each): the first hashes, "
          "every one finds (while rotating); defaults to SCREENING_LOOKUP_KEY.");
ABSL_FLAG(std::string, service_db_password, "",
          "Password of the screening_<service> database roles; defaults to "
          "SCREENING_SERVICE_DB_PASSWORD.");
ABSL_FLAG(double, rate_limit_per_second, 200, "Calls per second per caller, sustained.");
ABSL_FLAG(double, rate_limit_burst, 400, "Calls per caller at once.");
ABSL_FLAG(std::string, fit_kits, "FIT-100:100",
          "FIT kits and their quantitative cut-offs, ng Hb/mL: NAME:CUTOFF[,NAME:CUTOFF...]. "
          "A result with a quantitative reading names its kit.");
ABSL_FLAG(double, uric_acid_limit_male, 420,
          "Uric acid screen-positive above this for men, µmol/L.");
ABSL_FLAG(double, uric_acid_limit_female, 420,
          "Uric acid screen-positive above this for women, µmol/L (the older rule: 360).");
ABSL_FLAG(std::string, referral_due_days, "",
          "Days to a referral's follow-up per kind, e.g. colonoscopy=365,gastroscopy=90,"
          "family_doctor=30,prenatal_diagnosis=14 (these are the defaults).");
ABSL_FLAG(int, nipt_report_working_days, 15,
          "NIPT reports later than this many working days after the draw are flagged.");
ABSL_FLAG(int, missing_result_days, 7,
          "ListMissingResults: checked-in visits without a result after this many days.");
ABSL_FLAG(absl::Duration, consumer_poll_interval, absl::Milliseconds(50),
          "How often the progress consumer looks for new events.");
ABSL_FLAG(absl::Duration, overdue_sweep_interval, absl::Minutes(1),
          "How often open referrals past their due date are marked overdue (with an event).");
ABSL_FLAG(absl::Duration, watch_min_gap, absl::Milliseconds(25),
          "WatchProgress: least time between two updates (changes closer together are sent as "
          "one).");
ABSL_FLAG(int, max_message_bytes, 4 << 20, "Largest request or response, in bytes.");
ABSL_FLAG(std::string, sms_gateway_url, "",
          "Where notify posts text messages (JSON over HTTP(S)); empty: messages are made and "
          "kept pending, none is sent.");
ABSL_FLAG(std::string, sms_gateway_token_file, "",
          "A file holding the SMS gateway's bearer token (or SCREENING_SMS_GATEWAY_TOKEN).");
ABSL_FLAG(std::string, sms_templates, "",
          "The gateway's template id of each kind, e.g. booking_confirmed=SMS_1001,"
          "results_ready=SMS_1006; a kind not named is sent under its own name.");
ABSL_FLAG(absl::Duration, sms_retry_base, absl::Seconds(5),
          "Wait before a failed text message is tried again; doubled each try.");
ABSL_FLAG(absl::Duration, sms_retry_cap, absl::Minutes(10), "The longest wait between tries.");
ABSL_FLAG(int, sms_max_attempts, 8, "Tries before a text message is FAILED for good.");
ABSL_FLAG(absl::Duration, notify_poll_interval, absl::Seconds(1),
          "How often the notifier reads new events and sends what is due.");
ABSL_FLAG(std::string, caller, "", "token issue: whom the token names, e.g. hospital:HRB-DL-01.");
ABSL_FLAG(int, ttl_hours, 24 * 30, "token issue: hours until the token expires.");
ABSL_FLAG(std::string, username, "", "account: the account's username, e.g. zhang.wei.");
ABSL_FLAG(std::string, display_name, "", "account create: the person's name, e.g. 张伟.");
ABSL_FLAG(bool, password_stdin, false,
          "account create|password: read the password from the first line of stdin "
          "(otherwise a random one is made and printed once).");
ABSL_FLAG(int, reseal_batch, 500, "reseal: rows per transaction (1 to 10000).");
ABSL_FLAG(int64_t, reseal_after_id, 0,
          "reseal: start after this resident id (the last one a stopped run printed).");
ABSL_FLAG(std::string, description, "", "token issue: a note on what the token is for.");
ABSL_FLAG(std::string, token_id, "", "token revoke: the id of the token to revoke.");

namespace {

std::string FlagOrEnv(const std::string& flag, const char* env) {
  if (!flag.empty()) return flag;
  const char* value = std::getenv(env);
  return value ? value : "";
}

// Reads a file named by a flag; exits with a message if it cannot.
std::string ReadFlagFile(const std::string& path, const char* flag) {
  if (path.empty()) return "";
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  if (!in || contents.str().empty()) {
    std::fprintf(stderr, "screeningd: --%s: cannot read %s\n", flag, path.c_str());
    std::exit(2);
  }
  return contents.str();
}

// screeningd token issue|revoke|list: credentials, straight in the database
// as its owner.
int TokenCommand(const std::string& action, const std::string& database_url) {
  if (database_url.empty()) {
    std::fprintf(stderr, "screeningd: --database_url (or SCREENING_DATABASE_URL) is required\n");
    return 2;
  }
  if (absl::Status migrated = screening::MigrateServices(database_url, {"admin"}); !migrated.ok()) {
    std::fprintf(stderr, "screeningd token: %s\n", migrated.ToString().c_str());
    return 1;
  }
  screening::SystemClock clock;
  screening::db::Pool pool({.url = database_url, .size = 1});
  screening::admin::AdminStore store(pool, clock);
  if (action == "issue") {
    auto caller = screening::ParseCallerName(absl::GetFlag(FLAGS_caller));
    if (!caller.ok() || absl::GetFlag(FLAGS_ttl_hours) <= 0) {
      std::fprintf(stderr, "screeningd token issue: --caller=%s: %s; --ttl_hours must be > 0\n",
                   absl::GetFlag(FLAGS_caller).c_str(),
                   std::string(caller.status().message()).c_str());
      return 2;
    }
    auto issued = store.IssueToken(*caller, absl::Hours(absl::GetFlag(FLAGS_ttl_hours)),
                                   absl::GetFlag(FLAGS_description));
    if (!issued.ok()) {
      std::fprintf(stderr, "screeningd token issue: %s\n", issued.status().ToString().c_str());
      return 1;
    }
    std::fprintf(stderr, "token %s for %s, expires %s; it is shown only now:\n", issued->id.c_str(),
                 caller->Name().c_str(), screening::FormatTimestamp(issued->expire_time).c_str());
    std::printf("%s\n", issued->token.c_str());
    return 0;
  }
  if (action == "revoke") {
    absl::Status revoked = store.RevokeToken(absl::GetFlag(FLAGS_token_id));
    if (!revoked.ok()) {
      std::fprintf(stderr, "screeningd token revoke: %s\n", revoked.ToString().c_str());
      return revoked.code() == absl::StatusCode::kNotFound ? 2 : 1;
    }
    std::printf("revoked %s\n", absl::GetFlag(FLAGS_token_id).c_str());
    return 0;
  }
  if (action == "list") {
    auto tokens = store.ListTokens();
    if (!tokens.ok()) {
      std::fprintf(stderr, "screeningd token list: %s\n", tokens.status().ToString().c_str());
      return 1;
    }
    for (const auto& t : *tokens) {
      std::printf("%s  %-24s expires %s%s  %s\n", t.id.c_str(), t.caller.c_str(),
                  screening::FormatTimestamp(t.expire_time).c_str(), t.revoked ? "  REVOKED" : "",
                  t.description.c_str());
    }
    return 0;
  }
  std::fprintf(stderr, "screeningd: token issue|revoke|list\n");
  return 2;
}

// A new password: stdin's first line with --password_stdin, else a random one.
std::string NewPassword(bool* generated) {
  *generated = !absl::GetFlag(FLAGS_password_stdin);
  if (*generated) return screening::HexEncode(screening::RandomBytes(9));
  std::string line;
  std::getline(std::cin, line);
  return line;
}

void PrintAccount(const screening::console::Account& a) {
  std::printf(
      "%-24s %-22s %-12s%s%s\n", a.username.c_str(), a.caller.c_str(), a.display_name.c_str(),
      a.disabled ? "  DISABLED" : "",
      a.locked_until && *a.locked_until > absl::Now()
          ? absl::StrCat("  LOCKED until ", screening::FormatTimestamp(*a.locked_until)).c_str()
          : "");
}

// screeningd account create|list|password|disable|enable|unlock: the
// console's staff accounts, straight in the database as its owner.
int AccountCommand(const std::string& action, const std::string& database_url) {
  namespace console = screening::console;
  if (database_url.empty()) {
    std::fprintf(stderr, "screeningd: --database_url (or SCREENING_DATABASE_URL) is required\n");
    return 2;
  }
  if (absl::Status migrated = screening::MigrateServices(database_url, {"admin"}); !migrated.ok()) {
    std::fprintf(stderr, "screeningd account: %s\n", migrated.ToString().c_str());
    return 1;
  }
  screening::SystemClock clock;
  screening::db::Pool pool({.url = database_url, .size = 1});
  console::AccountStore accounts(pool, clock);
  const std::string username = absl::GetFlag(FLAGS_username);
  auto fail = [&](const absl::Status& status) {
    std::fprintf(stderr, "screeningd account %s: %s\n", action.c_str(),
                 std::string(status.message()).c_str());
    return status.code() == absl::StatusCode::kInvalidArgument ||
                   status.code() == absl::StatusCode::kNotFound ||
                   status.code() == absl::StatusCode::kAlreadyExists
               ? 2
               : 1;
  };
  if (action == "list") {
    auto all = accounts.List();
    if (!all.ok()) return fail(all.status());
    for (const auto& a : *all) PrintAccount(a);
    return 0;
  }
  if (absl::Status valid = console::ValidateUsername(username, "--username"); !valid.ok()) {
    return fail(valid);
  }
  std::string password;
  bool generated = false;
  if (action == "create" || action == "password") {
    password = NewPassword(&generated);
    if (absl::Status valid = console::ValidatePassword(password, username, "the password");
        !valid.ok()) {
      return fail(valid);
    }
  }
  auto hash = [&]() { return console::HashPassword(password); };
  absl::StatusOr<console::Account> done = absl::InvalidArgumentError(
      "account create|list|password|disable|enable|unlock --username=NAME");
  if (action == "create") {
    auto caller = console::ParseAccountCaller(absl::GetFlag(FLAGS_caller), "--caller");
    if (!caller.ok()) return fail(caller.status());
    auto hashed = hash();
    if (!hashed.ok()) return fail(hashed.status());
    done = accounts.Create({.username = username,
                            .caller = caller->Name(),
                            .display_name = absl::GetFlag(FLAGS_display_name),
                            .password_hash = *hashed});
  } else if (action == "password") {
    auto hashed = hash();
    if (!hashed.ok()) return fail(hashed.status());
    done = accounts.Update(username, {.password_hash = *hashed});
  } else if (action == "disable" || action == "enable") {
    done = accounts.Update(username, {.disabled = action == "disable"});
  } else if (action == "unlock") {
    done = accounts.Update(username, {.unlock = true});
  }
  if (!done.ok()) return fail(done.status());
  PrintAccount(*done);
  if (generated) {
    std::fprintf(stderr, "the password of %s, shown only now:\n", username.c_str());
    std::printf("%s\n", password.c_str());
  }
  return 0;
}

// screeningd reseal: every stored personal value under the first data key
// and the first lookup key, online, a batch at a time, as the database owner.
int ResealCommand(const std::string& database_url, const std::string& data_keys,
                  const std::string& lookup_keys) {
  if (database_url.empty()) {
    std::fprintf(stderr, "screeningd: --database_url (or SCREENING_DATABASE_URL) is required\n");
    return 2;
  }
  auto keys = screening::registry::PersonalDataKeys::Parse(data_keys, lookup_keys);
  const int batch = absl::GetFlag(FLAGS_reseal_batch);
  if (!keys.ok() || batch < 1 || batch > 10000 || absl::GetFlag(FLAGS_reseal_after_id) < 0) {
    std::fprintf(stderr,
                 "screeningd reseal: %s (--data_keys, --lookup_key; --reseal_batch 1 to 10000)\n",
                 keys.ok() ? "bad flags" : std::string(keys.status().message()).c_str());
    return 2;
  }
  if (absl::Status migrated = screening::MigrateServices(database_url, {"registry"});
      !migrated.ok()) {
    std::fprintf(stderr, "screeningd reseal: %s\n", migrated.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "screeningd reseal: sealing under data key %s%s\n",
               keys->data.active_key_id().c_str(),
               keys->previous_lookup_keys.empty() ? "" : ", hashing under the first lookup key");
  screening::db::Pool pool({.url = database_url, .size = 1});
  screening::registry::Resealer resealer(pool, *keys);
  auto report = [](const screening::registry::Resealer::Totals& t) {
    std::fprintf(stderr,
                 "residents %lld/%lld read, %lld rewritten (last id %lld); stored answers %lld "
                 "read, %lld rewritten; %zu unreadable\n",
                 static_cast<long long>(t.residents_scanned), static_cast<long long>(t.residents),
                 static_cast<long long>(t.residents_rewritten),
                 static_cast<long long>(t.last_resident_id),
                 static_cast<long long>(t.answers_scanned),
                 static_cast<long long>(t.answers_rewritten), t.unreadable.size());
  };
  auto totals = resealer.Run(
      {.batch = batch, .after_resident_id = absl::GetFlag(FLAGS_reseal_after_id)}, report);
  if (!totals.ok()) {
    std::fprintf(stderr, "screeningd reseal: stopped: %s; run it again to go on\n",
                 totals.status().ToString().c_str());
    return 1;
  }
  for (const std::string& row : totals->unreadable) {
    std::fprintf(stderr, "unreadable: %s\n", row.c_str());
  }
  std::printf("resealed: %lld residents and %lld stored answers rewritten, %zu unreadable\n",
              static_cast<long long>(totals->residents_rewritten),
              static_cast<long long>(totals->answers_rewritten), totals->unreadable.size());
  // Unreadable rows keep an old key in use: not done.
  return totals->unreadable.empty() ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  screening::ShowFlagsOfFileInHelp(__FILE__);
  absl::SetProgramUsageMessage(
      "the Harbin free screening programme's gRPC services.\n"
      "  screeningd [flags]           serve\n"
      "  screeningd migrate [flags]   apply database migrations and exit\n"
      "  screeningd token issue --caller=hospital:HRB-DL-01 [--ttl_hours=720] [--description=..]\n"
      "  screeningd token revoke --token_id=ID\n"
      "  screeningd token list\n"
      "  screeningd account create --username=zhang.wei --caller=clinic:230102 "
      "[--display_name=张伟] [--password_stdin]\n"
      "  screeningd account list|password|disable|enable|unlock --username=NAME\n"
      "  screeningd reseal [--reseal_batch=500]   re-seal personal data under the first keys");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  // Debian's Abseil checks every mutex acquisition for lock-order cycles (a
  // debugging aid): measurable on the hot paths, so off in the daemon; the
  // tests keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const bool migrate_only = args.size() == 2 && std::string(args[1]) == "migrate";
  if (args.size() == 3 && std::string(args[1]) == "token") {
    return TokenCommand(args[2],
                        FlagOrEnv(absl::GetFlag(FLAGS_database_url), "SCREENING_DATABASE_URL"));
  }
  if (args.size() == 3 && std::string(args[1]) == "account") {
    return AccountCommand(args[2],
                          FlagOrEnv(absl::GetFlag(FLAGS_database_url), "SCREENING_DATABASE_URL"));
  }
  if (args.size() == 2 && std::string(args[1]) == "reseal") {
    return ResealCommand(FlagOrEnv(absl::GetFlag(FLAGS_database_url), "SCREENING_DATABASE_URL"),
                         FlagOrEnv(absl::GetFlag(FLAGS_data_keys), "SCREENING_DATA_KEYS"),
                         FlagOrEnv(absl::GetFlag(FLAGS_lookup_key), "SCREENING_LOOKUP_KEY"));
  }
  if (args.size() > 1 && !migrate_only) {
    std::fprintf(stderr, "screeningd: unknown command '%s' (try --help)\n", args[1]);
    return 2;
  }

  screening::AppConfig config;
  config.listen = absl::GetFlag(FLAGS_listen);
  config.http_listen = absl::GetFlag(FLAGS_http_listen);
  config.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  config.http_threads = absl::GetFlag(FLAGS_http_threads);
  config.session_ttl = absl::GetFlag(FLAGS_session_ttl);
  config.database_url = absl::GetFlag(FLAGS_database_url);
  if (config.database_url.empty()) {
    if (const char* env = std::getenv("SCREENING_DATABASE_URL")) config.database_url = env;
  }
  config.read_database_url = absl::GetFlag(FLAGS_read_database_url);
  auto services = screening::ParseServices(absl::GetFlag(FLAGS_services));
  if (!services.ok()) {
    std::fprintf(stderr, "screeningd: %s\n", std::string(services.status().message()).c_str());
    return 2;
  }
  config.services = *services;
  config.registry_address = absl::GetFlag(FLAGS_registry_address);
  config.scheduling_address = absl::GetFlag(FLAGS_scheduling_address);
  config.results_address = absl::GetFlag(FLAGS_results_address);
  config.programme_year = absl::GetFlag(FLAGS_programme_year);
  if (absl::GetFlag(FLAGS_programme_rules).empty()) {
    config.programmes =
        screening::Programmes::Single({.year = config.programme_year,
                                       .persons_target = absl::GetFlag(FLAGS_target_persons),
                                       .nipt_target = absl::GetFlag(FLAGS_target_nipt)});
  } else {
    auto programmes = screening::Programmes::FromJson(
        ReadFlagFile(absl::GetFlag(FLAGS_programme_rules), "programme_rules"));
    if (!programmes.ok()) {
      std::fprintf(stderr, "screeningd: --programme_rules: %s\n",
                   std::string(programmes.status().message()).c_str());
      return 2;
    }
    config.programmes = *std::move(programmes);
  }
  config.db_pool_size = absl::GetFlag(FLAGS_db_pool_size);
  config.server_threads = absl::GetFlag(FLAGS_server_threads);
  config.consumer_poll_interval = absl::GetFlag(FLAGS_consumer_poll_interval);
  config.watch_min_gap = absl::GetFlag(FLAGS_watch_min_gap);
  config.overdue_sweep_interval = absl::GetFlag(FLAGS_overdue_sweep_interval);
  config.sms_gateway.url = absl::GetFlag(FLAGS_sms_gateway_url);
  config.sms_gateway.credentials =
      FlagOrEnv(ReadFlagFile(absl::GetFlag(FLAGS_sms_gateway_token_file), "sms_gateway_token_file"),
                "SCREENING_SMS_GATEWAY_TOKEN");
  while (!config.sms_gateway.credentials.empty() &&
         std::isspace(static_cast<unsigned char>(config.sms_gateway.credentials.back()))) {
    config.sms_gateway.credentials.pop_back();  // the file's last newline
  }
  if (auto ids =
          screening::notify::SmsGatewayConfig::ParseTemplateIds(absl::GetFlag(FLAGS_sms_templates));
      ids.ok()) {
    config.sms_gateway.template_ids = *std::move(ids);
  } else {
    std::fprintf(stderr, "screeningd: %s\n", std::string(ids.status().message()).c_str());
    return 2;
  }
  config.notifier.retry_base = absl::GetFlag(FLAGS_sms_retry_base);
  config.notifier.retry_cap = absl::GetFlag(FLAGS_sms_retry_cap);
  config.notifier.max_attempts = absl::GetFlag(FLAGS_sms_max_attempts);
  config.notifier.poll_interval = absl::GetFlag(FLAGS_notify_poll_interval);
  config.insecure = absl::GetFlag(FLAGS_insecure);
  config.tls_cert_pem = ReadFlagFile(absl::GetFlag(FLAGS_tls_cert), "tls_cert");
  config.tls_key_pem = ReadFlagFile(absl::GetFlag(FLAGS_tls_key), "tls_key");
  config.tls_client_ca_pem = ReadFlagFile(absl::GetFlag(FLAGS_tls_client_ca), "tls_client_ca");
  config.peer_ca_pem = ReadFlagFile(absl::GetFlag(FLAGS_peer_ca), "peer_ca");
  config.service_token = FlagOrEnv(absl::GetFlag(FLAGS_service_token), "SCREENING_SERVICE_TOKEN");
  config.data_keys = FlagOrEnv(absl::GetFlag(FLAGS_data_keys), "SCREENING_DATA_KEYS");
  config.lookup_key_hex = FlagOrEnv(absl::GetFlag(FLAGS_lookup_key), "SCREENING_LOOKUP_KEY");
  config.service_db_password =
      FlagOrEnv(absl::GetFlag(FLAGS_service_db_password), "SCREENING_SERVICE_DB_PASSWORD");
  config.rate_limit_per_second = absl::GetFlag(FLAGS_rate_limit_per_second);
  config.rate_limit_burst = absl::GetFlag(FLAGS_rate_limit_burst);
  if (absl::Status parsed = screening::results::ParseFitKits(absl::GetFlag(FLAGS_fit_kits),
                                                             &config.result_rules.colorectal);
      !parsed.ok()) {
    std::fprintf(stderr, "screeningd: --fit_kits: %s\n", std::string(parsed.message()).c_str());
    return 2;
  }
  config.result_rules.four_highs.high_uric_acid_male = absl::GetFlag(FLAGS_uric_acid_limit_male);
  config.result_rules.four_highs.high_uric_acid_female =
      absl::GetFlag(FLAGS_uric_acid_limit_female);
  if (absl::GetFlag(FLAGS_shutdown_drain) < absl::ZeroDuration() ||
      absl::GetFlag(FLAGS_shutdown_drain) > absl::Minutes(5)) {
    std::fprintf(stderr, "screeningd: --shutdown_drain: must be 0s to 5m\n");
    return 2;
  }
  for (double limit : {config.result_rules.four_highs.high_uric_acid_male,
                       config.result_rules.four_highs.high_uric_acid_female}) {
    if (!(limit >= 50 && limit <= 1200)) {
      std::fprintf(stderr, "screeningd: --uric_acid_limit_*: must be 50 to 1200 µmol/L\n");
      return 2;
    }
  }
  config.result_rules.follow_up.nipt_report_working_days =
      absl::GetFlag(FLAGS_nipt_report_working_days);
  config.result_rules.follow_up.missing_result_days = absl::GetFlag(FLAGS_missing_result_days);
  if (absl::Status parsed = screening::results::ParseReferralDays(
          absl::GetFlag(FLAGS_referral_due_days), &config.result_rules.follow_up);
      !parsed.ok()) {
    std::fprintf(stderr, "screeningd: --referral_due_days: %s\n",
                 std::string(parsed.message()).c_str());
    return 2;
  }
  config.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);

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

  auto log_level = screening::logs::ParseLevel(absl::GetFlag(FLAGS_log_level));
  auto log_format =
      screening::logs::ParseFormat(absl::GetFlag(FLAGS_log_format), isatty(STDERR_FILENO) == 1);
  for (const absl::Status& bad : {log_level.status(), log_format.status()}) {
    if (bad.ok()) continue;
    std::fprintf(stderr, "screeningd: %s\n", std::string(bad.message()).c_str());
    return 2;
  }
  screening::logs::Configure({.level = *log_level, .format = *log_format});

  auto app = screening::App::Start(config);
  if (!app.ok()) {
    screening::logs::Error("cannot start")
        .Str("code", absl::StatusCodeToString(app.status().code()))
        .Str("error", app.status().message());
    screening::logs::Flush();
    return app.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  // What this process is and how it is configured: never a secret (the
  // database password, keys and tokens are left out).
  screening::logs::Info("start")
      .Str("services", absl::GetFlag(FLAGS_services))
      .Int("port", (*app)->port())
      .Int("http_port", (*app)->http_port())
      .Str("metrics_listen", config.metrics_listen)
      .Str("database", screening::logs::RedactDatabaseUrl(config.database_url))
      .Str("read_database", screening::logs::RedactDatabaseUrl(config.read_database_url))
      .Int("db_pool_size", config.db_pool_size)
      .Int("server_threads", config.server_threads)
      .Int("programme_year", config.programme_year)
      .Bool("tls", !config.insecure)
      .Bool("client_certificates", !config.tls_client_ca_pem.empty())
      .Bool("sms_gateway", !config.sms_gateway.url.empty())
      .Str("log_level", absl::GetFlag(FLAGS_log_level));
  std::printf("listening on port %d\n", (*app)->port());
  std::fflush(stdout);

  const absl::Duration grace = absl::Seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds));
  const absl::Duration drain = absl::GetFlag(FLAGS_shutdown_drain);
  std::thread signal_waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    screening::logs::Info("stopping: draining (NOT_SERVING), then finishing the calls in flight")
        .Int("signal", signal)
        .Num("drain_seconds", absl::ToDoubleSeconds(drain))
        .Num("grace_seconds", absl::ToDoubleSeconds(grace));
    (*app)->Shutdown(grace, drain);
  });
  (*app)->Wait();
  signal_waiter.join();
  screening::logs::Info("stopped");
  screening::logs::Flush();
  return 0;
}
