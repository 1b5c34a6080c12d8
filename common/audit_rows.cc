#include "common/audit_rows.h"

#include "absl/strings/str_format.h"
#include "common/db.h"

namespace screening {

const char kAuditAppendSql[] =
    "INSERT INTO audit.events (time, subject, role, scope, method, resource, outcome,"
    " reason, peer) SELECT to_timestamp(t::double precision), s, r, sc, m, res, o, rea, p"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
    " $7::text[], $8::text[], $9::text[]) AS u(t, s, r, sc, m, res, o, rea, p)";

void AppendAuditRows(pqxx::transaction_base& tx, const std::string& statement,
                     const std::vector<AuditEntry>& entries) {
  std::vector<std::string> times, subjects, roles, scopes, methods, resources, outcomes, reasons,
      peers;
  for (const AuditEntry& e : entries) {
    // Seconds with microseconds, all digits (a plain StrCat of a double keeps six).
    times.push_back(absl::StrFormat("%.6f", static_cast<double>(absl::ToUnixMicros(e.time)) / 1e6));
    subjects.push_back(e.subject);
    roles.push_back(e.role);
    scopes.push_back(e.scope);
    methods.push_back(e.method);
    resources.push_back(e.resource);
    outcomes.push_back(e.outcome);
    reasons.push_back(e.reason);
    peers.push_back(e.peer);
  }
  tx.exec_prepared(statement, db::PgArray(times), db::PgArray(subjects), db::PgArray(roles),
                   db::PgArray(scopes), db::PgArray(methods), db::PgArray(resources),
                   db::PgArray(outcomes), db::PgArray(reasons), db::PgArray(peers));
}

}  // namespace screening
