// The deadline of the call a thread is serving, so that database work stops
// when the caller has given up: the call gate sets it for the handler's
// thread (the synchronous server runs a handler on one thread) and
// db::Transact turns it into a PostgreSQL statement_timeout.
#pragma once

#include "absl/time/time.h"

namespace screening {

// InfiniteFuture when the thread serves no call with a deadline.
absl::Time CurrentCallDeadline();

// Sets the current thread's call deadline until destroyed.
class ScopedCallDeadline {
 public:
  explicit ScopedCallDeadline(absl::Time deadline);
  ~ScopedCallDeadline();
  ScopedCallDeadline(const ScopedCallDeadline&) = delete;
  ScopedCallDeadline& operator=(const ScopedCallDeadline&) = delete;

 private:
  absl::Time previous_;
};

}  // namespace screening
