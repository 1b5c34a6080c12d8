// Who is calling, and what each RPC allows (docs/security.md "Callers and their
// rights"). The authorization table in caller.cc is the one place an RPC's
// roles are listed; an RPC without an entry is denied to everyone.
//
//   auto caller = ParseCallerName("hospital:HRB-DL-01");  // from a certificate CN or a token
//   RETURN_IF_ERROR(AuthorizeMethod(*caller, "screening.v1.ResultsService/RecordResult"));
//   RETURN_IF_ERROR(RequireHospital(*caller, "HRB-DL-01"));
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace screening {

enum class Role {
  kClinic,      // a community clinic, scoped to its district
  kHospital,    // a hospital system, scoped to its hospital
  kCommission,  // the health commission: aggregates, no personal data
  kAdmin,       // operators: hospitals, capacity, credentials, audit
  kService,     // another screening service calling through its stub
  kDeveloper,   // --insecure without credentials: local development only
};

struct Caller {
  Role role;
  std::string scope;    // clinic: a district; hospital: a hospital code; service: its name
  std::string subject;  // who: a token id, a certificate name, "in-process"

  // "clinic:230102", "hospital:HRB-DL-01", "commission", "admin", ...
  std::string Name() const;
};

absl::string_view RoleName(Role role);

// Parses "clinic:<district>", "hospital:<code>", "commission", "admin" or
// "service:<name>"; the scope is checked (a real district, a hospital code).
absl::StatusOr<Caller> ParseCallerName(absl::string_view name);

struct MethodPolicy {
  absl::string_view method;  // "screening.v1.RegistryService/RegisterResident"
  std::vector<Role> roles;   // who may call it at all (scope is checked with the data)
  bool personal_data;        // every call is written to the audit log
};

// The authorization table.
const std::vector<MethodPolicy>& MethodPolicies();
const MethodPolicy* FindMethodPolicy(absl::string_view method);

// PERMISSION_DENIED unless the caller's role may call `method`. A developer
// may call anything.
absl::Status AuthorizeMethod(const Caller& caller, absl::string_view method);

// Scope checks with the data in hand: PERMISSION_DENIED naming only the
// caller's own scope, never the other party's.
absl::Status RequireDistrict(const Caller& caller, absl::string_view district_code);
absl::Status RequireHospital(const Caller& caller, absl::string_view hospital_code);

}  // namespace screening
