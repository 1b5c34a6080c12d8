#include "common/task_rounds.h"

#include "absl/strings/str_cat.h"
#include "common/server_metrics.h"

namespace screening {

absl::StatusOr<bool> ClaimTaskRound(db::Pool& pool, const std::string& table,
                                    absl::string_view task, absl::Duration interval) {
  // The conflict's row lock orders replicas claiming at once; the second
  // sees the first's new time and claims nothing.
  const std::string sql = absl::StrCat(
      "INSERT INTO ", table, " AS r (task, last_round_time, rounds) VALUES ($1, now(), 1) ",
      "ON CONFLICT (task) DO UPDATE SET last_round_time = now(), rounds = r.rounds + 1 ",
      "WHERE r.last_round_time <= now() - make_interval(secs => $2) RETURNING true");
  const double due_after = absl::ToDoubleSeconds(interval) * 0.9;
  absl::StatusOr<bool> claimed =
      db::AutoCommit<bool>(pool, [&](pqxx::nontransaction& tx) -> absl::StatusOr<bool> {
        return !tx.exec_params(sql, std::string(task), due_after).empty();
      });
  if (claimed.ok()) {
    if (ServerMetrics* metrics = GetServerMetrics()) metrics->TaskRound(task, *claimed);
  }
  return claimed;
}

}  // namespace screening
