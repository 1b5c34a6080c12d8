#include "services/progress/progress_feed.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "absl/strings/str_cat.h"

namespace screening::progress {
namespace {

LatestOnly::Update UpdateAt(const std::string& offset) {
  v1::Progress p;
  p.set_offset(offset);
  return MakeUpdate(std::move(p));
}

TEST(LatestOnly, AStalledWriterHoldsTwoUpdatesAndGetsTheLatestNext) {
  LatestOnly held;
  auto first = held.Offer(UpdateAt("1,"));
  ASSERT_NE(first, nullptr) << "idle: written at once";
  EXPECT_EQ(first->offset(), "1,");
  // The client stalls: 1,000 states arrive while the first is being written.
  for (int i = 2; i <= 1001; ++i) {
    EXPECT_EQ(held.Offer(UpdateAt(absl::StrCat(i, ","))), nullptr);
    EXPECT_LE(held.held(), 2);
  }
  auto next = held.WriteDone();
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->offset(), "1001,") << "the latest state, not the backlog";
  EXPECT_EQ(held.WriteDone(), nullptr) << "nothing else was kept";
  EXPECT_FALSE(held.writing());
  EXPECT_EQ(held.held(), 0);
}

TEST(LatestOnly, ClearDropsWhatWaits) {
  LatestOnly held;
  held.Offer(UpdateAt("1,"));
  held.Offer(UpdateAt("2,"));
  held.Clear();
  EXPECT_EQ(held.held(), 0);
  EXPECT_EQ(held.WriteDone(), nullptr);
}

// Counters a test moves by hand; the feed reads them.
struct FakeCounters {
  absl::Mutex mu;
  int64_t value ABSL_GUARDED_BY(mu) = 0;
  std::atomic<int> reads{0};

  void Add(int64_t n) {
    absl::MutexLock lock(&mu);
    value += n;
  }
  std::string Offset() {
    absl::MutexLock lock(&mu);
    return absl::StrCat(value, ",");
  }
  absl::StatusOr<v1::Progress> Read(const ProgressFeed::Key& key) {
    ++reads;
    absl::MutexLock lock(&mu);
    v1::Progress p;
    p.set_programme_year(key.first);
    p.set_persons_screened(value);
    p.set_offset(absl::StrCat(value, ","));
    return p;
  }
};

struct Recorder : ProgressFeed::Watcher {
  absl::Mutex mu;
  std::vector<int64_t> seen ABSL_GUARDED_BY(mu);
  std::atomic<bool> closed{false};
  void Close() override { closed = true; }
  void Offer(std::shared_ptr<const v1::ProgressUpdate> update) override {
    absl::MutexLock lock(&mu);
    seen.push_back(update->progress().persons_screened());
  }
  std::vector<int64_t> Seen() {
    absl::MutexLock lock(&mu);
    return seen;
  }
  // Waits until the last state seen is `value`.
  bool AwaitLast(int64_t value, absl::Duration within) {
    absl::MutexLock lock(&mu);
    auto there = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      return !seen.empty() && seen.back() == value;
    };
    return mu.AwaitWithTimeout(absl::Condition(&there), within);
  }
};

class Feed : public ::testing::Test {
 protected:
  Feed()
      : feed_([this](const ProgressFeed::Key& key) { return counters_.Read(key); },
              [this]() -> absl::StatusOr<std::string> { return counters_.Offset(); },
              absl::Seconds(10), absl::Milliseconds(50)) {}
  FakeCounters counters_;
  ProgressFeed feed_;  // polls rarely: the tests wake it with Changed()
  const ProgressFeed::Key key_{2025, v1::PROGRESS_DIMENSION_UNSPECIFIED};
};

TEST_F(Feed, ASnapshotFirstThenEachChange) {
  feed_.Start();
  counters_.Add(5);
  Recorder watcher;
  ASSERT_TRUE(feed_.Subscribe(key_, "", &watcher).ok());
  EXPECT_EQ(watcher.Seen(), std::vector<int64_t>{5});
  counters_.Add(1);
  feed_.Changed();
  EXPECT_TRUE(watcher.AwaitLast(6, absl::Milliseconds(250)));
  feed_.Unsubscribe(key_, &watcher);
  EXPECT_EQ(feed_.watchers(), 0);
}

