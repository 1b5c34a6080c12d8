#include "services/progress/progress_service.h"

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/dates.h"
#include "common/districts.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "screening/internal/v1/results.grpc.pb.h"
#include "screening/internal/v1/scheduling.grpc.pb.h"
#include "services/progress/quarterly_report.h"

namespace screening::progress {
namespace {

constexpr int kRecountAttempts = 10;
constexpr absl::Duration kRecountPause = absl::Milliseconds(300);

int64_t Metric(const Counts& counts, const std::string& name) {
  auto it = counts.metrics.find(name);
  return it == counts.metrics.end() ? 0 : it->second;
}

double Share(int64_t count, int64_t target) {
  return target > 0 ? static_cast<double>(count) / static_cast<double>(target) : 0.0;
}

}  // namespace

const std::vector<CounterField>& CounterFields() {
  static const auto* fields = new std::vector<CounterField>{
      {"positives", &v1::Progress::positives, &v1::Progress::set_positives},
      {"referrals_opened", &v1::Progress::referrals_opened, &v1::Progress::set_referrals_opened},
      {"referrals_completed", &v1::Progress::referrals_completed,
       &v1::Progress::set_referrals_completed},
      {"referrals_withdrawn", &v1::Progress::referrals_withdrawn,
       &v1::Progress::set_referrals_withdrawn},
      {"referrals_overdue", &v1::Progress::referrals_overdue, &v1::Progress::set_referrals_overdue},
      {"samples_failed", &v1::Progress::samples_failed, &v1::Progress::set_samples_failed},
      {"bookings", &v1::Progress::bookings, &v1::Progress::set_bookings},
      {"cancellations", &v1::Progress::cancellations, &v1::Progress::set_cancellations},
      {"no_shows", &v1::Progress::no_shows, &v1::Progress::set_no_shows}};
  return *fields;
}

v1::Progress MakeProgress(int programme_year, const Counts& counts, const ProgrammeRules* rules) {
  v1::Progress p;
  p.set_programme_year(programme_year);
  p.set_persons_screened(Metric(counts, PersonsScreenedMetric()));
  p.set_persons_target(rules ? rules->persons_target : 0);
  p.set_persons_share(Share(p.persons_screened(), p.persons_target()));
  for (auto type : {v1::SCREENING_TYPE_COLORECTAL, v1::SCREENING_TYPE_GASTRIC,
                    v1::SCREENING_TYPE_FOUR_HIGHS, v1::SCREENING_TYPE_NIPT}) {
    auto* count = p.add_by_type();
    count->set_screening_type(type);
    count->set_persons_screened(Metric(counts, TypeMetric(type)));
  }
  p.set_nipt_screened(Metric(counts, TypeMetric(v1::SCREENING_TYPE_NIPT)));
  p.set_nipt_target(rules ? rules->nipt_target : 0);
  p.set_nipt_share(Share(p.nipt_screened(), p.nipt_target()));
  p.set_offset(counts.offset);
  for (const CounterField& f : CounterFields()) (p.*f.set)(Metric(counts, f.metric));
  for (const auto& [key, metrics] : counts.groups) {
    Counts group{.metrics = metrics};
    auto* g = p.add_groups();
    g->set_key(key);
    g->set_persons_screened(Metric(group, PersonsScreenedMetric()));
    for (auto type : {v1::SCREENING_TYPE_COLORECTAL, v1::SCREENING_TYPE_GASTRIC,
                      v1::SCREENING_TYPE_FOUR_HIGHS, v1::SCREENING_TYPE_NIPT}) {
      auto* count = g->add_by_type();
      count->set_screening_type(type);
      count->set_persons_screened(Metric(group, TypeMetric(type)));
    }
    g->set_nipt_screened(Metric(group, TypeMetric(v1::SCREENING_TYPE_NIPT)));
    g->set_positives(Metric(group, "positives"));
    g->set_referrals_opened(Metric(group, "referrals_opened"));
    g->set_referrals_completed(Metric(group, "referrals_completed"));
    g->set_bookings(Metric(group, "bookings"));
    g->set_no_shows(Metric(group, "no_shows"));
  }
  return p;
}

bool IsGroupKey(v1::ProgressDimension dimension, const std::string& key) {
  switch (dimension) {
    case v1::PROGRESS_DIMENSION_RESIDENT_DISTRICT:
    case v1::PROGRESS_DIMENSION_HOSPITAL_DISTRICT:
      return FindDistrict(key) != nullptr;
    case v1::PROGRESS_DIMENSION_HOSPITAL: {
      absl::string_view code = key;
      return absl::ConsumePrefix(&code, "hospitals/") && IsHospitalCode(code);
    }
    case v1::PROGRESS_DIMENSION_DAY:
      return ParseDate(key).has_value();
    case v1::PROGRESS_DIMENSION_MONTH:
      return key.size() == 7 && ParseDate(key + "-01").has_value();
    default:
      return false;
  }
}

v1::Progress FilterProgress(const v1::Progress& all, v1::ProgressDimension dimension,
                            const std::string& key) {
  v1::Progress one;
  one.set_programme_year(all.programme_year());
  one.set_offset(all.offset());
  for (const auto& t : all.by_type()) {
    auto* by_type = one.add_by_type();
    by_type->set_screening_type(t.screening_type());
  }
  for (const auto& g : all.groups()) {
    if (g.key() != key) continue;
    one.set_persons_screened(g.persons_screened());
    for (int i = 0; i < g.by_type_size() && i < one.by_type_size(); ++i) {
      one.mutable_by_type(i)->set_persons_screened(g.by_type(i).persons_screened());
    }
    one.set_nipt_screened(g.nipt_screened());
    one.set_positives(g.positives());
    one.set_referrals_opened(g.referrals_opened());
    one.set_referrals_completed(g.referrals_completed());
    one.set_bookings(g.bookings());
    one.set_no_shows(g.no_shows());
  }
  if (dimension == v1::PROGRESS_DIMENSION_RESIDENT_DISTRICT) {
    for (const auto& d : all.district_projections()) {
      if (d.district_code() != key) continue;
      one.set_persons_target(d.persons_quota());
      one.set_persons_share(d.persons_quota() > 0 ? static_cast<double>(one.persons_screened()) /
                                                        static_cast<double>(d.persons_quota())
                                                  : 0.0);
      *one.mutable_persons_projection() = d.projection();
      *one.add_district_projections() = d;
    }
  }
  return one;
}

std::vector<v1::CounterDifference> CompareCounts(const Counts& counters,
                                                 const internal::v1::ResultCounts& recount,
                                                 const internal::v1::BookingCounts& bookings,
                                                 int* compared) {
  std::vector<std::pair<std::string, int64_t>> expected = {
      {PersonsScreenedMetric(), recount.persons_screened()},
      {"samples_failed", recount.samples_failed()},
      {"referrals_completed", recount.referrals_completed()},
      {"positives", recount.positives()},
      {"referrals_opened", recount.referrals_opened()},
      {"referrals_withdrawn", recount.referrals_withdrawn()},
      {"referrals_overdue", recount.referrals_overdue()},
      {"bookings", bookings.bookings()},
      {"cancellations", bookings.cancellations()},
      {"no_shows", bookings.no_shows()}};
  for (auto type : {v1::SCREENING_TYPE_COLORECTAL, v1::SCREENING_TYPE_GASTRIC,
                    v1::SCREENING_TYPE_FOUR_HIGHS, v1::SCREENING_TYPE_NIPT}) {
    int64_t n = 0;
    for (const auto& t : recount.by_type()) {
      if (t.screening_type() == type) n = t.persons_screened();
    }
    expected.emplace_back(TypeMetric(type), n);
  }
  *compared = static_cast<int>(expected.size());
  std::vector<v1::CounterDifference> differences;
  for (const auto& [metric, value] : expected) {
    const int64_t counter = Metric(counters, metric);
    if (counter == value) continue;
    v1::CounterDifference& d = differences.emplace_back();
    d.set_metric(metric);
    d.set_counter(counter);
    d.set_recount(value);
  }
  return differences;
}

grpc::Status ProgressServiceImpl::Recount(grpc::ServerContext* context,
                                          const v1::RecountRequest* request,
                                          v1::RecountResponse* response) {
  return gate_.Serve(
      context, *request, Method<v1::ProgressService>("Recount"),
      [&](CallGate::Call&) -> absl::Status {
        const int year = request->programme_year() == 0 ? current_year_ : request->programme_year();
        if (year < 2024 || year > 2100) {
          return InvalidField("programme_year", "must be 2024 to 2100, or 0");
        }
        ASSIGN_OR_RETURN(auto results,
                         peers_.Stub<internal::v1::ResultsInternalService>("results"));
        ASSIGN_OR_RETURN(auto scheduling,
                         peers_.Stub<internal::v1::SchedulingInternalService>("scheduling"));
        std::vector<v1::CounterDifference> differences;
        int compared = 0;
        // The consumer trails commits: a difference must persist to count.
        for (int attempt = 0; attempt < kRecountAttempts; ++attempt) {
          if (attempt > 0) absl::SleepFor(kRecountPause);
          ASSIGN_OR_RETURN(Counts counters, reader_.store().GetCounts(year));
          internal::v1::CountResultsRequest ask;
          ask.set_programme_year(year);
          internal::v1::ResultCounts recount;
          auto call = peers_.CallContext(context, absl::Seconds(10));
          RETURN_IF_ERROR(PeerOutcome(results->CountResults(call.get(), ask, &recount), "results"));
          internal::v1::CountBookingsRequest ask_bookings;
          ask_bookings.set_programme_year(year);
          internal::v1::BookingCounts bookings;
          auto booking_call = peers_.CallContext(context, absl::Seconds(10));
          RETURN_IF_ERROR(
              PeerOutcome(scheduling->CountBookings(booking_call.get(), ask_bookings, &bookings),
                          "scheduling"));
          differences = CompareCounts(counters, recount, bookings, &compared);
          if (differences.empty()) break;
        }
        response->set_consistent(differences.empty());
        response->set_counters_compared(compared);
        for (auto& d : differences) *response->add_differences() = std::move(d);
        return absl::OkStatus();
      });
}

grpc::Status ProgressServiceImpl::GetProgress(grpc::ServerContext* context,
                                              const v1::GetProgressRequest* request,
                                              v1::Progress* response) {
  return gate_.Serve(
      context, *request, Method<v1::ProgressService>("GetProgress"),
      [&](CallGate::Call&) -> absl::Status {
        const int year = request->programme_year() == 0 ? current_year_ : request->programme_year();
        FieldViolations bad;
        if (year < 2024 || year > 2100) bad.Add("programme_year", "must be 2024 to 2100, or 0");
        if (!v1::ProgressDimension_IsValid(request->group_by())) {
          bad.Add("group_by", "must be a ProgressDimension value");
        }
        const bool filtered = request->filter_by() != v1::PROGRESS_DIMENSION_UNSPECIFIED;
        if (!v1::ProgressDimension_IsValid(request->filter_by())) {
          bad.Add("filter_by", "must be a ProgressDimension value");
        } else if (filtered && request->group_by() != v1::PROGRESS_DIMENSION_UNSPECIFIED) {
          bad.Add("filter_by", "filter or group, not both");
        } else if (filtered && !IsGroupKey(request->filter_by(), request->filter_key())) {
          bad.Add("filter_key",
                  "must be a district code, hospitals/{code} or YYYY-MM-DD as "
                  "filter_by says");
        } else if (!filtered && !request->filter_key().empty()) {
          bad.Add("filter_key", "needs filter_by");
        }
        RETURN_IF_ERROR(bad.ToStatus());
        if (!filtered) {
          ASSIGN_OR_RETURN(*response, reader_.Read(year, request->group_by()));
        } else {
          ASSIGN_OR_RETURN(v1::Progress all, reader_.Read(year, request->filter_by()));
          *response = FilterProgress(all, request->filter_by(), request->filter_key());
        }
        ASSIGN_OR_RETURN(absl::Duration staleness,
                         reader_.store().Staleness(db::Freshness::kMayLag));
        db::SetStaleness(staleness, response->mutable_staleness());
        return absl::OkStatus();
      });
}

namespace {

// One WatchProgress call: subscribed to the feed for its life. At most one
// write is in flight and one state waits behind it (replaced by any newer
// one), so a watcher that reads slowly holds two states, never a queue.
class ProgressWatch final : public grpc::ServerWriteReactor<v1::ProgressUpdate>,
                            public ProgressFeed::Watcher {
 public:
  ProgressWatch(ProgressFeed& feed, ProgressFeed::Key key) : feed_(feed), key_(std::move(key)) {}

  // Subscribes, or finishes with the reason it cannot.
  void Start(const std::string& after) {
    absl::Status subscribed = feed_.Subscribe(key_, after, this);
    if (!subscribed.ok()) End(ToGrpcStatus(subscribed));
  }

  void End(grpc::Status status) {
    bool finish_now = false;
    {
      absl::MutexLock lock(&mu_);
      if (ending_) return;
      ending_ = true;
      end_status_ = std::move(status);
      finish_now = !updates_.writing();
    }
    if (finish_now) Finish(end_status_);
  }

  void Offer(std::shared_ptr<const v1::ProgressUpdate> update) override {
    LatestOnly::Update write;
    {
      absl::MutexLock lock(&mu_);
      if (ending_) return;
      write = updates_.Offer(std::move(update));
    }
    if (write) StartWrite(write.get());  // held by updates_ until WriteDone
  }

  void OnWriteDone(bool ok) override {
    LatestOnly::Update next;
    {
      absl::MutexLock lock(&mu_);
      if (!ok && !ending_) {
        // The client is gone; nothing more is written.
        ending_ = true;
        end_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away");
      }
      if (!ending_) {
        next = updates_.WriteDone();
        if (!next) return;
      } else {
        updates_.Clear();
      }
    }
    if (next) {
      StartWrite(next.get());
    } else {
      Finish(end_status_);
    }
  }

  void Close() override {
    End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                     "the server is shutting down; watch again with the last offset received"));
  }

