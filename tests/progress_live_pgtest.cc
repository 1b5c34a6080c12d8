// What the commission sees, through the API on a real database with the
// consumer running: WatchProgress (snapshot, updates within 250 ms, resume
// by offset, a stalled watcher), the quarterly report (cut-off, sign-off,
// frozen versions, corrections) and district projections.
#include <grpcpp/client_context.h>

#include <algorithm>
#include <thread>

#include "common/clock.h"
#include "tests/support/slice_fixture.h"

namespace screening::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ProgressLive : public SliceTest {
 protected:
  // A four-highs result recorded for a new resident of `district`, on `day`
  // (booked, checked in and recorded that day). Returns when it committed.
  static void Screen(absl::CivilDay day, const std::string& district = "230102",
                     v1::Result* out = nullptr) {
    const std::string date = FormatDate(day);
    Hospital("LIVE-H1");
    v1::Slot slot = Capacity("LIVE-H1", date, v1::SCREENING_TYPE_FOUR_HIGHS, 500);
    v1::Booking booking;
    const std::string id = absl::StrCat("live-", next_sequence_);
    ASSERT_TRUE(
        Book(Register(absl::CivilDay(1968, 5, 5), district).name(), slot.name(), id, &booking)
            .ok());
    const v1::Booking checked_in = CheckInOnTheDay(booking);
    const absl::Time before = clock_->Now();
    clock_->Set(absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), 11, 0, 0),
                                HarbinTimeZone()));
    v1::RecordResultRequest record;
    record.set_hospital(checked_in.hospital());
    record.set_booking(checked_in.name());
    record.set_request_id(id + "-r");
    *record.mutable_four_highs() = NormalFourHighs();
    v1::Result result;
    grpc::ClientContext context;
    grpc::Status status = server_->results().RecordResult(&context, record, &result);
    clock_->Set(before);
    ASSERT_TRUE(status.ok()) << status.error_message();
    if (out) *out = result;
  }

  static v1::Progress Progress() {
    v1::Progress p;
    grpc::ClientContext context;
    // As a dashboard calls: with a deadline (the service then bounds its SQL).
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    EXPECT_TRUE(server_->progress().GetProgress(&context, {}, &p).ok());
    return p;
  }

  // Waits until the consumer has counted `persons` (it polls every 100 ms).
  static void AwaitPersons(int64_t persons) {
    for (int i = 0; i < 100 && Progress().persons_screened() != persons; ++i) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_EQ(Progress().persons_screened(), persons);
  }
  // Bookings come from the scheduling outbox, results from the results one:
  // a pass may read the first before a booking and the second after its
  // result, so counting persons does not mean the bookings are counted.
  static void AwaitPersonsAndBookings(int64_t persons, int64_t bookings) {
    AwaitPersons(persons);
    for (int i = 0; i < 100 && Progress().bookings() != bookings; ++i) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_EQ(Progress().bookings(), bookings);
  }
};

class Watch {
 public:
  explicit Watch(const std::string& after = "", absl::Duration deadline = absl::Seconds(60)) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    v1::WatchProgressRequest request;
    request.set_after(after);
    stream_ = SliceTest_server()->progress().WatchProgress(&context_, request);
  }
  ~Watch() {
    if (finished_) return;
    context_.TryCancel();
    v1::ProgressUpdate ignored;
    while (stream_->Read(&ignored)) {
    }
    stream_->Finish().ok();
  }
  bool Read(v1::ProgressUpdate* update) { return stream_->Read(update); }
  grpc::Status Finish() {
    finished_ = true;
    return stream_->Finish();
  }
  // Reads until an update counts `persons`; false if the stream ends first.
  bool ReadUntil(int64_t persons, v1::ProgressUpdate* update, int* messages = nullptr) {
    while (stream_->Read(update)) {
      if (messages) ++*messages;
      if (update->progress().persons_screened() == persons) return true;
    }
    return false;
  }

  static TestServer* SliceTest_server();

 private:
  bool finished_ = false;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::ProgressUpdate>> stream_;
};

