// SQL of the `auth` and `audit` schemas: bearer tokens (issue, verify,
// revoke, list) and the append-only audit log.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/batcher.h"
#include "common/call_gate.h"
#include "common/clock.h"
#include "common/db.h"
#include "screening/v1/admin.pb.h"

namespace screening::admin {

struct IssuedToken {
  std::string id;
  std::string token;  // shown once; only a hash of its secret is stored
  absl::Time expire_time;
};

struct TokenInfo {
  std::string id, caller, description;
  absl::Time create_time, expire_time;
  bool revoked;
};

struct AuditQuery {
  std::string resource, subject;
  int page_size = 100;
  int64_t before_id = 0;  // 0: from the newest
};

// Verifies tokens and appends audit rows (the gate's role needs only SELECT
// on tokens and INSERT on audit events); issues and revokes tokens (owner).
class AdminStore final : public TokenVerifier, public AuditSink {
 public:
  AdminStore(db::Pool& pool, const Clock& clock);

  absl::StatusOr<Caller> Verify(absl::string_view token) override;
  // The tokens of calls served together, in one read.
  std::vector<absl::StatusOr<Caller>> VerifyAll(const std::vector<std::string>& tokens) override;
  absl::Status Append(const AuditEntry& entry) override;
  // One statement for many rows; every entry gets the statement's outcome
  // (a row the database refuses fails only its own entry).
  std::vector<absl::Status> AppendAll(const std::vector<AuditEntry>& entries) override;

  absl::StatusOr<IssuedToken> IssueToken(const Caller& caller, absl::Duration ttl,
                                         const std::string& description);
  // NOT_FOUND when there is no such token.
  absl::Status RevokeToken(const std::string& id);
  absl::StatusOr<std::vector<TokenInfo>> ListTokens();

  absl::StatusOr<std::vector<v1::AuditEvent>> ListAudit(const AuditQuery& query);

 private:
  // The caller of token `id` with `secret`, from the token rows read (secret
  // hash, caller, expiry in epoch seconds, revoked), by id.
  absl::StatusOr<Caller> CallerOfToken(
      const std::string& id, const std::string& secret,
      const std::map<std::string, std::tuple<std::string, std::string, std::string, bool>>& rows)
      const;

  db::Pool& pool_;
  const Clock& clock_;
  Batcher<AuditEntry, absl::Status> audit_batch_;
};

}  // namespace screening::admin
