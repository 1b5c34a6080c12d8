#include "common/scrape_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace screening {
namespace {

prometheus::MetricFamily Family(std::string name, std::string help, prometheus::MetricType type,
                                std::vector<Sample> samples) {
  prometheus::MetricFamily family{std::move(name), std::move(help), type, {}};
  for (Sample& s : samples) {
    prometheus::ClientMetric metric;
    metric.label = std::move(s.labels);
    if (type == prometheus::MetricType::Counter) {
      metric.counter.value = s.value;
    } else {
      metric.gauge.value = s.value;
    }
    family.metric.push_back(std::move(metric));
  }
  return family;
}

int OpenFileDescriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int n = 0;
  while (dirent* entry = readdir(dir)) n += entry->d_name[0] != '.';
  closedir(dir);
  return n - 1;  // the directory's own descriptor
}

}  // namespace

prometheus::MetricFamily GaugeFamily(std::string name, std::string help,
                                     std::vector<Sample> samples) {
  return Family(std::move(name), std::move(help), prometheus::MetricType::Gauge,
                std::move(samples));
}

prometheus::MetricFamily CounterFamily(std::string name, std::string help,
                                       std::vector<Sample> samples) {
  return Family(std::move(name), std::move(help), prometheus::MetricType::Counter,
                std::move(samples));
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  // /proc/self/stat: after the command's closing parenthesis, fields 3 on
  // (proc(5)): utime 14, stime 15, num_threads 20, starttime 22, vsize 23, rss 24.
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::vector<std::string> f;
    for (std::string word; fields >> word;) f.push_back(word);
    auto field = [&](int number) { return std::stod(f.at(number - 3)); };
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    std::ifstream uptime_file("/proc/uptime");
    double uptime = 0;
    uptime_file >> uptime;
    const double boot = static_cast<double>(time(nullptr)) - uptime;
    families.push_back(CounterFamily("process_cpu_seconds_total",
                                     "User and system CPU time spent, in seconds.",
                                     {{{}, (field(14) + field(15)) / ticks}}));
    families.push_back(
        GaugeFamily("process_threads", "Threads of the process.", {{{}, field(20)}}));
    families.push_back(GaugeFamily("process_start_time_seconds",
                                   "Start time of the process since 1970, in seconds.",
                                   {{{}, boot + field(22) / ticks}}));
    families.push_back(GaugeFamily("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                   {{{}, field(23)}}));
    families.push_back(GaugeFamily("process_resident_memory_bytes",
                                   "Resident memory size in bytes.", {{{}, field(24) * page}}));
  }
  families.push_back(GaugeFamily("process_open_fds", "Open file descriptors.",
                                 {{{}, static_cast<double>(OpenFileDescriptors())}}));
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    families.push_back(GaugeFamily("process_max_fds", "The most file descriptors it may open.",
                                   {{{}, static_cast<double>(limit.rlim_cur)}}));
  }
  return families;
}

}  // namespace screening