TEST_F(Feed, ResumingAtTheCurrentOffsetSendsNothingUntilTheNextChange) {
  feed_.Start();
  counters_.Add(3);
  Recorder first, resumed;
  ASSERT_TRUE(feed_.Subscribe(key_, "", &first).ok());
  ASSERT_TRUE(feed_.Subscribe(key_, "3,", &resumed).ok());
  EXPECT_TRUE(resumed.Seen().empty()) << "it has this state already";
  counters_.Add(1);
  feed_.Changed();
  EXPECT_TRUE(resumed.AwaitLast(4, absl::Milliseconds(250)));
  EXPECT_EQ(resumed.Seen(), std::vector<int64_t>{4}) << "no gap, nothing twice";
  feed_.Unsubscribe(key_, &first);
  feed_.Unsubscribe(key_, &resumed);
}

TEST_F(Feed, ABurstOfChangesIsCoalescedAndReadOncePerPublish) {
  feed_.Start();
  std::vector<Recorder> watchers(100);
  for (auto& w : watchers) ASSERT_TRUE(feed_.Subscribe(key_, "", &w).ok());
  EXPECT_EQ(counters_.reads.load(), 1) << "the first watcher read the state; the others share it";
  const absl::Time start = absl::Now();
  for (int i = 0; i < 200; ++i) {
    counters_.Add(1);
    feed_.Changed();
  }
  for (auto& w : watchers) EXPECT_TRUE(w.AwaitLast(200, absl::Milliseconds(500)));
  const absl::Duration took = absl::Now() - start;
  // Each publish is one read, whatever the number of watchers; 200 changes
  // in a burst make a handful of publishes, not 200.
  EXPECT_LE(counters_.reads.load(), 1 + 2 + absl::ToInt64Milliseconds(took) / 50);
  EXPECT_LT(watchers[0].Seen().size(), 10u);
  for (auto& w : watchers) feed_.Unsubscribe(key_, &w);
}

TEST_F(Feed, AnUnsubscribedWatcherIsNeverOfferedAgain) {
  feed_.Start();
  Recorder gone, staying;
  ASSERT_TRUE(feed_.Subscribe(key_, "", &gone).ok());
  ASSERT_TRUE(feed_.Subscribe(key_, "", &staying).ok());
  feed_.Unsubscribe(key_, &gone);
  counters_.Add(7);
  feed_.Changed();
  EXPECT_TRUE(staying.AwaitLast(7, absl::Milliseconds(250)));
  EXPECT_EQ(gone.Seen(), std::vector<int64_t>{0});
  feed_.Unsubscribe(key_, &staying);
}

TEST_F(Feed, ClosingEndsEveryWatchAndRefusesNewOnes) {
  feed_.Start();
  Recorder a, b, late;
  ASSERT_TRUE(feed_.Subscribe(key_, "", &a).ok());
  ASSERT_TRUE(feed_.Subscribe({2026, v1::PROGRESS_DIMENSION_DAY}, "", &b).ok());
  feed_.CloseAll();
  EXPECT_TRUE(a.closed);
  EXPECT_TRUE(b.closed);
  EXPECT_EQ(feed_.Subscribe(key_, "", &late).code(), absl::StatusCode::kUnavailable);
  feed_.Unsubscribe(key_, &a);
  feed_.Unsubscribe({2026, v1::PROGRESS_DIMENSION_DAY}, &b);
}

TEST_F(Feed, AFailedReadFailsTheSubscription) {
  ProgressFeed failing(
      [](const ProgressFeed::Key&) -> absl::StatusOr<v1::Progress> {
        return absl::UnavailableError("database down");
      },
      []() -> absl::StatusOr<std::string> { return absl::UnavailableError("database down"); },
      absl::Milliseconds(10), absl::Milliseconds(10));
  failing.Start();
  Recorder watcher;
  EXPECT_EQ(failing.Subscribe(key_, "", &watcher).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(failing.watchers(), 0);
}

}  // namespace
}  // namespace screening::progress
