#include "common/caller.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/str_cat.h"
#include "common/districts.h"
#include "common/errors.h"
#include "common/names.h"

namespace screening {
namespace {

constexpr Role kClinic = Role::kClinic, kHospital = Role::kHospital,
               kCommission = Role::kCommission, kAdmin = Role::kAdmin, kService = Role::kService;

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kClinic:
      return "clinic";
    case Role::kHospital:
      return "hospital";
    case Role::kCommission:
      return "commission";
    case Role::kAdmin:
      return "admin";
    case Role::kService:
      return "service";
    case Role::kDeveloper:
      return "developer";
  }
  return "unknown";
}

std::string Caller::Name() const {
  return scope.empty() ? std::string(RoleName(role)) : absl::StrCat(RoleName(role), ":", scope);
}

absl::StatusOr<Caller> ParseCallerName(absl::string_view name) {
  const size_t colon = name.find(':');
  const absl::string_view role = name.substr(0, colon);
  const absl::string_view scope =
      colon == absl::string_view::npos ? absl::string_view() : name.substr(colon + 1);
  if (role == "clinic") {
    if (FindDistrict(scope) == nullptr) {
      return absl::InvalidArgumentError("a clinic is scoped to one of Harbin's 18 district codes");
    }
    return Caller{Role::kClinic, std::string(scope), ""};
  }
  if (role == "hospital") {
    if (!IsHospitalCode(scope))
      return absl::InvalidArgumentError("a hospital is scoped to its code");
    return Caller{Role::kHospital, std::string(scope), ""};
  }
  if (role == "service") {
    if (scope.empty()) return absl::InvalidArgumentError("a service is named: service:<name>");
    return Caller{Role::kService, std::string(scope), ""};
  }
  if (!scope.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("role ", role, " takes no scope"));
  }
  if (role == "commission") return Caller{Role::kCommission, "", ""};
  if (role == "admin") return Caller{Role::kAdmin, "", ""};
  return absl::InvalidArgumentError(
      "caller must be clinic:<district>, hospital:<code>, commission, admin or service:<name>");
}

