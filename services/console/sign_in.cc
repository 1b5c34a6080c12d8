#include "services/console/sign_in.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/dates.h"
#include "common/errors.h"
#include "services/console/accounts.h"

namespace screening::console {
namespace {

const absl::Status& WrongCredentials() {
  static const absl::Status kWrong = absl::UnauthenticatedError("wrong username or password");
  return kWrong;
}

// "sct_<id>_<secret>" → id.
std::string TokenId(absl::string_view token) {
  if (!absl::ConsumePrefix(&token, "sct_")) return "";
  return std::string(token.substr(0, token.find('_')));
}

}  // namespace

SignIn::SignIn(AccountStore& accounts, admin::AdminStore& tokens, const Clock& clock,
               absl::Duration session_ttl)
    : accounts_(accounts), tokens_(tokens), clock_(clock), session_ttl_(session_ttl) {}

const std::string& SignIn::DecoyHash() {
  absl::call_once(decoy_once_, [this] {
    decoy_hash_ = HashPassword("no account has this password").value_or("");
  });
  return decoy_hash_;
}

void SignIn::Audit(const std::string& username, const std::string& caller, const char* method,
                   const absl::Status& outcome, const std::string& peer) {
  absl::StatusOr<Caller> parsed = ParseCallerName(caller);
  AuditEntry entry{.time = clock_.Now(),
                   .subject = username,
                   .role = parsed.ok() ? std::string(RoleName(parsed->role)) : "",
                   .scope = parsed.ok() ? parsed->scope : "",
                   .method = method,
                   .resource = absl::StrCat("accounts/", username.substr(0, 64)),
                   .outcome = std::string(absl::StatusCodeToString(outcome.code())),
                   .reason = "",
                   .peer = peer};
  if (absl::Status appended = tokens_.Append(entry); !appended.ok()) {
    std::fprintf(stderr, "console: audit row of %s lost: %s\n", method,
                 appended.ToString().c_str());
  }
}

absl::StatusOr<SignIn::Session> SignIn::WithPassword(const std::string& username,
                                                     const std::string& password,
                                                     const std::string& peer) {
  FieldViolations bad;
  if (username.empty()) bad.Add("username", "is required");
  if (password.empty()) bad.Add("password", "is required");
  if (password.size() > 128) bad.Add("password", "must be at most 128 characters");
  if (absl::Status invalid = bad.ToStatus(); !invalid.ok()) return invalid;
  absl::StatusOr<Account> account = accounts_.Get(username);
  if (!account.ok() && account.status().code() != absl::StatusCode::kNotFound) {
    return account.status();
  }
  if (!account.ok() || account->disabled) {
    PasswordMatches(DecoyHash(), password);
    Audit(username, account.ok() ? account->caller : "", "console/SignIn", WrongCredentials(),
          peer);
    return WrongCredentials();
  }
  const absl::Time now = clock_.Now();
  auto locked = [&](absl::Time until) {
    return WithReason(absl::ResourceExhaustedError(
                          absl::StrCat("too many wrong passwords: the account is locked until ",
                                       FormatTimestamp(until), "; an administrator can unlock it")),
                      "ACCOUNT_LOCKED", {{"locked_until", FormatTimestamp(until)}});
  };
  if (account->locked_until && *account->locked_until > now) {
    absl::Status refused = locked(*account->locked_until);
    Audit(username, account->caller, "console/SignIn", refused, peer);
    return refused;
  }
  if (!PasswordMatches(account->password_hash, password)) {
    absl::StatusOr<Account> after = accounts_.RecordFailure(username);
    if (!after.ok()) return after.status();
    absl::Status refused =
        after->locked_until && *after->locked_until > now
            ? locked(*after->locked_until)
            : absl::UnauthenticatedError(absl::StrCat(
                  "wrong username or password; ", kFailuresBeforeLock - after->failed_attempts,
                  " more and the account is locked for ", absl::FormatDuration(kLockTime)));
    Audit(username, account->caller, "console/SignIn", refused, peer);
    return refused;
  }
  if (absl::Status reset = accounts_.RecordSuccess(username); !reset.ok()) return reset;
  absl::StatusOr<Caller> caller = ParseCallerName(account->caller);
  if (!caller.ok()) return absl::InternalError("the account names no valid caller");
  absl::StatusOr<admin::IssuedToken> issued =
      tokens_.IssueToken(*caller, session_ttl_, absl::StrCat("console sign-in ", username));
  if (!issued.ok()) return issued.status();
  Audit(username, account->caller, "console/SignIn", absl::OkStatus(), peer);
  return Session{
      .token = issued->token, .expire_time = issued->expire_time, .account = *std::move(account)};
}

absl::StatusOr<Caller> SignIn::SessionCaller(const std::string& token) {
  absl::StatusOr<Caller> caller = tokens_.Verify(token);
  if (!caller.ok()) return absl::UnauthenticatedError("not signed in");
  return caller;
}

absl::Status SignIn::SignOut(const std::string& token, const std::string& peer) {
  absl::StatusOr<Caller> caller = tokens_.Verify(token);
  if (!caller.ok()) return absl::UnauthenticatedError("not signed in");
  absl::Status revoked = tokens_.RevokeToken(TokenId(token));
  Audit(caller->Name(), caller->Name(), "console/SignOut", revoked, peer);
  return revoked;
}

}  // namespace screening::console
