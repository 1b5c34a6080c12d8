// The import of a clinic's list, shared by the ImportResidents stream and the
// ImportResidentRows chunks a browser sends: each row checked on its own (bad
// rows reported with their number, field and reason), good rows sealed on the
// caller's thread while the previous batch is stored on another, so the two
// halves of the work use both cores. Rows whose ID number is registered are
// counted, not stored again.
#pragma once

#include <future>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "common/caller.h"
#include "screening/v1/registry.pb.h"
#include "services/registry/registry_store.h"

namespace screening::registry {

// Rows per message of the stream, and per chunk.
inline constexpr int kMaxImportBatchRows = 10000;

class ImportPipeline {
 public:
  ImportPipeline(RegistryStore& store, const Caller& caller, absl::CivilDay today);
  ~ImportPipeline();  // waits for a batch still being stored

  // Checks one row: a good one waits to be stored, a bad one is counted and
  // its errors added to progress().
  void AddRow(const v1::ImportRow& row);
  // Enough is pending (or enough errors) to store and report now.
  bool WantsFlush() const;
  // Hands what is pending to the database; with `last`, returns once
  // everything handed over is stored and counted.
  absl::Status Flush(bool last);

  // Totals so far, and the errors since the caller last cleared them.
  v1::ImportResidentsResponse& progress() { return progress_; }

 private:
  struct InFlight {
    std::vector<v1::Resident> residents;
    RegistryStore::SealedBatch sealed;
    std::future<absl::StatusOr<int64_t>> stored;
  };
  absl::Status Settle();

  RegistryStore& store_;
  const Caller caller_;
  const absl::CivilDay today_;
  v1::ImportResidentsResponse progress_;
  std::vector<v1::Resident> pending_;
  std::unique_ptr<InFlight> in_flight_;
};

}  // namespace screening::registry
