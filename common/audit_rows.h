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

// The INSERT of audit rows given as nine arrays, parameters $first to
// $first+8 (see AuditRowArrays), to prepare alone or as part of a larger
// statement, on a connection whose role may INSERT into audit.events (and
// only that: the log is append-only).
std::string AuditInsertSql(int first);

// `entries` as the nine arrays of AuditInsertSql, in its parameter order.
std::vector<std::string> AuditRowArrays(const std::vector<AuditEntry>& entries);

// Runs the statement prepared from AuditInsertSql(1) as `statement`.
void AppendAuditRows(pqxx::transaction_base& tx, const std::string& statement,
                     const std::vector<AuditEntry>& entries);

}  // namespace screening
