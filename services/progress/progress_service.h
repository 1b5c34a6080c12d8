// ProgressService's gRPC handlers: counts against the configured targets.
#pragma once

#include "common/call_gate.h"
#include "screening/v1/progress.grpc.pb.h"
#include "services/progress/progress_store.h"

namespace screening::progress {

// The year's targets (DOMAIN.md §1), from configuration.
struct Targets {
  int programme_year = 2025;
  int64_t persons = 800000;
  int64_t nipt = 6000;
};

class ProgressServiceImpl final : public v1::ProgressService::Service {
 public:
  ProgressServiceImpl(ProgressStore& store, CallGate& gate, Targets targets)
      : store_(store), gate_(gate), targets_(targets) {}

  grpc::Status GetProgress(grpc::ServerContext* context, const v1::GetProgressRequest* request,
                           v1::Progress* response) override;

 private:
  ProgressStore& store_;
  CallGate& gate_;
  const Targets targets_;
};

// Builds the response from counters. Targets apply to the configured
// programme year only; another year reports counts with zero targets.
v1::Progress MakeProgress(int programme_year, const Counts& counts, const Targets& targets);

}  // namespace screening::progress
