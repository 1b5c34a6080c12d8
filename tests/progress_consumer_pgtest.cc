// The outbox and its consumer against a real database: commit order, each
// event counted exactly once, distinct persons, and nothing half-applied.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/progress/progress_store.h"
#include "services/results/results_store.h"
#include "tests/support/grpc_matchers.h"
#include "tests/support/test_database.h"

namespace screening::testing {
namespace {

class ProgressConsumer : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = TestDatabase::Create("progress_consumer");
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    pool_ = std::make_unique<db::Pool>(db::Pool::Options{.url = db_->url(), .size = 8});
    store_ = std::make_unique<progress::ProgressStore>(*pool_);
  }

  // A source serving a fixed, ordered list of events by offset.
  static progress::EventSource ListSource(const std::vector<internal::v1::OutboxEvent>& events,
                                          int page) {
    return [&events, page](
               const std::string& after) -> absl::StatusOr<std::vector<internal::v1::OutboxEvent>> {
      std::vector<internal::v1::OutboxEvent> out;
      int64_t position = after.empty() ? -1 : std::stoll(after);
      for (const auto& e : events) {
        if (std::stoll(e.offset()) > position && static_cast<int>(out.size()) < page) {
          out.push_back(e);
        }
      }
      return out;
    };
  }

  static internal::v1::OutboxEvent Event(int offset, int resident, v1::ScreeningType type,
                                         int year = 2025) {
    internal::v1::OutboxEvent e;
    e.set_offset(absl::StrCat(offset));
    e.set_type(internal::v1::OUTBOX_EVENT_TYPE_RESULT_RECORDED);
    e.set_resident(absl::StrCat("residents/", resident));
    e.set_screening_type(type);
    e.set_programme_year(year);
    return e;
  }

  int64_t Metric(const std::string& metric, int year = 2025) {
    auto counts = store_->GetCounts(year);
    EXPECT_TRUE(counts.ok());
    auto it = counts->metrics.find(metric);
    return it == counts->metrics.end() ? 0 : it->second;
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<progress::ProgressStore> store_;
};

TEST_F(ProgressConsumer, AResidentScreenedForThreeTypesCountsOnce) {
  std::vector<internal::v1::OutboxEvent> events = {
      Event(1, 7, v1::SCREENING_TYPE_FOUR_HIGHS),
      Event(2, 7, v1::SCREENING_TYPE_GASTRIC),
      Event(3, 7, v1::SCREENING_TYPE_COLORECTAL),
      Event(4, 8, v1::SCREENING_TYPE_FOUR_HIGHS),
      Event(5, 8, v1::SCREENING_TYPE_NIPT),
      Event(6, 9, v1::SCREENING_TYPE_NIPT),
      Event(7, 7, v1::SCREENING_TYPE_FOUR_HIGHS, 2026)};
  auto applied = store_->ConsumeBatch("results", ListSource(events, 100));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(*applied, 7);
  EXPECT_EQ(Metric(progress::PersonsScreenedMetric()), 2);  // NIPT is not a person screened
  EXPECT_EQ(Metric(progress::TypeMetric(v1::SCREENING_TYPE_FOUR_HIGHS)), 2);
  EXPECT_EQ(Metric(progress::TypeMetric(v1::SCREENING_TYPE_GASTRIC)), 1);
  EXPECT_EQ(Metric(progress::TypeMetric(v1::SCREENING_TYPE_NIPT)), 2);
  EXPECT_EQ(Metric(progress::PersonsScreenedMetric(), 2026), 1);

  // Nothing is waiting now: a second pass applies nothing and counts nothing twice.
  applied = store_->ConsumeBatch("results", ListSource(events, 100));
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, 0);
  EXPECT_EQ(Metric(progress::PersonsScreenedMetric()), 2);
}

TEST_F(ProgressConsumer, AFailedFetchChangesNothing) {
  std::vector<internal::v1::OutboxEvent> events = {Event(1, 1, v1::SCREENING_TYPE_FOUR_HIGHS)};
  ASSERT_TRUE(store_->ConsumeBatch("results", ListSource(events, 100)).ok());
  auto failed = store_->ConsumeBatch(
      "results", [](const std::string&) -> absl::StatusOr<std::vector<internal::v1::OutboxEvent>> {
        return absl::UnavailableError("results service down");
      });
  EXPECT_THAT(failed.status(), StatusIs(absl::StatusCode::kUnavailable));
  auto counts = store_->GetCounts(2025);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->offset, "1,");
  EXPECT_EQ(counts->metrics[progress::PersonsScreenedMetric()], 1);
}

