#include "services/progress/progress_feed.h"

#include "common/log.h"
#include "common/server_metrics.h"
#include "common/trace.h"

#include <vector>

namespace screening::progress {

std::shared_ptr<const v1::ProgressUpdate> MakeUpdate(v1::Progress progress) {
  auto update = std::make_shared<v1::ProgressUpdate>();
  update->set_offset(progress.offset());
  *update->mutable_progress() = std::move(progress);
  return update;
}

LatestOnly::Update LatestOnly::Offer(Update update) {
  if (in_flight_) {
    waiting_ = std::move(update);
    return nullptr;
  }
  in_flight_ = std::move(update);
  return in_flight_;
}

LatestOnly::Update LatestOnly::WriteDone() {
  in_flight_ = std::move(waiting_);
  waiting_ = nullptr;
  return in_flight_;
}

void LatestOnly::Clear() {
  in_flight_ = nullptr;
  waiting_ = nullptr;
}

ProgressFeed::ProgressFeed(Reader reader, OffsetReader offset_reader, absl::Duration poll_interval,
                           absl::Duration min_gap)
    : reader_(std::move(reader)),
      offset_reader_(std::move(offset_reader)),
      poll_interval_(poll_interval),
      min_gap_(min_gap) {}

ProgressFeed::~ProgressFeed() { Stop(); }

void ProgressFeed::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ProgressFeed::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void ProgressFeed::Changed() {
  absl::MutexLock lock(&mu_);
  changed_ = true;
}

void ProgressFeed::CloseAll() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  for (auto& [key, topic] : topics_) {
    for (Watcher* watcher : topic.watchers) watcher->Close();
  }
}

int ProgressFeed::watchers() const {
  absl::MutexLock lock(&mu_);
  int n = 0;
  for (const auto& [key, topic] : topics_) n += static_cast<int>(topic.watchers.size());
  return n;
}

absl::Status ProgressFeed::Subscribe(const Key& key, const std::string& after, Watcher* watcher) {
  // Offers happen under the lock, the first one included, so a watcher
  // never gets an older state after a newer one.
  auto join = [&](Topic& topic) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ServerMetrics* metrics = GetServerMetrics();
    if (topic.watchers.insert(watcher).second && metrics != nullptr) metrics->WatcherConnected();
    if (topic.latest->offset() != after) {
      watcher->Offer(topic.latest);
      if (metrics != nullptr) metrics->UpdateSent();
    }
  };
  const auto closing = absl::UnavailableError(
      "the server is shutting down; watch again with "
      "the last offset received");
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return closing;
    auto it = topics_.find(key);
    if (it != topics_.end()) {
      join(it->second);
      return absl::OkStatus();
    }
  }
  // The first watcher of a key reads its state; a change committed while it
  // reads is caught by the next poll, which re-reads any state older than
  // the offset.
  absl::StatusOr<v1::Progress> progress = reader_(key);
  if (!progress.ok()) return progress.status();
  auto update = MakeUpdate(*std::move(progress));
  absl::MutexLock lock(&mu_);
  if (closed_) return closing;
  Topic& topic = topics_[key];
  if (!topic.latest) topic.latest = update;
  join(topic);
  return absl::OkStatus();
}

void ProgressFeed::Unsubscribe(const Key& key, Watcher* watcher) {
  absl::MutexLock lock(&mu_);
  auto it = topics_.find(key);
  if (it == topics_.end()) return;
  if (it->second.watchers.erase(watcher) > 0) {
    if (ServerMetrics* metrics = GetServerMetrics()) metrics->WatcherLeft();
  }
  if (it->second.watchers.empty()) topics_.erase(it);
}

void ProgressFeed::Run() {
  absl::Time last_publish = absl::InfinitePast();
  absl::Status last_error = absl::OkStatus();
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return changed_ || stopping_; };
      mu_.AwaitWithTimeout(absl::Condition(&woken), poll_interval_);
      if (stopping_) return;
      changed_ = false;
      if (topics_.empty()) continue;
    }
    // Coalesce: changes closer together than min_gap are published together.
    const absl::Duration since = absl::Now() - last_publish;
    if (since < min_gap_) absl::SleepFor(min_gap_ - since);
    // A poll is sampled out: its calls are logged only at debug, or failing.
    ScopedTrace trace(TraceContext::Start(/*sampled=*/false));
    absl::StatusOr<std::string> offset = offset_reader_();
    if (!offset.ok()) {
      // Said once, not on every poll; watchers keep their last state.
      if (offset.status() != last_error) {
        logs::Warn("progress feed cannot read the offset; retrying")
            .Str("code", absl::StatusCodeToString(offset.status().code()))
            .Str("error", offset.status().message());
      }
      last_error = offset.status();
      continue;
    }
    last_error = absl::OkStatus();
    Publish(*offset);
    last_publish = absl::Now();
  }
}

void ProgressFeed::Publish(const std::string& offset) {
  std::vector<Key> stale;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, topic] : topics_) {
      if (topic.latest->offset() != offset) stale.push_back(key);
    }
  }
  for (const Key& key : stale) {
    absl::StatusOr<v1::Progress> progress = reader_(key);
    if (!progress.ok()) continue;  // tried again at the next poll
    auto update = MakeUpdate(*std::move(progress));
    absl::MutexLock lock(&mu_);
    auto it = topics_.find(key);
    if (it == topics_.end()) continue;
    it->second.latest = update;
    // Under the lock, so that Unsubscribe never returns while an offer to
    // its watcher is under way; Offer only swaps a pointer or starts a write.
    ServerMetrics* metrics = GetServerMetrics();
    for (Watcher* watcher : it->second.watchers) {
      watcher->Offer(update);
      if (metrics != nullptr) metrics->UpdateSent();
    }
  }
}

}  // namespace screening::progress
