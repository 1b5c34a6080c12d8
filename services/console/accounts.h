// Staff accounts' rules, pure: what a username and a password must be, the
// Argon2id hash of a password (libsodium), and how long repeated failures
// lock an account.
//
//   auto hash = HashPassword("correct horse battery");   // "$argon2id$v=19$m=65536,t=2,..."
//   PasswordMatches(*hash, "correct horse battery");     // true
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/caller.h"

namespace screening::console {

// Failures in a row that lock an account, and for how long.
inline constexpr int kFailuresBeforeLock = 5;
inline constexpr absl::Duration kLockTime = absl::Minutes(15);

// 3 to 32 of [a-z0-9._-], starting with a letter or digit; INVALID_ARGUMENT
// naming `field` otherwise.
absl::Status ValidateUsername(absl::string_view username, absl::string_view field = "username");
// 10 to 128 characters, not all the same kind only of digits, and not the
// username; INVALID_ARGUMENT naming `field` otherwise.
absl::Status ValidatePassword(absl::string_view password, absl::string_view username,
                              absl::string_view field = "password");
// The caller an account may be bound to: a clinic of a district, a hospital,
// the commission or admin (never a service).
absl::StatusOr<Caller> ParseAccountCaller(absl::string_view name,
                                          absl::string_view field = "caller");

// Argon2id (libsodium's crypto_pwhash_str: a random salt, 64 MiB, 2 passes),
// in its self-describing string form. INTERNAL if libsodium cannot.
absl::StatusOr<std::string> HashPassword(absl::string_view password);
bool PasswordMatches(const std::string& hash, absl::string_view password);

// After the `failures`-th failure in a row at `now`: until when the account
// is locked, if it is.
std::optional<absl::Time> LockedUntilAfterFailure(int failures, absl::Time now);

}  // namespace screening::console
