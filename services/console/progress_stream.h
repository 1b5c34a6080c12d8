// WatchProgress over HTTP, served from the progress feed on the connection's
// own thread. As for a gRPC watcher, an update waits in a slot of one (a
// newer one replaces it), so a slow browser gets the latest state, never a
// backlog. The enveloped body of each update is made once, for every
// connection that sends it: a thousand dashboards cost one JSON each.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/progress/progress_feed.h"

namespace screening::console {

class HttpProgressWatch final : public progress::ProgressFeed::Watcher {
 public:
  using Update = std::shared_ptr<const v1::ProgressUpdate>;
  void Offer(Update update) override;
  void Close() override;
  // The next update to send, waiting up to `wait` (null if none came);
  // `closed` is set once the feed has closed (the process is stopping).
  Update Next(absl::Duration wait, bool* closed);

 private:
  absl::Mutex mu_;
  absl::CondVar changed_;
  Update waiting_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

// The Connect envelope of each recent update, made on first use.
class UpdateEnvelopes {
 public:
  std::shared_ptr<const std::string> Of(const HttpProgressWatch::Update& update, bool json);

 private:
  struct Entry {
    std::weak_ptr<const v1::ProgressUpdate> update;
    bool json;
    std::shared_ptr<const std::string> envelope;
  };
  static constexpr size_t kKept = 16;  // a few keys (year, breakdown) times two formats
  absl::Mutex mu_;
  std::deque<Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace screening::console
