#include "services/admin/admin_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/audit_rows.h"
#include "common/crypto.h"
#include "common/dates.h"
#include "common/errors.h"

namespace screening::admin {
namespace {

// Tokens look like `sct_<id: 16 hex>_<secret: 64 hex>`.
constexpr absl::string_view kTokenPrefix = "sct_";

absl::Time ParseTime(const std::string& epoch_seconds) {
  return absl::FromUnixMicros(static_cast<int64_t>(std::stod(epoch_seconds) * 1e6));
}

}  // namespace

AdminStore::AdminStore(db::Pool& pool, const Clock& clock)
    : pool_(pool),
      clock_(clock),
      audit_batch_([this](std::vector<AuditEntry>& entries) { return AppendAll(entries); },
                   {.max_batch = 128, .max_running = 1}) {
  pool_.AddPreparer([](pqxx::connection_base& c) {
    c.prepare("auth_find_tokens",
              "SELECT secret_hash, caller, extract(epoch FROM expire_time)::text,"
              " revoke_time IS NOT NULL, id FROM auth.tokens WHERE id = ANY ($1::text[])");
    c.prepare("auth_insert_token",
              "INSERT INTO auth.tokens (id, secret_hash, caller, description, expire_time)"
              " VALUES ($1, $2, $3, $4, to_timestamp($5::double precision))");
    c.prepare("auth_revoke_token",
              "UPDATE auth.tokens SET revoke_time = coalesce(revoke_time, now()) WHERE id = $1"
              " RETURNING id");
    c.prepare("auth_list_tokens",
              "SELECT id, caller, description, extract(epoch FROM create_time)::text,"
              " extract(epoch FROM expire_time)::text, revoke_time IS NOT NULL"
              " FROM auth.tokens ORDER BY create_time");
    // Rows of every call waiting at once, in one statement (see Append).
    c.prepare("audit_append", AuditInsertSql(1));
    c.prepare("audit_list",
              "SELECT id, to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
              " subject, role, scope, method, resource, outcome, reason, peer FROM audit.events"
              " WHERE ($1 = '' OR resource = $1) AND ($2 = '' OR subject = $2)"
              " AND ($3::bigint = 0 OR id < $3) ORDER BY id DESC LIMIT $4");
  });
}

absl::StatusOr<Caller> AdminStore::Verify(absl::string_view token) {
  return VerifyAll({std::string(token)})[0];
}

std::vector<absl::StatusOr<Caller>> AdminStore::VerifyAll(const std::vector<std::string>& tokens) {
  // "sct_<id>_<secret>": the id finds the row, the secret must hash to it.
  struct Parsed {
    std::string id, secret;
  };
  std::vector<absl::StatusOr<Parsed>> parsed;
  std::vector<std::string> ids;
  for (absl::string_view token : tokens) {
    if (!absl::ConsumePrefix(&token, kTokenPrefix)) {
      parsed.emplace_back(
          WithReason(absl::UnauthenticatedError("not a screening token"), "TOKEN_MALFORMED"));
      continue;
    }
    std::vector<std::string> parts = absl::StrSplit(token, '_');
    if (parts.size() != 2 || parts[0].size() != 16 || parts[1].size() != 64) {
      parsed.emplace_back(
          WithReason(absl::UnauthenticatedError("malformed token"), "TOKEN_MALFORMED"));
      continue;
    }
    auto secret = HexDecode(parts[1]);
    if (!secret.ok()) {
      parsed.emplace_back(
          WithReason(absl::UnauthenticatedError("malformed token"), "TOKEN_MALFORMED"));
      continue;
    }
    ids.push_back(parts[0]);
    parsed.emplace_back(Parsed{parts[0], *std::move(secret)});
  }
  using Row = std::tuple<std::string, std::string, std::string, bool>;
  using Rows = std::map<std::string, Row>;
  // One read for all the calls' tokens: no transaction needed.
  absl::StatusOr<Rows> found = Rows();
  if (!ids.empty()) {
    found = db::AutoCommit<Rows>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Rows> {
      Rows rows;
      for (const auto& row : tx.exec_prepared("auth_find_tokens", db::PgArray(ids))) {
        rows.emplace(row[4].as<std::string>(),
                     Row(pqxx::binarystring(row[0]).str(), row[1].as<std::string>(),
                         row[2].as<std::string>(), row[3].as<bool>()));
      }
      return rows;
    });
  }
  std::vector<absl::StatusOr<Caller>> callers;
  for (const absl::StatusOr<Parsed>& token : parsed) {
    if (!token.ok()) {
      callers.emplace_back(token.status());
    } else if (!found.ok()) {
      callers.emplace_back(found.status());
    } else {
      callers.push_back(CallerOfToken(token->id, token->secret, *found));
    }
  }
  return callers;
}

