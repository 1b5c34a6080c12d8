#include "common/caller.h"

#include <gtest/gtest.h>

#include <google/protobuf/descriptor.h>
#include "screening/internal/v1/registry.pb.h"
#include "screening/internal/v1/results.pb.h"
#include "screening/internal/v1/scheduling.pb.h"
#include "screening/v1/accounts.pb.h"
#include "screening/v1/admin.pb.h"
#include "screening/v1/notifications.pb.h"
#include "screening/v1/progress.pb.h"
#include "screening/v1/registry.pb.h"
#include "screening/v1/results.pb.h"
#include "screening/v1/scheduling.pb.h"

namespace screening {
namespace {

TEST(ParseCallerName, AcceptsEachRoleWithItsScope) {
  auto clinic = ParseCallerName("clinic:230102");
  ASSERT_TRUE(clinic.ok());
  EXPECT_EQ(clinic->role, Role::kClinic);
  EXPECT_EQ(clinic->scope, "230102");
  EXPECT_EQ(clinic->Name(), "clinic:230102");
  EXPECT_EQ(ParseCallerName("hospital:HRB-DL-01")->scope, "HRB-DL-01");
  EXPECT_EQ(ParseCallerName("commission")->role, Role::kCommission);
  EXPECT_EQ(ParseCallerName("admin")->role, Role::kAdmin);
  EXPECT_EQ(ParseCallerName("service:scheduling")->role, Role::kService);
}

TEST(ParseCallerName, RejectsBadScopes) {
  for (const char* bad : {"", "clinic", "clinic:110105", "hospital:", "hospital:a b",
                          "commission:x", "admin:root", "service", "developer", "root"}) {
    EXPECT_FALSE(ParseCallerName(bad).ok()) << bad;
  }
}

// Every RPC of every screening.v1 service has a rule: a new RPC without one
// would be denied to everyone, and this test says so first.
TEST(MethodPolicies, CoverEveryRpc) {
  // A message of each API file pulls its descriptors (services included) in.
  int rpcs = 0;
  for (const auto* file : {v1::Resident::descriptor()->file(), v1::Slot::descriptor()->file(),
                           v1::Result::descriptor()->file(), v1::Progress::descriptor()->file(),
                           v1::AuditEvent::descriptor()->file(), v1::Account::descriptor()->file(),
                           v1::Notification::descriptor()->file(),
                           internal::v1::BatchCheckEligibilityRequest::descriptor()->file(),
                           internal::v1::BookingCounts::descriptor()->file(),
                           internal::v1::ResultCounts::descriptor()->file()}) {
    ASSERT_EQ(file->service_count(), 1) << file->name();
    const auto* service = file->service(0);
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string method = service->full_name() + "/" + service->method(i)->name();
      EXPECT_NE(FindMethodPolicy(method), nullptr) << method << " has no access rule";
      ++rpcs;
    }
  }
  EXPECT_EQ(rpcs, static_cast<int>(MethodPolicies().size()));
}

TEST(AuthorizeMethod, FollowsTheTable) {
  const Caller clinic{Role::kClinic, "230102", "t"};
  const Caller commission{Role::kCommission, "", "t"};
  EXPECT_TRUE(AuthorizeMethod(clinic, "screening.v1.SchedulingService/BookScreening").ok());
  EXPECT_EQ(AuthorizeMethod(commission, "screening.v1.SchedulingService/BookScreening").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(AuthorizeMethod(clinic, "screening.v1.Unknown/Method").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(
      AuthorizeMethod({Role::kDeveloper, "", ""}, "screening.v1.AdminService/ListAuditEvents")
          .ok());
}

TEST(RequireScope, ChecksOnlyTheScopedRoles) {
  const Caller clinic{Role::kClinic, "230102", "t"};
  EXPECT_TRUE(RequireDistrict(clinic, "230102").ok());
  absl::Status other = RequireDistrict(clinic, "230103");
  EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(other.message().find("230103"), absl::string_view::npos) << "names the other district";
  const Caller hospital{Role::kHospital, "H1", "t"};
  EXPECT_TRUE(RequireHospital(hospital, "H1").ok());
  EXPECT_EQ(RequireHospital(hospital, "H2").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(RequireHospital(clinic, "H2").ok());
}

}  // namespace
}  // namespace screening
