#include "common/audit_rows.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/db.h"

namespace screening {

std::string AuditInsertSql(int first) {
  std::vector<std::string> arrays;
  for (int k = 0; k < 9; ++k) arrays.push_back(absl::StrCat("$", first + k, "::text[]"));
  return absl::StrCat(
      "INSERT INTO audit.events (time, subject, role, scope, method, resource, outcome,"
      " reason, peer) SELECT to_timestamp(t::double precision), s, r, sc, m, res, o, rea, p"
      " FROM unnest(",
      absl::StrJoin(arrays, ", "), ") AS u(t, s, r, sc, m, res, o, rea, p)");
}

std::vector<std::string> AuditRowArrays(const std::vector<AuditEntry>& entries) {
  std::vector<std::string> times, subjects, roles, scopes, methods, resources, outcomes, reasons,
      peers;
  for (const AuditEntry& e : entries) {
    // Seconds with microseconds, all digits (a plain StrCat of a double keeps six).
    times.push_back(db::PgEpoch(e.time));
    subjects.push_back(e.subject);
    roles.push_back(e.role);
    scopes.push_back(e.scope);
    methods.push_back(e.method);
    resources.push_back(e.resource);
    outcomes.push_back(e.outcome);
    reasons.push_back(e.reason);
    peers.push_back(e.peer);
  }
  return {db::PgArray(times),    db::PgArray(subjects), db::PgArray(roles),
          db::PgArray(scopes),   db::PgArray(methods),  db::PgArray(resources),
          db::PgArray(outcomes), db::PgArray(reasons),  db::PgArray(peers)};
}

void AppendAuditRows(pqxx::transaction_base& tx, const std::string& statement,
                     const std::vector<AuditEntry>& entries) {
  const std::vector<std::string> a = AuditRowArrays(entries);
  tx.exec_prepared(statement, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
}

}  // namespace screening