absl::StatusOr<Caller> AdminStore::CallerOfToken(
    const std::string& id, const std::string& secret,
    const std::map<std::string, std::tuple<std::string, std::string, std::string, bool>>& rows)
    const {
  auto row = rows.find(id);
  if (row == rows.end())
    return WithReason(absl::UnauthenticatedError("unknown token"), "TOKEN_UNKNOWN");
  const auto& [hash, caller_name, expire, revoked] = row->second;
  if (!SecretEquals(hash, Sha256(secret))) {
    return WithReason(absl::UnauthenticatedError("token does not match"), "TOKEN_UNKNOWN");
  }
  if (revoked) return WithReason(absl::UnauthenticatedError("token revoked"), "TOKEN_REVOKED");
  if (ParseTime(expire) <= clock_.Now())
    return WithReason(absl::UnauthenticatedError("token expired"), "TOKEN_EXPIRED");
  auto caller = ParseCallerName(caller_name);
  if (!caller.ok()) {
    return WithReason(absl::UnauthenticatedError("token names no valid caller"), "TOKEN_MALFORMED");
  }
  caller->subject = absl::StrCat("token:", id);
  return caller;
}

absl::Status AdminStore::Append(const AuditEntry& entry) {
  // Returns once the row is committed. Calls finishing together share one
  // insert and one commit (group commit): every audited call used to pay a
  // commit of its own.
  return audit_batch_.Run(entry);
}

std::vector<absl::Status> AdminStore::AppendAll(const std::vector<AuditEntry>& entries) {
  const absl::Status status =
      db::AutoCommitStatus(pool_, [&](pqxx::nontransaction& tx) -> absl::Status {
        AppendAuditRows(tx, "audit_append", entries);
        return absl::OkStatus();
      });
  if (status.ok() || entries.size() == 1 || status.code() == absl::StatusCode::kUnavailable) {
    return std::vector<absl::Status>(entries.size(), status);
  }
  // A row the database refuses fails only its own call.
  std::vector<absl::Status> each;
  for (const AuditEntry& e : entries) each.push_back(AppendAll({e})[0]);
  return each;
}

absl::StatusOr<IssuedToken> AdminStore::IssueToken(const Caller& caller, absl::Duration ttl,
                                                   const std::string& description) {
  IssuedToken issued;
  issued.id = HexEncode(RandomBytes(8));
  const std::string secret = RandomBytes(32);
  issued.token = absl::StrCat(kTokenPrefix, issued.id, "_", HexEncode(secret));
  issued.expire_time = clock_.Now() + ttl;
  const std::string expire = db::PgEpoch(issued.expire_time);
  absl::Status status = db::TransactStatus(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared("auth_insert_token", issued.id, pqxx::binarystring(Sha256(secret)),
                     caller.Name(), description, expire);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return issued;
}

absl::Status AdminStore::RevokeToken(const std::string& id) {
  return db::TransactStatus(pool_, [&](pqxx::work& tx) -> absl::Status {
    if (tx.exec_prepared("auth_revoke_token", id).empty()) {
      return absl::NotFoundError(absl::StrCat("token ", id, " does not exist"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<TokenInfo>> AdminStore::ListTokens() {
  using Tokens = std::vector<TokenInfo>;
  return db::Transact<Tokens>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Tokens> {
    Tokens tokens;
    for (const auto& row : tx.exec_prepared("auth_list_tokens")) {
      tokens.push_back({row[0].as<std::string>(), row[1].as<std::string>(),
                        row[2].as<std::string>(), ParseTime(row[3].as<std::string>()),
                        ParseTime(row[4].as<std::string>()), row[5].as<bool>()});
    }
    return tokens;
  });
}

absl::StatusOr<std::vector<v1::AuditEvent>> AdminStore::ListAudit(const AuditQuery& q) {
  using Events = std::vector<v1::AuditEvent>;
  return db::Transact<Events>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Events> {
    Events events;
    for (const auto& row :
         tx.exec_prepared("audit_list", q.resource, q.subject, q.before_id, q.page_size)) {
      v1::AuditEvent& e = events.emplace_back();
      e.set_id(row[0].as<int64_t>());
      e.set_time(row[1].as<std::string>());
      e.set_subject(row[2].as<std::string>());
      e.set_role(row[3].as<std::string>());
      e.set_scope(row[4].as<std::string>());
      e.set_method(row[5].as<std::string>());
      e.set_resource(row[6].as<std::string>());
      e.set_outcome(row[7].as<std::string>());
      e.set_reason(row[8].as<std::string>());
      e.set_peer(row[9].as<std::string>());
    }
    return events;
  });
}

}  // namespace screening::admin