// SliceTest's server is protected; the watch helper borrows it through here.
struct ServerAccess : ProgressLive {
  static TestServer* Get() { return server_; }
};
TestServer* Watch::SliceTest_server() { return ServerAccess::Get(); }

TEST_F(ProgressLive, ASnapshotThenAnUpdateWithin250msOfEachCommit) {
  const int64_t start = Progress().persons_screened();
  Watch watch;
  v1::ProgressUpdate update;
  ASSERT_TRUE(watch.Read(&update)) << "the current state comes first";
  EXPECT_EQ(update.progress().persons_screened(), start);
  EXPECT_EQ(update.offset(), update.progress().offset());
  EXPECT_EQ(update.progress().persons_target(), 800000);

  std::vector<absl::Duration> latencies;
  for (int i = 1; i <= 5; ++i) {
    Screen(absl::CivilDay(2025, 3, 4));
    const absl::Time committed = absl::Now();
    ASSERT_TRUE(watch.ReadUntil(start + i, &update));
    latencies.push_back(absl::Now() - committed);
  }
  std::sort(latencies.begin(), latencies.end());
  EXPECT_LT(latencies[2], absl::Milliseconds(250)) << "median commit-to-watcher latency";
}

TEST_F(ProgressLive, AWatcherResumingWithItsOffsetMissesNothingAndGetsNothingTwice) {
  std::string offset;
  int64_t persons = 0;
  {
    Watch first;
    v1::ProgressUpdate update;
    ASSERT_TRUE(first.Read(&update));
    offset = update.offset();
    persons = update.progress().persons_screened();
  }  // disconnected

  {
    // Nothing changed: the resumed watch stays silent until its deadline.
    Watch resumed(offset, absl::Milliseconds(600));
    v1::ProgressUpdate update;
    EXPECT_FALSE(resumed.Read(&update)) << "it has this state already";
    EXPECT_THAT(resumed.Finish(), GrpcIs(grpc::StatusCode::DEADLINE_EXCEEDED));
  }

  // A change while it is away: resuming sends exactly the new state.
  Screen(absl::CivilDay(2025, 3, 4));
  AwaitPersons(persons + 1);
  Watch resumed(offset);
  v1::ProgressUpdate update;
  ASSERT_TRUE(resumed.Read(&update));
  EXPECT_EQ(update.progress().persons_screened(), persons + 1) << "the gap is filled once";
  EXPECT_NE(update.offset(), offset);
}

TEST_F(ProgressLive, AStalledWatcherNeitherSlowsTheOthersNorGetsABacklog) {
  const int64_t start = Progress().persons_screened();
  Watch stalled, live;
  v1::ProgressUpdate update;
  ASSERT_TRUE(stalled.Read(&update));
  ASSERT_TRUE(live.Read(&update));
  // The stalled watcher reads nothing more while 20 changes are committed
  // one at a time; the live one sees each within the usual time.
  constexpr int kChanges = 20;
  absl::Duration worst;
  int live_messages = 0;
  for (int i = 1; i <= kChanges; ++i) {
    Screen(absl::CivilDay(2025, 3, 5));
    const absl::Time committed = absl::Now();
    ASSERT_TRUE(live.ReadUntil(start + i, &update, &live_messages));
    worst = std::max(worst, absl::Now() - committed);
  }
  EXPECT_LT(worst, absl::Seconds(1));
  // When it reads again it catches up to the latest state, and never gets
  // more messages than were published (bookings and check-ins publish too).
  int messages = 0;
  ASSERT_TRUE(stalled.ReadUntil(start + kChanges, &update, &messages));
  EXPECT_LE(messages, live_messages);
}