// Four consumers racing over 2,000 events: the offset lock lets one batch
// apply at a time, so the counters equal a recount of the events.
TEST_F(ProgressConsumer, ConcurrentConsumersCountEachEventOnce) {
  std::vector<internal::v1::OutboxEvent> events;
  std::set<int> people;
  for (int i = 1; i <= 2000; ++i) {
    const int resident = (i * 7919) % 900;
    events.push_back(Event(
        i, resident, i % 3 == 0 ? v1::SCREENING_TYPE_GASTRIC : v1::SCREENING_TYPE_FOUR_HIGHS));
    people.insert(resident);
  }
  std::vector<std::thread> consumers;
  for (int c = 0; c < 4; ++c) {
    consumers.emplace_back([&] {
      for (;;) {
        auto applied = store_->ConsumeBatch("results", ListSource(events, 37));
        ASSERT_TRUE(applied.ok()) << applied.status();
        if (*applied == 0) return;
      }
    });
  }
  for (auto& t : consumers) t.join();
  EXPECT_EQ(Metric(progress::PersonsScreenedMetric()), static_cast<int64_t>(people.size()));
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM progress.screened_persons"),
            static_cast<int64_t>(people.size()));
  EXPECT_EQ(db_->QueryInt("SELECT sum(value) FROM progress.counters WHERE metric LIKE 'type:%'"),
            db_->QueryInt("SELECT count(*) FROM progress.screened_by_type"));
}

// An outbox row of a transaction still open holds back every later row, so
// a reader never moves its offset past a row that commits late.
TEST_F(ProgressConsumer, OutboxNeverSkipsALateCommit) {
  results::ResultsStore results_store(*pool_);
  const std::string insert =
      "INSERT INTO results.outbox (event_type, resident_id, screening_type, programme_year,"
      " hospital_code, result_id) VALUES ('result.recorded', $1, 3, 2025, 'H', $1)";
  pqxx::connection slow_conn(db_->url());
  pqxx::work slow(slow_conn);
  slow.exec_params(insert, 1);  // takes the lower seq, commits last
  {
    pqxx::connection fast_conn(db_->url());
    pqxx::work fast(fast_conn);
    fast.exec_params(insert, 2);
    fast.commit();
  }
  auto events = results_store.ListEvents("", 100);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_TRUE(events->empty()) << "a row was handed out while an older transaction was open";
  slow.commit();
  // Transactions of other test suites on the same server may hold the horizon
  // back for a moment: wait for it to pass.
  for (int i = 0; i < 100; ++i) {
    events = results_store.ListEvents("", 100);
    ASSERT_TRUE(events.ok());
    if (events->size() == 2u) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].resident(), "residents/1");
  EXPECT_EQ((*events)[1].resident(), "residents/2");
  auto after = results_store.ListEvents((*events)[0].offset(), 100);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].resident(), "residents/2");
}

// The counters a list of events must produce, counted here from scratch:
// the recount the crash test compares against.
std::map<std::string, int64_t> Recount(const std::vector<internal::v1::OutboxEvent>& events) {
  std::map<std::string, int64_t> metrics;
  std::set<std::string> persons;
  std::set<std::pair<std::string, int>> person_types;
  for (const auto& e : events) {
    if (e.type() == internal::v1::OUTBOX_EVENT_TYPE_BOOKING_CREATED) ++metrics["bookings"];
    if (e.type() == internal::v1::OUTBOX_EVENT_TYPE_REFERRAL_OPENED) ++metrics["referrals_opened"];
    if (e.type() != internal::v1::OUTBOX_EVENT_TYPE_RESULT_RECORDED) continue;
    if (e.positive()) ++metrics["positives"];
    if (e.screening_type() == v1::SCREENING_TYPE_NIPT) {
      ++metrics[progress::TypeMetric(e.screening_type())];
      continue;
    }
    if (persons.insert(e.resident()).second) ++metrics[progress::PersonsScreenedMetric()];
    if (person_types.insert({e.resident(), e.screening_type()}).second) {
      ++metrics[progress::TypeMetric(e.screening_type())];
    }
  }
  return metrics;
}