const std::vector<MethodPolicy>& MethodPolicies() {
  static const std::vector<MethodPolicy> kPolicies = {
      {"screening.v1.RegistryService/RegisterResident", {kClinic}, true},
      {"screening.v1.RegistryService/GetResident", {kClinic, kCommission, kService}, true},
      {"screening.v1.RegistryService/LookupResident", {kClinic}, true},
      {"screening.v1.RegistryService/UpdateResident", {kClinic}, true},
      {"screening.v1.RegistryService/ListResidents", {kClinic}, true},
      {"screening.v1.RegistryService/ListPossibleDuplicates", {kClinic}, true},
      {"screening.v1.RegistryService/ImportResidents", {kClinic}, true},
      {"screening.v1.RegistryService/ImportResidentRows", {kClinic}, true},
      {"screening.v1.RegistryService/RegisterPregnancy", {kClinic}, true},
      {"screening.v1.RegistryService/GetPregnancy", {kClinic, kService}, true},
      {"screening.v1.RegistryService/CheckEligibility", {kClinic, kService}, true},
      {"screening.v1.SchedulingService/UpsertHospital", {kAdmin}, false},
      {"screening.v1.SchedulingService/SetCapacity", {kAdmin}, false},
      {"screening.v1.SchedulingService/SearchSlots",
       {kClinic, kHospital, kCommission, kAdmin},
       false},
      {"screening.v1.SchedulingService/ListHospitals",
       {kClinic, kHospital, kCommission, kAdmin, kService},
       false},
      {"screening.v1.SchedulingService/GenerateSlots", {kAdmin}, false},
      {"screening.v1.SchedulingService/AllocateTargets", {kCommission, kAdmin}, false},
      {"screening.v1.SchedulingService/GetAllocationPlan", {kCommission, kAdmin, kService}, false},
      {"screening.v1.SchedulingService/BookScreening", {kClinic}, true},
      {"screening.v1.SchedulingService/GetBooking", {kClinic, kHospital, kService}, true},
      {"screening.v1.SchedulingService/CancelBooking", {kClinic}, true},
      {"screening.v1.SchedulingService/RescheduleBooking", {kClinic}, true},
      {"screening.v1.SchedulingService/JoinWaitlist", {kClinic}, true},
      {"screening.v1.SchedulingService/LeaveWaitlist", {kClinic}, true},
      {"screening.v1.SchedulingService/GetWaitlistEntry", {kClinic}, true},
      {"screening.v1.SchedulingService/ListBookings", {kHospital, kService}, true},
      {"screening.v1.SchedulingService/ListResidentBookings", {kClinic}, true},
      {"screening.v1.SchedulingService/ListWaitlistEntries", {kClinic}, true},
      {"screening.v1.SchedulingService/CheckIn", {kHospital}, true},
      {"screening.v1.SchedulingService/MarkNoShow", {kHospital}, true},
      {"screening.v1.ResultsService/RecordResult", {kHospital}, true},
      {"screening.v1.ResultsService/RecordResults", {kHospital}, true},
      {"screening.v1.ResultsService/AmendResult", {kHospital}, true},
      {"screening.v1.ResultsService/GetResult", {kHospital, kClinic}, true},
      {"screening.v1.ResultsService/ListResults", {kHospital, kClinic}, true},
      {"screening.v1.ResultsService/GetReferral", {kHospital}, true},
      {"screening.v1.ResultsService/ListReferrals", {kHospital}, true},
      {"screening.v1.ResultsService/RecordFollowUp", {kHospital}, true},
      {"screening.v1.ResultsService/ListMissingResults", {kHospital}, true},
      {"screening.v1.ProgressService/Recount", {kAdmin}, false},
      {"screening.v1.ProgressService/GetProgress", {kCommission, kAdmin}, false},
      {"screening.v1.ProgressService/WatchProgress", {kCommission, kAdmin}, false},
      {"screening.v1.ProgressService/GetQuarterlyReport", {kCommission, kAdmin}, false},
      {"screening.v1.ProgressService/SignOffQuarterlyReport", {kCommission}, false},
      {"screening.v1.AdminService/ListAuditEvents", {kAdmin}, false},
      {"screening.v1.AccountService/CreateAccount", {kAdmin}, true},
      {"screening.v1.AccountService/ListAccounts", {kAdmin}, true},
      {"screening.v1.AccountService/UpdateAccount", {kAdmin}, true},
      {"screening.v1.NotificationService/ListNotifications", {kClinic, kAdmin}, true},
      // screening.internal.v1: for other services only.
      {"screening.internal.v1.RegistryInternalService/BatchCheckEligibility", {kService}, true},
      {"screening.internal.v1.RegistryInternalService/GetContacts", {kService}, true},
      {"screening.internal.v1.RegistryInternalService/BatchGetResidents", {kService}, true},
      {"screening.internal.v1.SchedulingInternalService/BatchGetBookings", {kService}, true},
      {"screening.internal.v1.SchedulingInternalService/ListBookingEvents", {kService}, false},
      {"screening.internal.v1.SchedulingInternalService/CountBookings", {kService}, false},
      {"screening.internal.v1.ResultsInternalService/ListOutboxEvents", {kService}, false},
      {"screening.internal.v1.ResultsInternalService/CountResults", {kService}, false},
  };
  return kPolicies;
}

const MethodPolicy* FindMethodPolicy(absl::string_view method) {
  for (const MethodPolicy& policy : MethodPolicies()) {
    if (policy.method == method) return &policy;
  }
  return nullptr;
}

absl::Status AuthorizeMethod(const Caller& caller, absl::string_view method) {
  const MethodPolicy* policy = FindMethodPolicy(method);
  if (policy == nullptr) {
    return WithReason(absl::PermissionDeniedError(absl::StrCat(method, " has no access rule")),
                      "NO_ACCESS_RULE");
  }
  if (caller.role == Role::kDeveloper ||
      std::find(policy->roles.begin(), policy->roles.end(), caller.role) != policy->roles.end()) {
    return absl::OkStatus();
  }
  return WithReason(absl::PermissionDeniedError(
                        absl::StrCat("the ", RoleName(caller.role), " role may not call ", method)),
                    "ROLE_NOT_ALLOWED");
}

absl::Status RequireDistrict(const Caller& caller, absl::string_view district_code) {
  if (caller.role != Role::kClinic || caller.scope == district_code) return absl::OkStatus();
  return WithReason(absl::PermissionDeniedError(absl::StrCat(
                        "clinic:", caller.scope, " may act only for residents of its district")),
                    "OUT_OF_SCOPE");
}

absl::Status RequireHospital(const Caller& caller, absl::string_view hospital_code) {
  if (caller.role != Role::kHospital || caller.scope == hospital_code) return absl::OkStatus();
  return WithReason(
      absl::PermissionDeniedError(
          absl::StrCat("hospital:", caller.scope, " may act only on its own bookings and results")),
      "OUT_OF_SCOPE");
}

}  // namespace screening
