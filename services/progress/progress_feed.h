// The live side of progress (WatchProgress): one thread per process reads the
// counters when they move and hands the new state to every watcher of it.
// Watchers never queue: each keeps at most the state being written and the
// latest one waiting, so a slow watcher gets the latest state, not a backlog,
// and costs the others nothing.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "screening/v1/progress.pb.h"

namespace screening::progress {

class ProgressFeed {
 public:
  // What a watch is of: the programme year and the breakdown.
  using Key = std::pair<int, v1::ProgressDimension>;
  // Reads the state of a key from the counters.
  using Reader = std::function<absl::StatusOr<v1::Progress>(const Key&)>;
  // Reads the combined offset (cheap): when it has not moved, nothing has.
  using OffsetReader = std::function<absl::StatusOr<std::string>()>;

  class Watcher {
   public:
    virtual ~Watcher() = default;
    // The latest state. Called by the feed's thread; must not block.
    virtual void Offer(std::shared_ptr<const v1::ProgressUpdate> update) = 0;
    // The feed is closing (the process is shutting down): end the watch.
    virtual void Close() = 0;
  };

  // Polls the offset every `poll_interval` (changes committed by consumers
  // in other processes) and at once after Changed(); publishes at most once
  // per `min_gap`, so a burst of changes becomes one update.
  ProgressFeed(Reader reader, OffsetReader offset_reader, absl::Duration poll_interval,
               absl::Duration min_gap);
  ~ProgressFeed();  // stops the thread

  void Start();
  void Stop();

  // Adds a watcher and offers it the current state of its key (read now if
  // no one watches that key yet) unless that state's offset is `after` (the
  // watcher has it already); then each later state.
  absl::Status Subscribe(const Key& key, const std::string& after, Watcher* watcher);
  // After this returns, the watcher is never offered anything again.
  void Unsubscribe(const Key& key, Watcher* watcher);

  // The counters moved here (the consumer applied events): publish soon.
  void Changed();

  // Ends every watch (Close) and refuses new ones (UNAVAILABLE): at
  // shutdown, so that open streams do not hold the server for its grace.
  void CloseAll();

  // How many watchers are subscribed (for tests and metrics).
  int watchers() const;

 private:
  struct Topic {
    std::set<Watcher*> watchers;
    std::shared_ptr<const v1::ProgressUpdate> latest;
  };

  void Run();
  // Re-reads every watched key whose state is older than `offset` and
  // offers the new state.
  void Publish(const std::string& offset);

  const Reader reader_;
  const OffsetReader offset_reader_;
  const absl::Duration poll_interval_, min_gap_;
  mutable absl::Mutex mu_;
  std::map<Key, Topic> topics_ ABSL_GUARDED_BY(mu_);
  bool changed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// What a watcher holds: the state being written and at most one waiting
// behind it, which a newer state replaces. Not thread-safe (the watcher
// locks around it).
class LatestOnly {
 public:
  using Update = std::shared_ptr<const v1::ProgressUpdate>;
  // The update to write now, or null when a write is in flight (the update
  // then waits, replacing any older one).
  Update Offer(Update update);
  // The write in flight finished: the next update to write, or null.
  Update WriteDone();
  // Drops what waits (the stream is ending).
  void Clear();
  bool writing() const { return in_flight_ != nullptr; }
  // Updates held: at most 2, however slow the client.
  int held() const { return (in_flight_ ? 1 : 0) + (waiting_ ? 1 : 0); }

 private:
  Update in_flight_, waiting_;
};

// Wraps a state as an update carrying its offset.
std::shared_ptr<const v1::ProgressUpdate> MakeUpdate(v1::Progress progress);

}  // namespace screening::progress
