#include "common/batcher.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace screening {
namespace {

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
        const int now = ++running;
        int seen = most_running.load();
        while (now > seen && !most_running.compare_exchange_weak(seen, now)) {
        }
        size_t big = largest.load();
        while (items.size() > big && !largest.compare_exchange_weak(big, items.size())) {
        }
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
  EXPECT_LT(batches, items);            // some items shared a batch
  EXPECT_EQ(largest.load(), 5u);        // full batches, never more than max_batch
  EXPECT_LE(most_running.load(), 2);    // never more than max_running at once
}

}  // namespace
}  // namespace screening
