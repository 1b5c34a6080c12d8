#include "common/batcher.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace screening {
namespace {

// Raises `most` to `value` if it is lower (the largest value seen, across threads).
template <typename T>
void RaiseTo(std::atomic<T>& most, T value) {
  T seen = most.load();
  while (value > seen && !most.compare_exchange_weak(seen, value)) {
  }
}

TEST(Batcher, LoneItemRunsAloneAndGetsItsOutcome) {
  std::vector<size_t> sizes;
  Batcher<int, int> batcher(
      [&](std::vector<int>& items) {
        sizes.push_back(items.size());
        std::vector<int> out;
        for (int i : items) out.push_back(i * 10);
        return out;
      },
      {.max_batch = 8, .max_running = 1});
  EXPECT_EQ(batcher.Run(4), 40);
  EXPECT_EQ(batcher.Run(5), 50);
  EXPECT_EQ(sizes, (std::vector<size_t>{1, 1}));
}

TEST(Batcher, ConcurrentItemsShareBatchesEachGetsItsOwnOutcome) {
  constexpr int kThreads = 16, kPerThread = 200;
  std::atomic<int> running{0}, most_running{0};
  std::atomic<size_t> largest{0};
  Batcher<int, int> batcher(
      [&](std::vector<int>& items) {
        RaiseTo(most_running, ++running);
        RaiseTo(largest, items.size());
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        std::vector<int> out;
        for (int i : items) out.push_back(-i);
        --running;
        return out;
      },
      {.max_batch = 5, .max_running = 2});
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int item = t * kPerThread + i + 1;
        if (batcher.Run(item) != -item) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  const auto [batches, items] = batcher.BatchesAndItems();
  EXPECT_EQ(items, static_cast<size_t>(kThreads * kPerThread));
  EXPECT_LT(batches, items);          // some items shared a batch
  EXPECT_EQ(largest.load(), 5u);      // full batches, never more than max_batch
  EXPECT_LE(most_running.load(), 2);  // never more than max_running at once
}

TEST(BatchWorkers, RunsEveryItemOnceInBatchesOfAtMostMaxBatch) {
  constexpr int kItems = 2000;
  std::atomic<int> running{0}, most_running{0};
  std::atomic<size_t> largest{0};
  absl::Mutex mu;
  std::vector<int> seen;  // every item run, in the order batches ran them
  {
    BatchWorkers<int> workers(
        [&](std::vector<int>& items) {
          RaiseTo(most_running, ++running);
          RaiseTo(largest, items.size());
          std::this_thread::sleep_for(std::chrono::microseconds(200));
          {
            absl::MutexLock lock(&mu);
            seen.insert(seen.end(), items.begin(), items.end());
          }
          --running;
        },
        {.max_batch = 7, .threads = 2});
    std::vector<std::thread> adders;
    for (int t = 0; t < 4; ++t) {
      adders.emplace_back([&, t] {
        for (int i = t; i < kItems; i += 4) workers.Add(i);
      });
    }
    for (auto& t : adders) t.join();
    while (workers.BatchesAndItems().second < kItems) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const auto [batches, items] = workers.BatchesAndItems();
    EXPECT_EQ(items, static_cast<size_t>(kItems));
    EXPECT_LT(batches, items);  // items waiting together shared a batch
  }
  std::sort(seen.begin(), seen.end());
  std::vector<int> expected(kItems);
  for (int i = 0; i < kItems; ++i) expected[i] = i;
  EXPECT_EQ(seen, expected);          // each exactly once
  EXPECT_EQ(largest.load(), 7u);      // full batches, never more than max_batch
  EXPECT_LE(most_running.load(), 2);  // one batch per thread at most
}

TEST(BatchWorkers, StoppingRunsTheItemsStillWaiting) {
  std::atomic<int> ran{0};
  {
    BatchWorkers<int> workers(
        [&](std::vector<int>& items) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          ran += static_cast<int>(items.size());
        },
        {.max_batch = 2, .threads = 1});
    for (int i = 0; i < 10; ++i) workers.Add(i);
  }  // destroyed with most items still queued
  EXPECT_EQ(ran.load(), 10);
}

TEST(TogetherThenOneByOne, SetsCollidedItemsAsideAndRunsTheRestTogether) {
  std::vector<std::vector<size_t>> tries;
  std::vector<size_t> alone;
  std::vector<std::string> outcomes = TogetherThenOneByOne<std::string>(
      6, 3,
      [&](const std::vector<size_t>& indexes,
          std::vector<bool>* collided) -> std::optional<std::vector<std::string>> {
        tries.push_back(indexes);
        if (tries.size() == 1) {
          (*collided)[2] = true;  // item 2 collides on the first try
          return std::nullopt;
        }
        std::vector<std::string> out;
        for (size_t i : indexes) out.push_back("together " + std::to_string(i));
        return out;
      },
      [&](size_t i) {
        alone.push_back(i);
        return "alone " + std::to_string(i);
      });
  EXPECT_EQ(tries, (std::vector<std::vector<size_t>>{{0, 1, 2, 3, 4, 5}, {0, 1, 3, 4, 5}}));
  EXPECT_EQ(alone, std::vector<size_t>{2});
  EXPECT_EQ(outcomes, (std::vector<std::string>{"together 0", "together 1", "alone 2", "together 3",
                                                "together 4", "together 5"}));
}

TEST(TogetherThenOneByOne, AFailureWithoutCollisionsOrTooManyAttemptsRunsEachAlone) {
  int tries = 0;
  auto fails = [&](const std::vector<size_t>&, std::vector<bool>*) {
    ++tries;
    return std::optional<std::vector<int>>();
  };
  auto alone = [](size_t i) { return static_cast<int>(i) * 10; };
  EXPECT_EQ(TogetherThenOneByOne<int>(3, 3, fails, alone), (std::vector<int>{0, 10, 20}));
  EXPECT_EQ(tries, 1);  // nothing collided: no second try
  tries = 0;
  auto always_one_collides = [&](const std::vector<size_t>&, std::vector<bool>* collided) {
    ++tries;
    (*collided)[0] = true;
    return std::optional<std::vector<int>>();
  };
  EXPECT_EQ(TogetherThenOneByOne<int>(5, 2, always_one_collides, alone),
            (std::vector<int>{0, 10, 20, 30, 40}));
  EXPECT_EQ(tries, 2);  // at most `attempts`
  // One item: no batch at all.
  tries = 0;
  EXPECT_EQ(TogetherThenOneByOne<int>(1, 3, fails, alone), std::vector<int>{0});
  EXPECT_EQ(tries, 0);
}

}  // namespace
}  // namespace screening
