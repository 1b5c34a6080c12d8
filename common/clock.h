// The time source of the services, injected so that ages, gestational weeks
// and quarters are testable without waiting for a calendar.
//
//   FakeClock clock(absl::FromCivil(absl::CivilDay(2025, 3, 1), HarbinTimeZone()));
//   Today(clock);  // 2025-03-01
#pragma once

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace screening {

// Harbin keeps China Standard Time, UTC+8, with no daylight saving; a fixed
// zone needs no tzdata on the host.
inline absl::TimeZone HarbinTimeZone() { return absl::FixedTimeZone(8 * 60 * 60); }

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

// A clock that stands still until told otherwise.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time now) : now_(now) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time now) {
    absl::MutexLock lock(&mu_);
    now_ = now;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_;
};

// Today's date in Harbin.
inline absl::CivilDay Today(const Clock& clock) {
  return absl::ToCivilDay(clock.Now(), HarbinTimeZone());
}

}  // namespace screening
