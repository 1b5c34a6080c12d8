// The programme's state as Prometheus gauges, made at each scrape from what
// GetProgress reads (the progress counters and the allocation plan), so that
// an operator's dashboard and alerts see the same figures as the commission,
// not a second count.
#pragma once

#include <vector>

#include <prometheus/metric_family.h>

#include "screening/v1/progress.pb.h"

namespace screening::progress {

// The gauges of `progress` (one programme year's totals), labelled by year.
std::vector<prometheus::MetricFamily> ProgrammeFamilies(const v1::Progress& progress);

}  // namespace screening::progress