  void OnCancel() override { End(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled")); }

  void OnDone() override {
    feed_.Unsubscribe(key_, this);
    delete this;
  }

 private:
  ProgressFeed& feed_;
  const ProgressFeed::Key key_;
  absl::Mutex mu_;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status end_status_;
  LatestOnly updates_ ABSL_GUARDED_BY(mu_);
};

// "" or "{results offset},{scheduling offset}", each part empty or an
// outbox offset.
bool IsProgressOffset(const std::string& offset) {
  if (offset.empty()) return true;
  std::vector<absl::string_view> parts = absl::StrSplit(offset, ',');
  if (parts.size() != 2) return false;
  for (absl::string_view part : parts) {
    if (!part.empty() && !ParseOutboxOffset(part)) return false;
  }
  return true;
}

}  // namespace

ProgressFeed::Key ProgressServiceImpl::WatchKey(const v1::WatchProgressRequest& request) const {
  return {request.programme_year() == 0 ? current_year_ : request.programme_year(),
          request.group_by()};
}

absl::Status ProgressServiceImpl::AdmitWatch(grpc::ServerContextBase* context,
                                             const v1::WatchProgressRequest& request) {
  {
    // The gate's verdict (no audit: progress holds no personal data).
    CallGate::Call call = gate_.Begin(context, Method<v1::ProgressService>("WatchProgress"));
    RETURN_IF_ERROR(call.status());
  }
  RETURN_IF_ERROR(CheckFieldLimits(request));
  const int year = WatchKey(request).first;
  FieldViolations bad;
  if (year < 2024 || year > 2100) bad.Add("programme_year", "must be 2024 to 2100, or 0");
  if (!v1::ProgressDimension_IsValid(request.group_by())) {
    bad.Add("group_by", "must be a ProgressDimension value");
  }
  if (request.after().size() > 100 || !IsProgressOffset(request.after())) {
    bad.Add("after", "must be an offset from an earlier update, or empty");
  }
  return bad.ToStatus();
}

grpc::ServerWriteReactor<v1::ProgressUpdate>* ProgressServiceImpl::WatchProgress(
    grpc::CallbackServerContext* context, const v1::WatchProgressRequest* request) {
  auto* watch = new ProgressWatch(feed_, WatchKey(*request));
  if (absl::Status admitted = AdmitWatch(context, *request); !admitted.ok()) {
    watch->End(ToGrpcStatus(admitted));
  } else {
    watch->Start(request->after());
  }
  return watch;
}

absl::Status ProgressServiceImpl::Watch(grpc::ServerContext* context,
                                        const v1::WatchProgressRequest& request,
                                        ProgressFeed::Watcher* watcher) {
  RETURN_IF_ERROR(AdmitWatch(context, request));
  return feed_.Subscribe(WatchKey(request), request.after(), watcher);
}

void ProgressServiceImpl::Unwatch(const v1::WatchProgressRequest& request,
                                  ProgressFeed::Watcher* watcher) {
  feed_.Unsubscribe(WatchKey(request), watcher);
}

absl::StatusOr<v1::QuarterlyReport> ProgressServiceImpl::Draft(int programme_year, int quarter,
                                                               db::Freshness freshness) {
  const absl::CivilDay cutoff = QuarterCutoff(programme_year, quarter);
  ASSIGN_OR_RETURN(Counts as_of, reader_.store().CountsAsOf(programme_year, cutoff, freshness));
  const DistrictQuotas quotas = reader_.Quotas(programme_year);
  v1::QuarterlyReport report = BuildReport(programme_year, quarter, as_of,
                                           reader_.programmes().Find(programme_year), quotas);
  // Projected as on the day after the cut-off, from the 14 days up to it.
  std::map<std::string, int64_t> district_done;
  for (const auto& d : report.districts()) district_done[d.district_code()] = d.persons_screened();
  RETURN_IF_ERROR(reader_.Project(programme_year, cutoff + 1, quotas, district_done,
                                  *report.mutable_totals(), freshness));
  ASSIGN_OR_RETURN(absl::Duration staleness, reader_.store().Staleness(freshness));
  db::SetStaleness(staleness, report.mutable_staleness());
  return report;
}

namespace {

// Validates the year and quarter shared by the report RPCs; returns the year.
int ReportYear(int requested, int current_year, int quarter, FieldViolations& bad) {
  const int year = requested == 0 ? current_year : requested;
  if (year < 2024 || year > 2100) bad.Add("programme_year", "must be 2024 to 2100, or 0");
  if (quarter < 1 || quarter > 4) bad.Add("quarter", "must be 1 to 4");
  return year;
}

void Render(v1::QuarterlyReport& report) {
  report.set_csv(RenderCsv(report));
  report.set_document_zh(RenderChineseDocument(report));
}

}  // namespace

grpc::Status ProgressServiceImpl::GetQuarterlyReport(grpc::ServerContext* context,
                                                     const v1::GetQuarterlyReportRequest* request,
                                                     v1::QuarterlyReport* response) {
  return gate_.Serve(
      context, *request, Method<v1::ProgressService>("GetQuarterlyReport"),
      [&](CallGate::Call&) -> absl::Status {
        FieldViolations bad;
        const int year =
            ReportYear(request->programme_year(), current_year_, request->quarter(), bad);
        if (request->version() < 0) bad.Add("version", "must be 0 (the latest) or more");
        if (request->draft() && request->version() != 0) {
          bad.Add("version", "a draft has no version; ask for one or the other");
        }
        RETURN_IF_ERROR(bad.ToStatus());
        ASSIGN_OR_RETURN(std::vector<v1::QuarterlyReport> signed_off,
                         reader_.store().Reports(year, request->quarter()));
        if (request->draft() || (signed_off.empty() && request->version() == 0)) {
          ASSIGN_OR_RETURN(*response, Draft(year, request->quarter(), db::Freshness::kMayLag));
          Render(*response);
          return absl::OkStatus();
        }
        const int version =
            request->version() == 0 ? static_cast<int>(signed_off.size()) : request->version();
        if (version > static_cast<int>(signed_off.size())) {
          return absl::NotFoundError(absl::StrCat("the report of ", year, " Q", request->quarter(),
                                                  " has ", signed_off.size(),
                                                  " signed-off versions"));
        }
        *response = signed_off[version - 1];
        if (version < static_cast<int>(signed_off.size())) {
          response->set_status(v1::REPORT_STATUS_SUPERSEDED);
        }
        return absl::OkStatus();
      });
}

grpc::Status ProgressServiceImpl::SignOffQuarterlyReport(
    grpc::ServerContext* context, const v1::SignOffQuarterlyReportRequest* request,
    v1::QuarterlyReport* response) {
  return gate_.Serve(
      context, *request, Method<v1::ProgressService>("SignOffQuarterlyReport"),
      [&](CallGate::Call& call) -> absl::Status {
        FieldViolations bad;
        const int year =
            ReportYear(request->programme_year(), current_year_, request->quarter(), bad);
        if (request->expected_version() < 0) bad.Add("expected_version", "must be 0 or more");
        if (Utf8Length(request->reason()) > 500)
          bad.Add("reason", "must be at most 500 characters");
        if (request->expected_version() > 0 && request->reason().empty()) {
          bad.Add("reason", "is required to correct a signed-off report");
        }
        if (!IsValidRequestId(request->request_id())) {
          bad.Add("request_id", "is required: 1 to 64 printable ASCII characters");
        }
        RETURN_IF_ERROR(bad.ToStatus());
        // A retry gets the version its first call signed off, though that
        // version is no longer the one it expected.
        ASSIGN_OR_RETURN(std::optional<v1::QuarterlyReport> earlier,
                         reader_.store().EarlierSignOff(*request));
        if (earlier) {
          *response = *std::move(earlier);
          return absl::OkStatus();
        }
        const absl::CivilDay cutoff = QuarterCutoff(year, request->quarter());
        if (Today(reader_.clock()) <= cutoff) {
          return WithReason(absl::FailedPreconditionError(
                                absl::StrCat("the cut-off ", FormatDate(cutoff),
                                             " is not over yet: a report is signed off after it")),
                            "CUTOFF_NOT_PASSED");
        }
        ASSIGN_OR_RETURN(std::vector<v1::QuarterlyReport> signed_off,
                         reader_.store().Reports(year, request->quarter()));
        const int latest = static_cast<int>(signed_off.size());
        if (request->expected_version() != latest) {
          return WithReason(absl::FailedPreconditionError(absl::StrCat(
                                "the latest version is ", latest, ", not ",
                                request->expected_version(), ": read it before signing")),
                            "REPORT_VERSION_CHANGED");
        }
        ASSIGN_OR_RETURN(v1::QuarterlyReport report,
                         Draft(year, request->quarter(), db::Freshness::kLatest));
        if (latest > 0) {
          for (auto& change : CompareReports(signed_off.back(), report)) {
            *report.add_changes() = std::move(change);
          }
          if (report.changes().empty()) {
            return WithReason(
                absl::FailedPreconditionError(absl::StrCat("nothing changed since version ", latest,
                                                           ": a correction must change a figure")),
                "REPORT_UNCHANGED");
          }
          report.set_correction_reason(request->reason());
        }
        report.set_version(latest + 1);
        report.set_status(v1::REPORT_STATUS_SIGNED_OFF);
        report.set_signed_off_by(call.caller().Name());
        report.set_sign_off_time(
            absl::FormatTime(absl::RFC3339_sec, reader_.clock().Now(), HarbinTimeZone()));
        Render(report);
        ASSIGN_OR_RETURN(*response, reader_.store().SaveReport(report, *request));
        return absl::OkStatus();
      });
}

}  // namespace screening::progress
