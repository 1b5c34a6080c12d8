// Key rotation's second half: re-seals every stored personal value (the
// residents' ID number, name and phone, and the registry's stored answers in
// its request log) under the first data key, and re-hashes the lookup index
// (ID-number hash, person hash) under the first lookup key. Online: a batch
// at a time, each in its own short transaction holding only its rows.
// Resumable: a row already under the first keys is read and left alone, so
// a run that stopped is simply run again (or continued with `after`).
//
//   Resealer resealer(pool, keys);
//   auto totals = resealer.Run({.batch = 500}, [](const Resealer::Totals& t) { ... });
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db.h"
#include "services/registry/personal_data_keys.h"

namespace screening::registry {

class Resealer {
 public:
  Resealer(db::Pool& pool, const PersonalDataKeys& keys);

  struct Totals {
    int64_t residents = 0;          // rows in registry.residents when the run began
    int64_t residents_scanned = 0;  // read so far
    int64_t residents_rewritten = 0;
    int64_t last_resident_id = 0;  // resume with Options::after_resident_id
    int64_t answers_scanned = 0;   // stored answers (request log) read
    int64_t answers_rewritten = 0;
    // Rows whose values cannot be opened with the configured keys (their key
    // is not configured, or they fail authentication): left as they are.
    std::vector<std::string> unreadable;
  };
  struct Options {
    int batch = 500;
    int64_t after_resident_id = 0;
  };

  // Every resident, then every stored answer; `report` after each batch.
  // An unreadable row is counted and skipped, never fatal.
  absl::StatusOr<Totals> Run(const Options& options,
                             const std::function<void(const Totals&)>& report);

  // One batch of residents with ids above `after_id` (at most `limit`):
  // each not sealed and hashed under the first keys is rewritten. Adds to
  // `totals`; false when there were none left.
  absl::StatusOr<bool> ResidentsBatch(int64_t after_id, int limit, Totals& totals);
  // One batch of stored answers with request ids above `after`.
  absl::StatusOr<bool> AnswersBatch(const std::string& after, int limit, std::string& last,
                                    Totals& totals);

 private:
  // Adds `row` (from the `reseal_residents` statement) to `rewrites` unless it
  // is under the first keys already; the error when it cannot be opened.
  struct Rewrites;
  absl::Status Rewrite(const pqxx::row& row, Rewrites& rewrites) const;

  db::Pool& pool_;
  const PersonalDataKeys& keys_;
};

}  // namespace screening::registry
