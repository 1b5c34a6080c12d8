// Builds what the commission sees from the counters: totals against the
// targets, the breakdown asked for, and projections for the city and each
// district. GetProgress, WatchProgress and the quarterly report share it.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "common/clock.h"
#include "common/peers.h"
#include "common/programme.h"
#include "screening/v1/progress.pb.h"
#include "services/progress/progress_store.h"

namespace screening::progress {

// Per district code, the persons quota of the latest applied allocation.
using DistrictQuotas = std::map<std::string, int64_t>;

class ProgressReader {
 public:
  ProgressReader(ProgressStore& store, const Peers& peers, const Clock& clock,
                 const Programmes& programmes)
      : store_(store), peers_(peers), clock_(clock), programmes_(programmes) {}

  // The year's progress now, broken down by `dimension`, with projections:
  // read where reads may lag (a standby, when one is configured).
  absl::StatusOr<v1::Progress> Read(int programme_year, v1::ProgressDimension dimension);

  // The quotas of the latest applied persons allocation; empty when none is
  // applied or scheduling cannot be reached (projections then have no
  // district target, rather than progress failing with scheduling).
  DistrictQuotas Quotas(int programme_year);

  // Projections as of `today` from the 14 days before it: the city's
  // persons and NIPT, and each district's persons against its quota.
  // `district_done`: persons screened per district code so far.
  absl::Status Project(int programme_year, absl::CivilDay today, const DistrictQuotas& quotas,
                       const std::map<std::string, int64_t>& district_done, v1::Progress& progress,
                       db::Freshness freshness);

  ProgressStore& store() { return store_; }
  const Programmes& programmes() const { return programmes_; }
  const Clock& clock() const { return clock_; }

 private:
  absl::StatusOr<v1::Progress> ReadNow(int programme_year, v1::ProgressDimension dimension,
                                       absl::CivilDay today);
  DistrictQuotas FetchQuotas(int programme_year);

  struct Answer {
    std::string offset;
    absl::CivilDay today;
    absl::Time made;
    v1::Progress progress;
  };
  std::map<std::pair<int, v1::ProgressDimension>, Answer> answers_ ABSL_GUARDED_BY(mu_);

  struct CachedQuotas {
    DistrictQuotas quotas;
    absl::Time fetched;
  };
  absl::Mutex mu_;
  std::map<int, CachedQuotas> quotas_ ABSL_GUARDED_BY(mu_);
  ProgressStore& store_;
  const Peers& peers_;
  const Clock& clock_;
  const Programmes& programmes_;
};

}  // namespace screening::progress
