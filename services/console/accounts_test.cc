#include "services/console/accounts.h"

#include <gtest/gtest.h>

#include "tests/support/grpc_matchers.h"

namespace screening::console {
namespace {

using ::screening::testing::BadFields;

TEST(Accounts, UsernamesArePlainAndShort) {
  for (const char* good : {"zhang.wei", "hrb-dl-01", "a_1", "abc"}) {
    EXPECT_TRUE(ValidateUsername(good).ok()) << good;
  }
  for (const char* bad : {"", "ab", "Zhang", "张伟", ".abc", "a b", "a\x1b[31m",
                          "abcdefghijklmnopqrstuvwxyz0123456"}) {
    EXPECT_EQ(BadFields(ValidateUsername(bad)), std::vector<std::string>{"username"}) << bad;
  }
}

TEST(Accounts, PasswordsAreLongEnoughAndNotTheName) {
  EXPECT_TRUE(ValidatePassword("correct horse", "zhang.wei").ok());
  EXPECT_FALSE(ValidatePassword("short", "zhang.wei").ok());
  EXPECT_FALSE(ValidatePassword(std::string(129, 'x'), "zhang.wei").ok());
  EXPECT_FALSE(ValidatePassword("12345678901", "zhang.wei").ok());
  EXPECT_FALSE(ValidatePassword("Zhang.Wei.1", "zhang.wei.1").ok());
  EXPECT_EQ(BadFields(ValidatePassword("x", "y", "account.password")),
            std::vector<std::string>{"account.password"});
}

TEST(Accounts, BoundToAPersonsCallerNeverAService) {
  EXPECT_TRUE(ParseAccountCaller("clinic:230102").ok());
  EXPECT_TRUE(ParseAccountCaller("hospital:HRB-DL-01").ok());
  EXPECT_TRUE(ParseAccountCaller("commission").ok());
  EXPECT_TRUE(ParseAccountCaller("admin").ok());
  EXPECT_FALSE(ParseAccountCaller("service:scheduling").ok());
  EXPECT_FALSE(ParseAccountCaller("clinic:999999").ok());
  EXPECT_FALSE(ParseAccountCaller("developer").ok());
}

TEST(Accounts, Argon2idHashesVerifyTheRightPasswordOnly) {
  auto hash = HashPassword("correct horse battery");
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_EQ(hash->find("correct"), std::string::npos);
  EXPECT_TRUE(PasswordMatches(*hash, "correct horse battery"));
  EXPECT_FALSE(PasswordMatches(*hash, "correct horse batterY"));
  EXPECT_FALSE(PasswordMatches("garbage", "correct horse battery"));
  auto again = HashPassword("correct horse battery");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*again, *hash) << "a random salt each time";
}

TEST(Accounts, TheFifthFailureInARowLocksForAQuarterOfAnHour) {
  const absl::Time now = absl::FromUnixSeconds(1'750'000'000);
  for (int failures = 0; failures < kFailuresBeforeLock; ++failures) {
    EXPECT_FALSE(LockedUntilAfterFailure(failures, now).has_value()) << failures;
  }
  EXPECT_EQ(LockedUntilAfterFailure(5, now), now + absl::Minutes(15));
  EXPECT_EQ(LockedUntilAfterFailure(6, now), now + absl::Minutes(15));
}

}  // namespace
}  // namespace screening::console
