// Background tasks that every replica runs on a timer but that must run
// once a round across them all (the overdue sweep, the notifier), not once
// per replica. A replica runs a round only when it claims it: one statement
// moves the task's row forward when the last round began at least the
// interval ago. The row is in the database, so it survives a replica's death
// and a failover; the time is the database's, so replicas whose clocks differ
// (or a test's fake clock) agree.
//
//   // migration: CREATE TABLE results.task_rounds (...)  (see below)
//   if (*ClaimTaskRound(pool, "results.task_rounds", "overdue_sweep", interval)) Sweep();
//
// The table: task text PRIMARY KEY, last_round_time timestamptz NOT NULL,
// rounds bigint NOT NULL (rounds run so far, for operators and tests).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/db.h"

namespace screening {

// True when this replica claimed the task's round and should run it. A
// round is due when the last one began at least 90 % of `interval` ago: a
// replica that wakes a little before another's round is due does not skip
// a whole interval. `table` is a constant of the caller's (a schema's
// task_rounds table), never input.
absl::StatusOr<bool> ClaimTaskRound(db::Pool& pool, const std::string& table,
                                    absl::string_view task, absl::Duration interval);

}  // namespace screening