TEST_F(ProgressLive, AmendmentsAndCancellationsLeaveThePersonCountsAlone) {
  v1::Result result;
  Screen(absl::CivilDay(2025, 3, 6), "230102", &result);
  // Counted (the consumer polls): it was this suite's latest result.
  v1::Progress before;
  for (int i = 0; i < 100; ++i) {
    before = Progress();
    if (before.persons_screened() == db_->QueryInt("SELECT count(DISTINCT resident_id) FROM "
                                                   "results.results WHERE counts"))
      break;
    absl::SleepFor(absl::Milliseconds(50));
  }

  // The same resident books a gastric screening, then cancels it.
  Hospital("LIVE-H1");
  v1::Slot slot = Capacity("LIVE-H1", "2025-04-01", v1::SCREENING_TYPE_GASTRIC, 10);
  v1::Booking booking;
  ASSERT_TRUE(Book(result.resident(), slot.name(), "live-cancel", &booking).ok());
  v1::CancelBookingRequest cancel;
  cancel.set_name(booking.name());
  cancel.set_reason(v1::CANCEL_REASON_RESIDENT_REQUEST);
  cancel.set_request_id("live-cancel-c");
  v1::Booking cancelled;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().CancelBooking(&context, cancel, &cancelled).ok());
  }
  // And the result is amended to a positive reading.
  v1::AmendResultRequest amend;
  amend.set_name(result.name());
  *amend.mutable_four_highs() = NormalFourHighs();
  amend.mutable_four_highs()->set_systolic_mmhg(165);
  amend.set_reason("misread");
  amend.set_request_id("live-amend");
  v1::Result amended;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->results().AmendResult(&context, amend, &amended).ok());
  }
  // Wait for both events to be counted, then compare.
  v1::Progress after;
  for (int i = 0; i < 100; ++i) {
    after = Progress();
    if (after.cancellations() == before.cancellations() + 1) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(after.cancellations(), before.cancellations() + 1);
  EXPECT_EQ(after.bookings(), before.bookings() + 1);
  EXPECT_EQ(after.persons_screened(), before.persons_screened());
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(after.by_type(t).persons_screened(), before.by_type(t).persons_screened());
  }
}

TEST_F(ProgressLive, BadProgressFiltersAreRefusedByField) {
  auto bad_fields = [](v1::GetProgressRequest request) {
    v1::Progress p;
    grpc::ClientContext context;
    return BadFields(server_->progress().GetProgress(&context, request, &p));
  };
  v1::GetProgressRequest r;
  r.set_filter_by(v1::PROGRESS_DIMENSION_HOSPITAL_DISTRICT);
  r.set_filter_key("239999");
  EXPECT_THAT(bad_fields(r), ElementsAre("filter_key"));
  r.set_filter_by(v1::PROGRESS_DIMENSION_HOSPITAL);
  r.set_filter_key("230102");
  EXPECT_THAT(bad_fields(r), ElementsAre("filter_key"));
  r.set_filter_by(v1::PROGRESS_DIMENSION_DAY);
  r.set_filter_key("2025-02-30");
  EXPECT_THAT(bad_fields(r), ElementsAre("filter_key"));
  r.set_filter_by(v1::PROGRESS_DIMENSION_MONTH);
  r.set_filter_key("2025-13");
  EXPECT_THAT(bad_fields(r), ElementsAre("filter_key"));
  r.set_group_by(v1::PROGRESS_DIMENSION_HOSPITAL);
  EXPECT_THAT(bad_fields(r), ElementsAre("filter_by"));
  v1::GetProgressRequest key_only;
  key_only.set_filter_key("230102");
  EXPECT_THAT(bad_fields(key_only), ElementsAre("filter_key"));
  v1::GetProgressRequest bad_enum;
  bad_enum.set_filter_by(static_cast<v1::ProgressDimension>(42));
  EXPECT_THAT(bad_fields(bad_enum), ElementsAre("filter_by"));
}

TEST_F(ProgressLive, BadWatchRequestsAreRefusedByField) {
  for (const auto& [field, request] : std::vector<std::pair<std::string, v1::WatchProgressRequest>>{
           {"programme_year",
            [] {
              v1::WatchProgressRequest r;
              r.set_programme_year(1999);
              return r;
            }()},
           {"group_by",
            [] {
              v1::WatchProgressRequest r;
              r.set_group_by(static_cast<v1::ProgressDimension>(99));
              return r;
            }()},
           {"after", [] {
              v1::WatchProgressRequest r;
              r.set_after("yesterday");
              return r;
            }()}}) {
    grpc::ClientContext context;
    auto stream = server_->progress().WatchProgress(&context, request);
    v1::ProgressUpdate update;
    EXPECT_FALSE(stream->Read(&update));
    grpc::Status status = stream->Finish();
    EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT)) << field;
    EXPECT_THAT(BadFields(status), ElementsAre(field));
  }
}

