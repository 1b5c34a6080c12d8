// Group commit: many threads each hand in one item, and the items waiting
// together run as one batch (one transaction, one commit) on one of the
// waiting threads; each thread gets back its own outcome.
//
// At most `max_running` batches run at once. While they run, new items queue,
// so batches grow with the load by themselves and a lone call waits for no
// one: no timer, no extra thread.
//
//   Batcher<Entry, absl::Status> audit(
//       [&](std::vector<Entry>& entries) { return InsertAll(entries); },
//       {.max_batch = 64, .max_running = 2});
//   absl::Status logged = audit.Run(entry);  // returns once its batch committed
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace screening {

template <typename Item, typename Outcome>
class Batcher {
 public:
  // Runs `items` together and returns one outcome per item, in order. Must not
  // throw.
  using RunBatch = std::function<std::vector<Outcome>(std::vector<Item>& items)>;
  struct Options {
    size_t max_batch = 64;
    int max_running = 2;
  };

  Batcher(RunBatch run, Options options) : run_(std::move(run)), options_(options) {}
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Blocks until the batch holding `item` has run.
  Outcome Run(Item item) {
    Waiter self{std::move(item), std::nullopt};
    absl::MutexLock lock(&mu_);
    queue_.push_back(&self);
    while (true) {
      auto done_or_can_lead = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return self.outcome.has_value() ||
               (running_ < options_.max_running && !queue_.empty());
      };
      mu_.Await(absl::Condition(&done_or_can_lead));
      if (self.outcome) return std::move(*self.outcome);
      Lead();  // runs the oldest waiting items, perhaps not including our own
    }
  }

  // How many batches and items ran (for tests and benchmarks).
  std::pair<size_t, size_t> BatchesAndItems() {
    absl::MutexLock lock(&mu_);
    return {batches_, items_};
  }

 private:
  struct Waiter {
    Item item;
    std::optional<Outcome> outcome;
  };

  void Lead() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<Waiter*> batch;
    while (!queue_.empty() && batch.size() < options_.max_batch) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    ++running_;
    ++batches_;
    items_ += batch.size();
    mu_.Unlock();
    // Each waiter stays blocked (and its item alive) until its outcome is set.
    std::vector<Item> items;
    items.reserve(batch.size());
    for (Waiter* w : batch) items.push_back(std::move(w->item));
    std::vector<Outcome> outcomes = run_(items);
    mu_.Lock();
    --running_;
    for (size_t i = 0; i < batch.size(); ++i) batch[i]->outcome = std::move(outcomes[i]);
  }

  const RunBatch run_;
  const Options options_;
  absl::Mutex mu_;
  std::deque<Waiter*> queue_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  size_t batches_ ABSL_GUARDED_BY(mu_) = 0, items_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace screening