// Kills a consumer process (SIGKILL) five times between applying a batch
// and committing it (after some batches have committed), each time checking
// that the counters equal the recount of exactly the events up to the
// stored offset; then a fresh consumer finishes and the counters equal the
// recount of every event. Nothing half-applied, nothing counted twice.
TEST_F(ProgressConsumer, AConsumerKilledBeforeItCommitsLosesAndDoublesNothing) {
  std::vector<internal::v1::OutboxEvent> events;
  const internal::v1::OutboxEventType kTypes[] = {internal::v1::OUTBOX_EVENT_TYPE_RESULT_RECORDED,
                                                  internal::v1::OUTBOX_EVENT_TYPE_RESULT_RECORDED,
                                                  internal::v1::OUTBOX_EVENT_TYPE_RESULT_RECORDED,
                                                  internal::v1::OUTBOX_EVENT_TYPE_BOOKING_CREATED,
                                                  internal::v1::OUTBOX_EVENT_TYPE_REFERRAL_OPENED};
  for (int i = 1; i <= 8000; ++i) {
    internal::v1::OutboxEvent e =
        Event(i, (i * 7919) % 2500, static_cast<v1::ScreeningType>(1 + (i * 31) % 4));
    e.set_type(kTypes[i % 5]);
    e.set_positive(i % 7 == 0);
    e.set_resident_district_code(i % 2 ? "230102" : "230103");
    e.set_hospital_district_code("230102");
    e.set_hospital("hospitals/H1");
    e.set_date(absl::StrCat("2025-03-", 10 + i % 10));
    events.push_back(e);
  }
  auto applied_events = [&]() -> int64_t {
    auto counts = store_->GetCounts(2025);
    EXPECT_TRUE(counts.ok()) << counts.status();
    // "{results},{scheduling}": this test feeds the results reader only.
    const std::string offset = counts->offset.substr(0, counts->offset.find(','));
    return offset.empty() ? 0 : std::stoll(offset);
  };
  auto counters_match_offset = [&] {
    auto counts = store_->GetCounts(2025);
    ASSERT_TRUE(counts.ok()) << counts.status();
    const int64_t applied = applied_events();
    std::vector<internal::v1::OutboxEvent> prefix(events.begin(), events.begin() + applied);
    std::map<std::string, int64_t> nonzero;
    for (const auto& [metric, value] : counts->metrics) {
      if (value != 0) nonzero[metric] = value;
    }
    EXPECT_EQ(nonzero, Recount(prefix)) << "after " << applied << " events";
  };

  constexpr int kBatch = 300;
  for (int round = 0; round < 5; ++round) {
    const int64_t before = applied_events();
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      // The consumer process, on its own connection: it commits `round`
      // batches, applies the next one and, before committing it, tells the
      // parent and waits to be killed.
      close(ready[0]);
      db::Pool pool(db::Pool::Options{.url = db_->url(), .size = 1});
      progress::ProgressStore store(pool);
      int batches = 0;
      store.SetBeforeCommitHook([&] {
        if (batches++ < round) return;
        const char byte = 'x';
        if (write(ready[1], &byte, 1) != 1) _exit(3);
        for (;;) pause();
      });
      auto fetch = ListSource(events, kBatch);
      for (;;) {
        auto applied = store.ConsumeBatch("results", fetch);
        if (!applied.ok() || *applied == 0) _exit(applied.ok() ? 0 : 2);
      }
    }
    close(ready[1]);
    char byte;
    ASSERT_EQ(read(ready[0], &byte, 1), 1) << "the consumer applied a batch";
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    close(ready[0]);
    EXPECT_TRUE(WIFSIGNALED(status));
    // The server rolls the killed transaction back when it sees the
    // connection gone; the next reader's offset lock waits for that.
    EXPECT_EQ(applied_events(), before + kBatch * round) << "the killed batch is not committed";
    counters_match_offset();
  }

  // Restarted, the consumer carries on from the stored offset.
  for (;;) {
    auto applied = store_->ConsumeBatch("results", ListSource(events, 1000));
    ASSERT_TRUE(applied.ok()) << applied.status();
    if (*applied == 0) break;
  }
  counters_match_offset();
  auto counts = store_->GetCounts(2025);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->offset, "8000,");
  EXPECT_EQ(counts->metrics[progress::PersonsScreenedMetric()],
            Recount(events)[progress::PersonsScreenedMetric()]);
  // Every breakdown adds up to its total.
  for (const char* dimension :
       {"resident_district", "hospital_district", "hospital", "day", "day_resident_district"}) {
    EXPECT_EQ(db_->QueryInt(absl::StrCat("SELECT sum(b.value) - min(c.value) FROM "
                                         "progress.breakdown b JOIN progress.counters c USING "
                                         "(programme_year, metric) WHERE b.dimension = '",
                                         dimension, "' AND metric = 'persons_screened'")),
              0)
        << dimension;
  }
}

}  // namespace
}  // namespace screening::testing
