#include "services/screeningd/public_local_methods.h"

#include "screening/v1/accounts.grpc.pb.h"
#include "screening/v1/admin.grpc.pb.h"
#include "screening/v1/notifications.grpc.pb.h"
#include "screening/v1/progress.grpc.pb.h"
#include "screening/v1/registry.grpc.pb.h"
#include "screening/v1/results.grpc.pb.h"
#include "screening/v1/scheduling.grpc.pb.h"
#include "services/progress/progress_service.h"

namespace screening {

// Names each method once: its generated member and its path agree.
#define SCREENING_LOCAL(Api, Name) methods->Add<Api>(impl, &Api::Service::Name, #Name)

std::unique_ptr<console::LocalMethods> PublicLocalMethods(
    CallGate& gate, const std::vector<grpc::Service*>& handlers) {
  auto methods = std::make_unique<console::LocalMethods>(gate);
  for (grpc::Service* handler : handlers) {
    if (auto* impl = dynamic_cast<v1::AccountService::Service*>(handler)) {
      SCREENING_LOCAL(v1::AccountService, CreateAccount);
      SCREENING_LOCAL(v1::AccountService, ListAccounts);
      SCREENING_LOCAL(v1::AccountService, UpdateAccount);
    }
    if (auto* impl = dynamic_cast<v1::AdminService::Service*>(handler)) {
      SCREENING_LOCAL(v1::AdminService, ListAuditEvents);
    }
    if (auto* impl = dynamic_cast<v1::NotificationService::Service*>(handler)) {
      SCREENING_LOCAL(v1::NotificationService, ListNotifications);
    }
    if (auto* progress = dynamic_cast<progress::ProgressServiceImpl*>(handler)) {
      methods->SetProgressWatch(progress);
    }
    if (auto* impl = dynamic_cast<v1::ProgressService::Service*>(handler)) {
      SCREENING_LOCAL(v1::ProgressService, GetProgress);
      SCREENING_LOCAL(v1::ProgressService, GetQuarterlyReport);
      SCREENING_LOCAL(v1::ProgressService, Recount);
      SCREENING_LOCAL(v1::ProgressService, SignOffQuarterlyReport);
    }
    if (auto* impl = dynamic_cast<v1::RegistryService::Service*>(handler)) {
      SCREENING_LOCAL(v1::RegistryService, CheckEligibility);
      SCREENING_LOCAL(v1::RegistryService, GetPregnancy);
      SCREENING_LOCAL(v1::RegistryService, GetResident);
      SCREENING_LOCAL(v1::RegistryService, ImportResidentRows);
      SCREENING_LOCAL(v1::RegistryService, ListPossibleDuplicates);
      SCREENING_LOCAL(v1::RegistryService, ListResidents);
      SCREENING_LOCAL(v1::RegistryService, LookupResident);
      SCREENING_LOCAL(v1::RegistryService, RegisterPregnancy);
      SCREENING_LOCAL(v1::RegistryService, RegisterResident);
      SCREENING_LOCAL(v1::RegistryService, UpdateResident);
    }
    if (auto* impl = dynamic_cast<v1::ResultsService::Service*>(handler)) {
      SCREENING_LOCAL(v1::ResultsService, AmendResult);
      SCREENING_LOCAL(v1::ResultsService, GetReferral);
      SCREENING_LOCAL(v1::ResultsService, GetResult);
      SCREENING_LOCAL(v1::ResultsService, ListMissingResults);
      SCREENING_LOCAL(v1::ResultsService, ListReferrals);
      SCREENING_LOCAL(v1::ResultsService, ListResults);
      SCREENING_LOCAL(v1::ResultsService, RecordFollowUp);
      SCREENING_LOCAL(v1::ResultsService, RecordResult);
    }
    if (auto* impl = dynamic_cast<v1::SchedulingService::Service*>(handler)) {
      SCREENING_LOCAL(v1::SchedulingService, AllocateTargets);
      SCREENING_LOCAL(v1::SchedulingService, CancelBooking);
      SCREENING_LOCAL(v1::SchedulingService, CheckIn);
      SCREENING_LOCAL(v1::SchedulingService, GenerateSlots);
      SCREENING_LOCAL(v1::SchedulingService, GetAllocationPlan);
      SCREENING_LOCAL(v1::SchedulingService, GetBooking);
      SCREENING_LOCAL(v1::SchedulingService, GetWaitlistEntry);
      SCREENING_LOCAL(v1::SchedulingService, JoinWaitlist);
      SCREENING_LOCAL(v1::SchedulingService, LeaveWaitlist);
      SCREENING_LOCAL(v1::SchedulingService, ListBookings);
      SCREENING_LOCAL(v1::SchedulingService, ListHospitals);
      SCREENING_LOCAL(v1::SchedulingService, ListResidentBookings);
      SCREENING_LOCAL(v1::SchedulingService, ListWaitlistEntries);
      SCREENING_LOCAL(v1::SchedulingService, MarkNoShow);
      SCREENING_LOCAL(v1::SchedulingService, RescheduleBooking);
      SCREENING_LOCAL(v1::SchedulingService, SearchSlots);
      SCREENING_LOCAL(v1::SchedulingService, SetCapacity);
      SCREENING_LOCAL(v1::SchedulingService, UpsertHospital);
    }
  }
  return methods;
}

#undef SCREENING_LOCAL

}  // namespace screening