TEST_F(ProgressLive, DistrictProjectionsFollowTheAppliedAllocation) {
  v1::Progress before = Progress();
  ASSERT_EQ(before.district_projections_size(), 18);
  EXPECT_EQ(before.district_projections(0).persons_quota(), 0) << "nothing applied yet";
  EXPECT_EQ(before.district_projections(0).projection().status(),
            v1::PROJECTION_STATUS_UNSPECIFIED);

  {
    v1::GetAllocationPlanRequest get;
    get.set_programme_year(2025);
    v1::AllocationPlan none;
    grpc::ClientContext c1;
    EXPECT_THAT(server_->scheduling().GetAllocationPlan(&c1, get, &none),
                GrpcIs(grpc::StatusCode::NOT_FOUND));
    get.set_programme_year(1999);
    get.set_kind(static_cast<v1::AllocationTarget>(9));
    grpc::ClientContext c2;
    grpc::Status bad = server_->scheduling().GetAllocationPlan(&c2, get, &none);
    EXPECT_THAT(bad, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_THAT(BadFields(bad), ElementsAre("programme_year", "kind"));
  }
  v1::AllocateTargetsRequest allocate;
  allocate.set_programme_year(2025);
  allocate.set_as_of_date("2025-03-03");
  allocate.set_apply(true);
  allocate.set_request_id("live-allocate");
  v1::AllocationPlan plan;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().AllocateTargets(&context, allocate, &plan).ok());
  }
  {
    v1::GetAllocationPlanRequest get;
    get.set_programme_year(2025);
    v1::AllocationPlan stored;
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().GetAllocationPlan(&context, get, &stored).ok());
    EXPECT_EQ(stored.districts_size(), 18);
    EXPECT_EQ(stored.districts(0).quota(), plan.districts(0).quota());
  }
  absl::SleepFor(absl::Seconds(6));  // the quotas are cached for 5 s
  const v1::Progress p = Progress();
  int64_t screened = 0;
  for (int i = 0; i < 18; ++i) {
    const auto& d = p.district_projections(i);
    EXPECT_EQ(d.district_code(), plan.districts(i).district_code());
    EXPECT_EQ(d.persons_quota(), plan.districts(i).quota());
    screened += d.persons_screened();
  }
  EXPECT_EQ(screened, p.persons_screened()) << "each person in one district";
  EXPECT_EQ(p.district_projections(0).district_code(), "230102");
  EXPECT_GT(p.district_projections(0).persons_screened(), 0);
  // One district or one hospital on its own.
  {
    v1::GetProgressRequest only;
    only.set_filter_by(v1::PROGRESS_DIMENSION_RESIDENT_DISTRICT);
    only.set_filter_key("230102");
    v1::Progress district;
    grpc::ClientContext context;
    ASSERT_TRUE(server_->progress().GetProgress(&context, only, &district).ok());
    EXPECT_EQ(district.persons_screened(), p.district_projections(0).persons_screened());
    EXPECT_EQ(district.persons_target(), plan.districts(0).quota());
    EXPECT_EQ(district.persons_projection().status(), v1::PROJECTION_STATUS_AT_RISK);
    only.set_filter_by(v1::PROGRESS_DIMENSION_HOSPITAL);
    only.set_filter_key("hospitals/LIVE-H1");
    v1::Progress hospital;
    grpc::ClientContext c2;
    ASSERT_TRUE(server_->progress().GetProgress(&c2, only, &hospital).ok());
    EXPECT_EQ(hospital.persons_screened(), p.persons_screened()) << "every result of the suite";
    EXPECT_EQ(hospital.persons_target(), 0);
    EXPECT_GT(hospital.bookings(), 0);
    // By month: the days summed; every result of this suite is in March 2025.
    v1::GetProgressRequest by_month;
    by_month.set_group_by(v1::PROGRESS_DIMENSION_MONTH);
    v1::Progress months;
    grpc::ClientContext c3;
    ASSERT_TRUE(server_->progress().GetProgress(&c3, by_month, &months).ok());
    ASSERT_GE(months.groups_size(), 1);
    int64_t in_march = 0;
    for (const auto& g : months.groups()) {
      if (g.key() == "2025-03") in_march = g.persons_screened();
    }
    EXPECT_EQ(in_march, p.persons_screened());
    only.set_filter_by(v1::PROGRESS_DIMENSION_MONTH);
    only.set_filter_key("2025-03");
    v1::Progress march;
    grpc::ClientContext c4;
    ASSERT_TRUE(server_->progress().GetProgress(&c4, only, &march).ok());
    EXPECT_EQ(march.persons_screened(), p.persons_screened());
  }
  // A handful screened against a quota of tens of thousands: at risk.
  EXPECT_EQ(p.district_projections(0).projection().status(), v1::PROJECTION_STATUS_AT_RISK);
  EXPECT_GT(p.district_projections(0).projection().needed_daily_rate(), 0);
}

