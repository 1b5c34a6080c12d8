#include <gtest/gtest.h>

#include "common/call_gate.h"
#include "common/clock.h"

namespace screening {
namespace {

TEST(RateLimiter, AllowsTheBurstThenRefillsWithTime) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  RateLimiter limiter(clock, /*per_second=*/1, /*burst=*/2);
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("b")) << "buckets are per caller";
  clock.Set(absl::FromUnixSeconds(1001));
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
}

TEST(RateLimiter, AClockSteppedBackwardsTakesNothingAway) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  RateLimiter limiter(clock, /*per_second=*/1, /*burst=*/3);
  EXPECT_TRUE(limiter.Allow("a"));
  clock.Set(absl::FromUnixSeconds(900));  // e.g. an NTP step
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
  clock.Set(absl::FromUnixSeconds(901));
  EXPECT_TRUE(limiter.Allow("a")) << "refills from the new time on";
}

TEST(RateLimiter, AStreamsMessagesWaitTheirTurnAndLeaveADebt) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  RateLimiter limiter(clock, /*per_second=*/10, /*burst=*/2);
  EXPECT_EQ(limiter.Reserve("a"), absl::ZeroDuration());
  EXPECT_EQ(limiter.Reserve("a"), absl::ZeroDuration());
  EXPECT_EQ(limiter.Reserve("a"), absl::Milliseconds(100)) << "one token short at 10/s";
  EXPECT_EQ(limiter.Reserve("a"), absl::Milliseconds(200));
  EXPECT_FALSE(limiter.Allow("a")) << "the caller's calls pay the debt back";
  clock.Set(absl::FromUnixSeconds(1000) + absl::Milliseconds(300));
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("b")) << "another caller's bucket is whole";
}

}  // namespace
}  // namespace screening
