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
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/batch_span.h"

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
        return self.outcome.has_value() || (running_ < options_.max_running && !queue_.empty());
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

// Group commit for calls that do not wait on a thread: a callback handler
// hands its call in with Add and returns; `threads` worker threads each take
// up to `max_batch` waiting items at a time and run them as one batch, which
// answers each call itself. With Batcher every call held a thread that the
// batch then had to wake; here the calls only wait in the queue.
//
//   BatchWorkers<Call> workers([&](std::vector<Call>& calls) { BookAndAnswer(calls); },
//                              {.max_batch = 64, .threads = 2});
//   workers.Add(call);  // returns at once
template <typename Item>
class BatchWorkers {
 public:
  // Must not throw.
  using RunBatch = std::function<void(std::vector<Item>& items)>;
  struct Options {
    size_t max_batch = 64;
    int threads = 2;
  };

  BatchWorkers(RunBatch run, Options options) : run_(std::move(run)), options_(options) {
    for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { Work(); });
  }
  BatchWorkers(const BatchWorkers&) = delete;
  BatchWorkers& operator=(const BatchWorkers&) = delete;
  // Runs every item still waiting, then stops the threads.
  ~BatchWorkers() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    for (std::thread& t : threads_) t.join();
  }

  void Add(Item item) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(item));
  }

  // How many batches and items ran (for tests and benchmarks).
  std::pair<size_t, size_t> BatchesAndItems() {
    absl::MutexLock lock(&mu_);
    return {batches_, items_};
  }

 private:
  void Work() {
    while (true) {
      std::vector<Item> batch;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ || !queue_.empty();
        };
        mu_.Await(absl::Condition(&ready));
        if (queue_.empty()) return;  // stopping, and nothing left to run
        while (!queue_.empty() && batch.size() < options_.max_batch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        ++batches_;
        items_ += batch.size();
      }
      run_(batch);
    }
  }

  const RunBatch run_;
  const Options options_;
  absl::Mutex mu_;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  size_t batches_ ABSL_GUARDED_BY(mu_) = 0, items_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> threads_;  // last: the threads use every member above
};

// Runs the items of a batch together where it can and one by one where it
// must. `together(indexes, collided)` tries the items at `indexes` in one go:
// their outcomes, or nullopt with the items that collided (with what is
// stored, or with an earlier item) marked. Those are set aside and the rest
// tried together again, at most `attempts` times; whatever is left, and every
// item set aside, then runs alone with `one(index)`, in order, after the rest.
template <typename Outcome>
std::vector<Outcome> TogetherThenOneByOne(
    size_t count, int attempts,
    const std::function<std::optional<std::vector<Outcome>>(const std::vector<size_t>& indexes,
                                                            std::vector<bool>* collided)>& together,
    const std::function<Outcome(size_t index)>& one) {
  std::vector<std::optional<Outcome>> outcomes(count);
  std::vector<size_t> indexes(count);
  for (size_t i = 0; i < count; ++i) indexes[i] = i;
  for (int attempt = 0; attempt < attempts && indexes.size() > 1; ++attempt) {
    std::vector<bool> collided(indexes.size(), false);
    if (std::optional<std::vector<Outcome>> done = together(indexes, &collided)) {
      for (size_t k = 0; k < indexes.size(); ++k) outcomes[indexes[k]] = std::move((*done)[k]);
      break;
    }
    std::vector<size_t> clean;
    for (size_t k = 0; k < indexes.size(); ++k) {
      if (!collided[k]) clean.push_back(indexes[k]);
    }
    if (clean.size() == indexes.size()) break;  // failed for another reason
    indexes = std::move(clean);
  }
  std::vector<Outcome> all;
  all.reserve(count);
  int alone = 0;  // of a batch of several (a lone item is not a collision)
  for (size_t i = 0; i < count; ++i) alone += count > 1 && !outcomes[i];
  if (alone > 0) BatchSpan::CountStoredAlone(alone);
  for (size_t i = 0; i < count; ++i) all.push_back(outcomes[i] ? std::move(*outcomes[i]) : one(i));
  return all;
}

}  // namespace screening
