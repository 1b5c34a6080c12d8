// The audit log's rows, many in one statement, for whichever connection
// writes them: the gate's own (AdminStore, a commit of their own), or a
// service writing its calls' rows in the transaction of their change, so
// that change and row commit together (SchedulingStore, for bookings).
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "common/call_gate.h"

namespace screening {

// Prepare this under any name on a connection whose role may INSERT into
// audit.events (and only that: the log is append-only).
extern const char kAuditAppendSql[];

// Runs the statement prepared from kAuditAppendSql as `statement`.
void AppendAuditRows(pqxx::transaction_base& tx, const std::string& statement,
                     const std::vector<AuditEntry>& entries);

}  // namespace screening