TEST_F(ProgressLive, ReferralsGoOverdueOnATimerAndAreCounted) {
  v1::Result result;
  Screen(absl::CivilDay(2025, 3, 7), "230102", &result);
  v1::AmendResultRequest amend;
  amend.set_name(result.name());
  *amend.mutable_four_highs() = NormalFourHighs();
  amend.mutable_four_highs()->set_systolic_mmhg(168);
  amend.set_reason("misread");
  amend.set_request_id("overdue-amend");
  v1::Result positive;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->results().AmendResult(&context, amend, &positive).ok());
  }
  ASSERT_FALSE(positive.referral().empty());
  const std::string overdue_events = absl::StrCat(
      "SELECT count(*) FROM results.outbox WHERE event_type = 'referral.overdue' AND result_id = ",
      *ParseNumericName("results", result.name()));
  EXPECT_EQ(db_->QueryInt(overdue_events), 0);
  const int64_t overdue_before = Progress().referrals_overdue();

  // Months later, with nobody listing referrals: a server sweeping every
  // 50 ms (the suite's sweeps once a minute) marks it overdue, once.
  clock_->Set(DefaultTestNow() + absl::Hours(24 * 120));
  AppConfig config;
  config.overdue_sweep_interval = absl::Milliseconds(50);
  auto sweeping = TestServer::Start(db_->url(), clock_, config);
  ASSERT_TRUE(sweeping.ok()) << sweeping.status();
  for (int i = 0; i < 100 && db_->QueryInt(overdue_events) == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  absl::SleepFor(absl::Milliseconds(300));  // several more sweeps
  EXPECT_EQ(db_->QueryInt(overdue_events), 1) << "one event, however many sweeps";
  int64_t overdue = overdue_before;
  for (int i = 0; i < 100 && overdue == overdue_before; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    overdue = Progress().referrals_overdue();
  }
  EXPECT_GT(overdue, overdue_before) << "the consumer counted it";
  (*sweeping)->app().Shutdown(absl::Seconds(1));
  clock_->Set(DefaultTestNow());
}

TEST_F(ProgressLive, ShutdownEndsOpenWatchesAtOnce) {
  // A second server on the same database, to shut down.
  auto other = TestServer::Start(db_->url(), clock_);
  ASSERT_TRUE(other.ok()) << other.status();
  grpc::ClientContext context;
  auto stream = v1::ProgressService::NewStub((*other)->channel())->WatchProgress(&context, {});
  v1::ProgressUpdate update;
  ASSERT_TRUE(stream->Read(&update));
  const absl::Time start = absl::Now();
  (*other)->app().Shutdown(absl::Seconds(10));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3)) << "the open watch did not hold the grace";
  EXPECT_FALSE(stream->Read(&update));
  EXPECT_THAT(stream->Finish(), GrpcIs(grpc::StatusCode::UNAVAILABLE));
}

