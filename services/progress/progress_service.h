// ProgressService's gRPC handlers: counts against the configured targets.
#pragma once

#include "common/call_gate.h"
#include "common/peers.h"
#include "common/programme.h"
#include "screening/internal/v1/scheduling.pb.h"
#include "screening/v1/progress.grpc.pb.h"
#include "screening/v1/scheduling.pb.h"
#include "services/progress/progress_feed.h"
#include "services/progress/progress_reader.h"
#include "services/progress/progress_store.h"

namespace screening::progress {

class ProgressServiceImpl final
    : public v1::ProgressService::WithCallbackMethod_WatchProgress<v1::ProgressService::Service> {
 public:
  // `current_year`: the programme reported when a request names no year.
  ProgressServiceImpl(ProgressReader& reader, ProgressFeed& feed, CallGate& gate,
                      const Peers& peers, int current_year)
      : reader_(reader), feed_(feed), gate_(gate), peers_(peers), current_year_(current_year) {}

  grpc::Status GetProgress(grpc::ServerContext* context, const v1::GetProgressRequest* request,
                           v1::Progress* response) override;
  grpc::Status Recount(grpc::ServerContext* context, const v1::RecountRequest* request,
                       v1::RecountResponse* response) override;
  grpc::ServerWriteReactor<v1::ProgressUpdate>* WatchProgress(
      grpc::CallbackServerContext* context, const v1::WatchProgressRequest* request) override;
  grpc::Status GetQuarterlyReport(grpc::ServerContext* context,
                                  const v1::GetQuarterlyReportRequest* request,
                                  v1::QuarterlyReport* response) override;
  grpc::Status SignOffQuarterlyReport(grpc::ServerContext* context,
                                      const v1::SignOffQuarterlyReportRequest* request,
                                      v1::QuarterlyReport* response) override;

  // WatchProgress for a caller on this thread rather than over gRPC (the
  // HTTP face, inside CallGate::ServeLocal): the same gate and checks as a
  // gRPC watch, then `watcher` is offered each state until Unwatch.
  absl::Status Watch(grpc::ServerContext* context, const v1::WatchProgressRequest& request,
                     ProgressFeed::Watcher* watcher);
  void Unwatch(const v1::WatchProgressRequest& request, ProgressFeed::Watcher* watcher);

 private:
  // The gate's verdict on a watch and the request's checks.
  absl::Status AdmitWatch(grpc::ServerContextBase* context,
                          const v1::WatchProgressRequest& request);
  ProgressFeed::Key WatchKey(const v1::WatchProgressRequest& request) const;

  // The draft of a quarter's report, computed from the counters now.
  // The quarter's report as the counters stand: read where reads may lag for
  // a draft to look at, from the primary for a sign-off.
  absl::StatusOr<v1::QuarterlyReport> Draft(int programme_year, int quarter,
                                            db::Freshness freshness);

  ProgressReader& reader_;
  ProgressFeed& feed_;
  CallGate& gate_;
  const Peers& peers_;
  const int current_year_;
};

// The counters that differ from the results' own counts.
// `compared` is set to how many counters were compared.
std::vector<v1::CounterDifference> CompareCounts(const Counts& counters,
                                                 const internal::v1::ResultCounts& recount,
                                                 const internal::v1::BookingCounts& bookings,
                                                 int* compared);

// Whether `key` names a group of `dimension` (a district code,
// `hospitals/{code}`, `YYYY-MM-DD`).
bool IsGroupKey(v1::ProgressDimension dimension, const std::string& key);

// One group of a breakdown as a Progress of its own: its counts; for a
// resident district, its quota as the persons target and its projection.
v1::Progress FilterProgress(const v1::Progress& all, v1::ProgressDimension dimension,
                            const std::string& key);

// The counters a Progress carries one-to-one (besides persons and types):
// the metric's name and the Progress field that shows it.
struct CounterField {
  const char* metric;
  int64_t (v1::Progress::*get)() const;
  void (v1::Progress::*set)(int64_t);
};
const std::vector<CounterField>& CounterFields();

// Builds the response from counters, against the year's targets (zero when
// no programme is configured for the year).
v1::Progress MakeProgress(int programme_year, const Counts& counts, const ProgrammeRules* rules);

}  // namespace screening::progress
