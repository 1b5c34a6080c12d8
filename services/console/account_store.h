// The console's accounts in auth.accounts, as screening_console.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/db.h"

namespace screening::console {

struct Account {
  std::string username, caller, display_name;
  bool disabled = false;
  int failed_attempts = 0;
  std::optional<absl::Time> locked_until;
  absl::Time create_time;
  std::string password_hash;  // only for sign-in; never shown
};

class AccountStore {
 public:
  AccountStore(db::Pool& pool, const Clock& clock);

  // ALREADY_EXISTS when the username is taken.
  absl::StatusOr<Account> Create(const Account& account);
  // NOT_FOUND when there is none.
  absl::StatusOr<Account> Get(const std::string& username);
  absl::StatusOr<std::vector<Account>> List();

  struct Changes {
    std::optional<std::string> display_name;
    std::optional<bool> disabled;
    std::optional<std::string> password_hash;  // a new password also unlocks
    bool unlock = false;
  };
  // NOT_FOUND when there is none.
  absl::StatusOr<Account> Update(const std::string& username, const Changes& changes);

  // A wrong password: one more failure in a row, and locked per
  // LockedUntilAfterFailure once there are enough. Returns the account after.
  absl::StatusOr<Account> RecordFailure(const std::string& username);
  // A right one: the count starts again.
  absl::Status RecordSuccess(const std::string& username);

 private:
  db::Pool& pool_;
  const Clock& clock_;
};

}  // namespace screening::console
