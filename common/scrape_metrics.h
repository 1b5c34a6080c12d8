// Metrics read when Prometheus scrapes rather than kept as the process runs:
// the process's own (memory, threads, file descriptors, CPU), and gauges
// of state other parts already keep (the programme's counters, the
// notifications waiting), read from there and not counted a second time.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace screening {

// One sample of a family: its labels and value.
struct Sample {
  std::vector<prometheus::ClientMetric::Label> labels;
  double value;
};
prometheus::MetricFamily GaugeFamily(std::string name, std::string help,
                                     std::vector<Sample> samples);
prometheus::MetricFamily CounterFamily(std::string name, std::string help,
                                       std::vector<Sample> samples);

// The process's metrics under Prometheus' standard names
// (process_resident_memory_bytes, process_open_fds, ...), from /proc/self.
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

// Families made by a function at each scrape (nothing when it fails: the
// scrape still answers with the rest).
class CallbackCollector : public prometheus::Collectable {
 public:
  explicit CallbackCollector(std::function<std::vector<prometheus::MetricFamily>()> collect)
      : collect_(std::move(collect)) {}
  std::vector<prometheus::MetricFamily> Collect() const override { return collect_(); }

 private:
  std::function<std::vector<prometheus::MetricFamily>()> collect_;
};

}  // namespace screening
