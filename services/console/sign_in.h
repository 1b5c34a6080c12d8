// Signing in to the web console: a username and a password (accounts.h) for
// a short-lived bearer token of the account's caller, from the same token
// machinery as every other caller (auth.tokens: revocable, with an expiry).
// Every sign-in, failure and sign-out is audited (method `console/SignIn`,
// `console/SignOut`, resource `accounts/<username>`).
#pragma once

#include <string>

#include "absl/base/call_once.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "services/admin/admin_store.h"
#include "services/console/account_store.h"

namespace screening::console {

class SignIn {
 public:
  SignIn(AccountStore& accounts, admin::AdminStore& tokens, const Clock& clock,
         absl::Duration session_ttl);

  struct Session {
    std::string token;  // the bearer token, for the session cookie
    absl::Time expire_time;
    Account account;
  };
  // UNAUTHENTICATED for an unknown or disabled account or a wrong password
  // (the same answer, with the attempts left for a known one);
  // RESOURCE_EXHAUSTED (reason ACCOUNT_LOCKED) while locked.
  absl::StatusOr<Session> WithPassword(const std::string& username, const std::string& password,
                                       const std::string& peer);
  // The caller of a session's token; UNAUTHENTICATED when it is not valid.
  absl::StatusOr<Caller> SessionCaller(const std::string& token);
  // Revokes the session's token. UNAUTHENTICATED when it is not a valid one.
  absl::Status SignOut(const std::string& token, const std::string& peer);

 private:
  void Audit(const std::string& username, const std::string& caller, const char* method,
             const absl::Status& outcome, const std::string& peer);

  AccountStore& accounts_;
  admin::AdminStore& tokens_;
  const Clock& clock_;
  const absl::Duration session_ttl_;
  // Verified for unknown names, so that they take as long; made on first
  // use (an Argon2id hash costs 64 MiB and a tenth of a second).
  const std::string& DecoyHash();
  absl::once_flag decoy_once_;
  std::string decoy_hash_;
};

}  // namespace screening::console