class QuarterlyReport : public ProgressLive {
 protected:
  static grpc::Status Get(v1::GetQuarterlyReportRequest request, v1::QuarterlyReport* out) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return server_->progress().GetQuarterlyReport(&context, request, out);
  }
  static v1::GetQuarterlyReportRequest Q1(int version = 0, bool draft = false) {
    v1::GetQuarterlyReportRequest r;
    r.set_programme_year(2025);
    r.set_quarter(1);
    r.set_version(version);
    r.set_draft(draft);
    return r;
  }
  // A sign-off; without `request_id`, a new one each time.
  static grpc::Status SignOff(int expected, const std::string& reason, v1::QuarterlyReport* out,
                              std::string request_id = "") {
    static int calls = 0;
    v1::SignOffQuarterlyReportRequest r;
    r.set_programme_year(2025);
    r.set_quarter(1);
    r.set_expected_version(expected);
    r.set_reason(reason);
    r.set_request_id(request_id.empty() ? absl::StrCat("sign-", ++calls) : request_id);
    grpc::ClientContext context;
    return server_->progress().SignOffQuarterlyReport(&context, r, out);
  }
  static void At(absl::CivilDay day) {
    clock_->Set(absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), 9, 0, 0),
                                HarbinTimeZone()));
  }
};

