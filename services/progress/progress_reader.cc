#include "services/progress/progress_reader.h"

#include "common/districts.h"
#include "common/status_macros.h"
#include "screening/v1/scheduling.grpc.pb.h"
#include "services/progress/progress_service.h"
#include "services/progress/projection.h"

namespace screening::progress {
namespace {

constexpr int kRecentDays = 14;
constexpr absl::Duration kPlanTimeout = absl::Seconds(2);
constexpr absl::Duration kQuotasFresh = absl::Seconds(5);

}  // namespace

absl::StatusOr<v1::Progress> ProgressReader::Read(int programme_year,
                                                  v1::ProgressDimension dimension) {
  // The counters move only with the offset: while it stands (and the day and
  // the district quotas are the same), the last answer is still the answer.
  ASSIGN_OR_RETURN(std::string offset, store_.Offset(db::Freshness::kMayLag));
  const absl::CivilDay today = Today(clock_);
  const std::pair<int, v1::ProgressDimension> key{programme_year, dimension};
  {
    absl::MutexLock lock(&mu_);
    auto it = answers_.find(key);
    if (it != answers_.end() && it->second.offset == offset && it->second.today == today &&
        absl::Now() - it->second.made < kQuotasFresh) {
      return it->second.progress;
    }
  }
  ASSIGN_OR_RETURN(v1::Progress progress, ReadNow(programme_year, dimension, today));
  absl::MutexLock lock(&mu_);
  // Kept only if nothing moved while it was read (its own offset says).
  answers_[key] = {
      .offset = progress.offset(), .today = today, .made = absl::Now(), .progress = progress};
  return progress;
}

absl::StatusOr<v1::Progress> ProgressReader::ReadNow(int programme_year,
                                                     v1::ProgressDimension dimension,
                                                     absl::CivilDay today) {
  ASSIGN_OR_RETURN(Counts counts, store_.GetCounts(programme_year, DimensionName(dimension),
                                                   db::Freshness::kMayLag));
  v1::Progress progress = MakeProgress(programme_year, counts, programmes_.Find(programme_year));
  ASSIGN_OR_RETURN(
      auto district_done,
      store_.GroupMetric(programme_year, DimensionName(v1::PROGRESS_DIMENSION_RESIDENT_DISTRICT),
                         PersonsScreenedMetric(), db::Freshness::kMayLag));
  RETURN_IF_ERROR(Project(programme_year, today, Quotas(programme_year), district_done, progress,
                          db::Freshness::kMayLag));
  return progress;
}

DistrictQuotas ProgressReader::Quotas(int programme_year) {
  // A plan changes a few times a year: asked for at most every few seconds.
  {
    absl::MutexLock lock(&mu_);
    auto it = quotas_.find(programme_year);
    if (it != quotas_.end() && absl::Now() - it->second.fetched < kQuotasFresh) {
      return it->second.quotas;
    }
  }
  DistrictQuotas quotas = FetchQuotas(programme_year);
  absl::MutexLock lock(&mu_);
  quotas_[programme_year] = {.quotas = quotas, .fetched = absl::Now()};
  return quotas;
}

DistrictQuotas ProgressReader::FetchQuotas(int programme_year) {
  DistrictQuotas quotas;
  auto scheduling = peers_.Stub<v1::SchedulingService>("scheduling");
  if (!scheduling.ok()) return quotas;
  v1::GetAllocationPlanRequest request;
  request.set_programme_year(programme_year);
  request.set_kind(v1::ALLOCATION_TARGET_PERSONS);
  v1::AllocationPlan plan;
  auto context = peers_.CallContext(nullptr, kPlanTimeout);
  if (!(*scheduling)->GetAllocationPlan(context.get(), request, &plan).ok()) return quotas;
  for (const auto& d : plan.districts()) quotas[d.district_code()] = d.quota();
  return quotas;
}

absl::Status ProgressReader::Project(int programme_year, absl::CivilDay today,
                                     const DistrictQuotas& quotas,
                                     const std::map<std::string, int64_t>& district_done,
                                     v1::Progress& progress, db::Freshness freshness) {
  const absl::CivilDay year_end(programme_year, 12, 31);
  const absl::CivilDay first = today - kRecentDays, last = today - 1;  // today is not over
  for (const auto& [metric, done, target, out] :
       {std::tuple{PersonsScreenedMetric(), progress.persons_screened(), progress.persons_target(),
                   progress.mutable_persons_projection()},
        std::tuple{TypeMetric(v1::SCREENING_TYPE_NIPT), progress.nipt_screened(),
                   progress.nipt_target(), progress.mutable_nipt_projection()}}) {
    ASSIGN_OR_RETURN(std::vector<int64_t> recent,
                     store_.Daily(programme_year, metric, first, last, freshness));
    *out = progress::Project({.done = done,
                              .target = target,
                              .today = today,
                              .year_end = year_end,
                              .recent_daily = std::move(recent)});
  }
  ASSIGN_OR_RETURN(
      auto recent_by_district,
      store_.DailyByDistrict(programme_year, PersonsScreenedMetric(), first, last, freshness));
  progress.clear_district_projections();
  for (const District& d : HarbinDistricts()) {
    const std::string code(d.code);
    auto* out = progress.add_district_projections();
    out->set_district_code(code);
    auto screened = district_done.find(code);
    out->set_persons_screened(screened == district_done.end() ? 0 : screened->second);
    auto quota = quotas.find(code);
    out->set_persons_quota(quota == quotas.end() ? 0 : quota->second);
    auto recent = recent_by_district.find(code);
    *out->mutable_projection() = progress::Project(
        {.done = out->persons_screened(),
         .target = out->persons_quota(),
         .today = today,
         .year_end = year_end,
         .recent_daily = recent == recent_by_district.end()
                             ? std::vector<int64_t>(std::max<int64_t>(0, last - first + 1), 0)
                             : recent->second});
  }
  return absl::OkStatus();
}

}  // namespace screening::progress
