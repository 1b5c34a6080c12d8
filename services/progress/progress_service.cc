#include "services/progress/progress_service.h"

#include "common/errors.h"
#include "common/status_macros.h"
#include "screening/v1/results.grpc.pb.h"
#include "services/progress/projection.h"

namespace screening::progress {
namespace {

constexpr int kRecentDays = 14;
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
  p.set_positives(Metric(counts, "positives"));
  p.set_referrals_opened(Metric(counts, "referrals_opened"));
  p.set_referrals_completed(Metric(counts, "referrals_completed"));
  p.set_referrals_withdrawn(Metric(counts, "referrals_withdrawn"));
  p.set_referrals_overdue(Metric(counts, "referrals_overdue"));
  p.set_samples_failed(Metric(counts, "samples_failed"));
  p.set_bookings(Metric(counts, "bookings"));
  p.set_cancellations(Metric(counts, "cancellations"));
  p.set_no_shows(Metric(counts, "no_shows"));
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

std::vector<v1::CounterDifference> CompareCounts(const Counts& counters,
                                                 const v1::ResultCounts& recount, int* compared) {
  std::vector<std::pair<std::string, int64_t>> expected = {
      {PersonsScreenedMetric(), recount.persons_screened()},
      {"samples_failed", recount.samples_failed()},
      {"referrals_completed", recount.referrals_completed()}};
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
      context, Method<v1::ProgressService>("Recount"), [&](CallGate::Call&) -> absl::Status {
        const int year = request->programme_year() == 0 ? current_year_ : request->programme_year();
        if (year < 2024 || year > 2100) {
          return InvalidField("programme_year", "must be 2024 to 2100, or 0");
        }
        ASSIGN_OR_RETURN(auto results, peers_.Stub<v1::ResultsService>("results"));
        std::vector<v1::CounterDifference> differences;
        int compared = 0;
        // The consumer trails commits: a difference must persist to count.
        for (int attempt = 0; attempt < kRecountAttempts; ++attempt) {
          if (attempt > 0) absl::SleepFor(kRecountPause);
          ASSIGN_OR_RETURN(Counts counters, store_.GetCounts(year, "results"));
          v1::CountResultsRequest ask;
          ask.set_programme_year(year);
          v1::ResultCounts recount;
          auto call = peers_.CallContext(context, absl::Seconds(10));
          RETURN_IF_ERROR(PeerOutcome(results->CountResults(call.get(), ask, &recount), "results"));
          differences = CompareCounts(counters, recount, &compared);
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
      context, Method<v1::ProgressService>("GetProgress"), [&](CallGate::Call&) -> absl::Status {
        const int year = request->programme_year() == 0 ? current_year_ : request->programme_year();
        FieldViolations bad;
        if (year < 2024 || year > 2100) bad.Add("programme_year", "must be 2024 to 2100, or 0");
        if (!v1::ProgressDimension_IsValid(request->group_by())) {
          bad.Add("group_by", "must be a ProgressDimension value");
        }
        RETURN_IF_ERROR(bad.ToStatus());
        ASSIGN_OR_RETURN(Counts counts,
                         store_.GetCounts(year, "results", DimensionName(request->group_by())));
        *response = MakeProgress(year, counts, programmes_.Find(year));
        // Projections from the last 14 days' pace (today is not over yet).
        const absl::CivilDay today = Today(clock_);
        const absl::CivilDay year_end(year, 12, 31);
        for (const auto& [metric, target, out] :
             {std::tuple{PersonsScreenedMetric(), response->persons_target(),
                         response->mutable_persons_projection()},
              std::tuple{TypeMetric(v1::SCREENING_TYPE_NIPT), response->nipt_target(),
                         response->mutable_nipt_projection()}}) {
          ASSIGN_OR_RETURN(std::vector<int64_t> recent,
                           store_.Daily(year, metric, today - kRecentDays, today - 1));
          *out = Project({.done = Metric(counts, metric),
                          .target = target,
                          .today = today,
                          .year_end = year_end,
                          .recent_daily = std::move(recent)});
        }
        return absl::OkStatus();
      });
}

}  // namespace screening::progress