TEST_F(QuarterlyReport, CountsUpToTheCutOffAndIsFrozenOnceSignedOff) {
  Screen(absl::CivilDay(2025, 3, 24), "230103");
  Screen(absl::CivilDay(2025, 3, 25), "230102");  // the cut-off day counts
  Screen(absl::CivilDay(2025, 3, 26), "230102");  // the next day does not
  AwaitPersonsAndBookings(3, 3);

  v1::QuarterlyReport draft;
  ASSERT_TRUE(Get(Q1(), &draft).ok());
  EXPECT_EQ(draft.status(), v1::REPORT_STATUS_DRAFT);
  EXPECT_EQ(draft.cutoff_date(), "2025-03-25");
  EXPECT_EQ(draft.totals().persons_screened(), 2);
  EXPECT_EQ(draft.totals().persons_target(), 800000);
  ASSERT_EQ(draft.districts_size(), 18);
  EXPECT_EQ(draft.districts(0).district_code(), "230102");
  EXPECT_EQ(draft.districts(0).persons_screened(), 1);
  EXPECT_EQ(draft.districts(1).persons_screened(), 1);
  EXPECT_THAT(draft.csv(), HasSubstr("\nfigure,persons_screened,2\n"));
  EXPECT_THAT(draft.document_zh(), HasSubstr("第一季度进展报告"));

  // Not before the cut-off day is over.
  At(absl::CivilDay(2025, 3, 25));
  v1::QuarterlyReport signed_off;
  grpc::Status early = SignOff(0, "", &signed_off);
  EXPECT_THAT(early, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ErrorReason(early), "CUTOFF_NOT_PASSED");

  At(absl::CivilDay(2025, 3, 27));
  ASSERT_TRUE(SignOff(0, "", &signed_off, "sign-q1-first").ok());
  EXPECT_EQ(signed_off.version(), 1);
  // A retry of that call gets version 1 again, though 0 is no longer the
  // latest version, and stores nothing more.
  v1::QuarterlyReport retried;
  ASSERT_TRUE(SignOff(0, "", &retried, "sign-q1-first").ok());
  EXPECT_EQ(retried.SerializeAsString(), signed_off.SerializeAsString());
  EXPECT_EQ(signed_off.status(), v1::REPORT_STATUS_SIGNED_OFF);
  EXPECT_FALSE(signed_off.signed_off_by().empty());
  EXPECT_EQ(signed_off.totals().persons_screened(), 2);
  EXPECT_THAT(signed_off.document_zh(), HasSubstr("第1版"));

  // Signing again changes nothing; a stale version is refused.
  grpc::Status again = SignOff(1, "no change", &signed_off);
  EXPECT_EQ(ErrorReason(again), "REPORT_UNCHANGED");
  grpc::Status stale = SignOff(0, "", &signed_off);
  EXPECT_EQ(ErrorReason(stale), "REPORT_VERSION_CHANGED");

  // A result of the cut-off day arrives late (say, the consumer was behind):
  // the signed report stays as it was; the draft shows the change.
  clock_->Set(DefaultTestNow());  // booked before the day
  Screen(absl::CivilDay(2025, 3, 25), "230102");
  At(absl::CivilDay(2025, 3, 27));
  AwaitPersonsAndBookings(4, 4);
  v1::QuarterlyReport latest, now;
  ASSERT_TRUE(Get(Q1(), &latest).ok());
  EXPECT_EQ(latest.version(), 1);
  EXPECT_EQ(latest.totals().persons_screened(), 2) << "a signed-off report is frozen";
  ASSERT_TRUE(Get(Q1(0, true), &now).ok());
  EXPECT_EQ(now.status(), v1::REPORT_STATUS_DRAFT);
  EXPECT_EQ(now.totals().persons_screened(), 3);

  // The correction is version 2, with its reason and what changed.
  grpc::Status no_reason = SignOff(1, "", &signed_off);
  EXPECT_THAT(no_reason, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(BadFields(no_reason), ElementsAre("reason"));
  v1::QuarterlyReport corrected;
  ASSERT_TRUE(SignOff(1, "补录3月25日结果", &corrected).ok());
  EXPECT_EQ(corrected.version(), 2);
  EXPECT_EQ(corrected.correction_reason(), "补录3月25日结果");
  std::vector<std::string> changed;
  for (const auto& c : corrected.changes()) {
    changed.push_back(absl::StrCat(c.figure(), " ", c.before(), "->", c.after()));
  }
  EXPECT_THAT(changed, ElementsAre("persons_screened 2->3", "type:four_highs 2->3", "bookings 2->3",
                                   "district:230102:persons_screened 1->2"));
  EXPECT_THAT(corrected.csv(), HasSubstr("\nchange,persons_screened,2->3\n"));

  v1::QuarterlyReport first;
  ASSERT_TRUE(Get(Q1(1), &first).ok());
  EXPECT_EQ(first.status(), v1::REPORT_STATUS_SUPERSEDED);
  EXPECT_EQ(first.totals().persons_screened(), 2);
  v1::QuarterlyReport missing;
  EXPECT_THAT(Get(Q1(3), &missing), GrpcIs(grpc::StatusCode::NOT_FOUND));
  // The database holds it to that: the service's role cannot change a version.
  EXPECT_EQ(db_->QueryInt("SELECT has_table_privilege('screening_progress', "
                          "'progress.quarterly_reports', 'UPDATE')::int"),
            0);
  clock_->Set(DefaultTestNow());
}

TEST_F(QuarterlyReport, BadRequestsAreRefusedByField) {
  v1::QuarterlyReport out;
  v1::GetQuarterlyReportRequest bad_quarter = Q1();
  bad_quarter.set_quarter(5);
  grpc::Status status = Get(bad_quarter, &out);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(BadFields(status), ElementsAre("quarter"));
  status = Get(Q1(-1), &out);
  EXPECT_THAT(BadFields(status), ElementsAre("version"));
  status = Get(Q1(2, true), &out);
  EXPECT_THAT(BadFields(status), ElementsAre("version"));
  v1::GetQuarterlyReportRequest bad_year = Q1();
  bad_year.set_programme_year(1999);
  EXPECT_THAT(BadFields(Get(bad_year, &out)), ElementsAre("programme_year"));
  status = SignOff(-1, std::string(501, 'x'), &out);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(BadFields(status), ElementsAre("reason")) << "a string past its limit, first";
  status = SignOff(-1, "", &out);
  EXPECT_THAT(BadFields(status), ElementsAre("expected_version"));
}

}  // namespace
}  // namespace screening::testing
