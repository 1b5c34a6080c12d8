#include "services/console/accounts.h"

#include <sodium.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace screening::console {
namespace {

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace

absl::Status ValidateUsername(absl::string_view username, absl::string_view field) {
  const bool shaped =
      username.size() >= 3 && username.size() <= 32 && absl::ascii_isalnum(username[0]) &&
      std::all_of(username.begin(), username.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      });
  if (shaped) return absl::OkStatus();
  return InvalidField(
      std::string(field),
      "must be 3 to 32 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit");
}

absl::Status ValidatePassword(absl::string_view password, absl::string_view username,
                              absl::string_view field) {
  if (password.size() < 10 || password.size() > 128) {
    return InvalidField(std::string(field), "must be 10 to 128 characters");
  }
  if (std::all_of(password.begin(), password.end(),
                  [](char c) { return absl::ascii_isdigit(c); })) {
    return InvalidField(std::string(field), "must not be digits only");
  }
  if (absl::AsciiStrToLower(password) == absl::AsciiStrToLower(username)) {
    return InvalidField(std::string(field), "must not be the username");
  }
  return absl::OkStatus();
}

absl::StatusOr<Caller> ParseAccountCaller(absl::string_view name, absl::string_view field) {
  absl::StatusOr<Caller> caller = ParseCallerName(name);
  if (!caller.ok()) return InvalidField(std::string(field), std::string(caller.status().message()));
  if (caller->role == Role::kService || caller->role == Role::kDeveloper) {
    return InvalidField(std::string(field),
                        "an account is a clinic, a hospital, the commission or admin");
  }
  return caller;
}

absl::StatusOr<std::string> HashPassword(absl::string_view password) {
  char hash[crypto_pwhash_STRBYTES];
  if (!SodiumReady() ||
      crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return absl::InternalError("cannot hash the password (out of memory?)");
  }
  return std::string(hash);
}

bool PasswordMatches(const std::string& hash, absl::string_view password) {
  return SodiumReady() && hash.size() < crypto_pwhash_STRBYTES &&
         crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::optional<absl::Time> LockedUntilAfterFailure(int failures, absl::Time now) {
  if (failures < kFailuresBeforeLock) return std::nullopt;
  return now + kLockTime;
}

}  // namespace screening::console
