// Who may call what, over TLS with real tokens and certificates: every RPC ×
// every role, token expiry, revocation and tampering, scopes that never leak
// another party's data, mutual TLS, and the abuse limits.
#include <functional>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/names.h"
#include "screening/internal/v1/registry.grpc.pb.h"
#include "screening/internal/v1/results.grpc.pb.h"
#include "screening/internal/v1/scheduling.grpc.pb.h"
#include "screening/v1/accounts.grpc.pb.h"
#include "screening/v1/admin.grpc.pb.h"
#include "screening/v1/notifications.grpc.pb.h"
#include "tests/support/secure_fixture.h"
#include "tests/support/slice_fixture.h"

namespace screening::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using Call = std::function<grpc::Status(std::shared_ptr<grpc::Channel>, grpc::ClientContext*)>;

#define SCREENING_RPC(Service, Method, Request, Response)                                     \
  std::make_pair(std::string("screening.v1." #Service "/" #Method),                           \
                 Call([](std::shared_ptr<grpc::Channel> channel, grpc::ClientContext* c) {    \
                   v1::Response response;                                                     \
                   return v1::Service::NewStub(channel)->Method(c, v1::Request(), &response); \
                 }))
#define SCREENING_INTERNAL_RPC(Service, Method, Request, Response)                         \
  std::make_pair(std::string("screening.internal.v1." #Service "/" #Method),               \
                 Call([](std::shared_ptr<grpc::Channel> channel, grpc::ClientContext* c) { \
                   internal::v1::Response response;                                        \
                   return internal::v1::Service::NewStub(channel)->Method(                 \
                       c, internal::v1::Request(), &response);                             \
                 }))

// Every RPC, called with an empty request: an allowed caller gets past the
// gate (and then, mostly, INVALID_ARGUMENT); a refused one gets PERMISSION_DENIED.
const std::vector<std::pair<std::string, Call>>& EveryRpc() {
  static const auto* kRpcs = new std::vector<std::pair<std::string, Call>>{
      SCREENING_RPC(RegistryService, RegisterResident, RegisterResidentRequest, Resident),
      SCREENING_RPC(RegistryService, GetResident, GetResidentRequest, Resident),
      SCREENING_RPC(RegistryService, LookupResident, LookupResidentRequest, Resident),
      SCREENING_RPC(RegistryService, UpdateResident, UpdateResidentRequest, Resident),
      SCREENING_RPC(RegistryService, ListResidents, ListResidentsRequest, ListResidentsResponse),
      SCREENING_RPC(RegistryService, ListPossibleDuplicates, ListPossibleDuplicatesRequest,
                    ListPossibleDuplicatesResponse),
      std::make_pair(std::string("screening.v1.RegistryService/ImportResidents"),
                     Call([](std::shared_ptr<grpc::Channel> channel, grpc::ClientContext* c) {
                       auto stream = v1::RegistryService::NewStub(channel)->ImportResidents(c);
                       stream->WritesDone();
                       v1::ImportResidentsResponse response;
                       while (stream->Read(&response)) {
                       }
                       return stream->Finish();
                     })),
      SCREENING_RPC(RegistryService, ImportResidentRows, ImportResidentRowsRequest,
                    ImportResidentRowsResponse),
      SCREENING_RPC(RegistryService, RegisterPregnancy, RegisterPregnancyRequest, Pregnancy),
      SCREENING_RPC(RegistryService, GetPregnancy, GetPregnancyRequest, Pregnancy),
      SCREENING_RPC(RegistryService, CheckEligibility, CheckEligibilityRequest,
                    CheckEligibilityResponse),
      SCREENING_RPC(SchedulingService, UpsertHospital, UpsertHospitalRequest, Hospital),
      SCREENING_RPC(SchedulingService, SetCapacity, SetCapacityRequest, Slot),
      SCREENING_RPC(SchedulingService, SearchSlots, SearchSlotsRequest, SearchSlotsResponse),
      SCREENING_RPC(SchedulingService, BookScreening, BookScreeningRequest, Booking),
      SCREENING_RPC(SchedulingService, GetBooking, GetBookingRequest, Booking),
      SCREENING_RPC(SchedulingService, ListHospitals, ListHospitalsRequest, ListHospitalsResponse),
      SCREENING_RPC(SchedulingService, GenerateSlots, GenerateSlotsRequest, GenerateSlotsResponse),
      SCREENING_RPC(SchedulingService, AllocateTargets, AllocateTargetsRequest, AllocationPlan),
      SCREENING_RPC(SchedulingService, GetAllocationPlan, GetAllocationPlanRequest, AllocationPlan),
      SCREENING_RPC(SchedulingService, CancelBooking, CancelBookingRequest, Booking),
      SCREENING_RPC(SchedulingService, RescheduleBooking, RescheduleBookingRequest, Booking),
      SCREENING_RPC(SchedulingService, JoinWaitlist, JoinWaitlistRequest, WaitlistEntry),
      SCREENING_RPC(SchedulingService, LeaveWaitlist, LeaveWaitlistRequest, WaitlistEntry),
      SCREENING_RPC(SchedulingService, GetWaitlistEntry, GetWaitlistEntryRequest, WaitlistEntry),
      SCREENING_RPC(SchedulingService, ListBookings, ListBookingsRequest, ListBookingsResponse),
      SCREENING_RPC(SchedulingService, ListResidentBookings, ListResidentBookingsRequest,
                    ListResidentBookingsResponse),
      SCREENING_RPC(SchedulingService, ListWaitlistEntries, ListWaitlistEntriesRequest,
                    ListWaitlistEntriesResponse),
      SCREENING_RPC(SchedulingService, CheckIn, CheckInRequest, Booking),
      SCREENING_RPC(SchedulingService, MarkNoShow, MarkNoShowRequest, Booking),
      SCREENING_RPC(ResultsService, RecordResult, RecordResultRequest, Result),
      std::make_pair(std::string("screening.v1.ResultsService/RecordResults"),
                     Call([](std::shared_ptr<grpc::Channel> channel, grpc::ClientContext* c) {
                       auto stream = v1::ResultsService::NewStub(channel)->RecordResults(c);
                       stream->WritesDone();
                       v1::RecordResultOutcome outcome;
                       while (stream->Read(&outcome)) {
                       }
                       return stream->Finish();
                     })),
      SCREENING_RPC(ResultsService, AmendResult, AmendResultRequest, Result),
      SCREENING_RPC(ResultsService, GetResult, GetResultRequest, Result),
      SCREENING_RPC(ResultsService, ListResults, ListResultsRequest, ListResultsResponse),
      SCREENING_RPC(ResultsService, GetReferral, GetReferralRequest, Referral),
      SCREENING_RPC(ResultsService, ListReferrals, ListReferralsRequest, ListReferralsResponse),
      SCREENING_RPC(ResultsService, RecordFollowUp, RecordFollowUpRequest, Referral),
      SCREENING_RPC(ResultsService, ListMissingResults, ListMissingResultsRequest,
                    ListMissingResultsResponse),
      SCREENING_RPC(ProgressService, GetProgress, GetProgressRequest, Progress),
      SCREENING_RPC(ProgressService, Recount, RecountRequest, RecountResponse),
      std::make_pair(std::string("screening.v1.ProgressService/WatchProgress"),
                     Call([](std::shared_ptr<grpc::Channel> channel, grpc::ClientContext* c) {
                       // The first message, then hang up: the watch never ends by itself.
                       auto stream = v1::ProgressService::NewStub(channel)->WatchProgress(c, {});
                       v1::ProgressUpdate update;
                       if (stream->Read(&update)) c->TryCancel();
                       grpc::Status status = stream->Finish();
                       return status.error_code() == grpc::StatusCode::CANCELLED ? grpc::Status::OK
                                                                                 : status;
                     })),
      SCREENING_RPC(ProgressService, GetQuarterlyReport, GetQuarterlyReportRequest,
                    QuarterlyReport),
      SCREENING_RPC(ProgressService, SignOffQuarterlyReport, SignOffQuarterlyReportRequest,
                    QuarterlyReport),
      SCREENING_RPC(AdminService, ListAuditEvents, ListAuditEventsRequest, ListAuditEventsResponse),
      SCREENING_RPC(AccountService, CreateAccount, CreateAccountRequest, Account),
      SCREENING_RPC(AccountService, ListAccounts, ListAccountsRequest, ListAccountsResponse),
      SCREENING_RPC(AccountService, UpdateAccount, UpdateAccountRequest, Account),
      SCREENING_RPC(NotificationService, ListNotifications, ListNotificationsRequest,
                    ListNotificationsResponse),
      SCREENING_INTERNAL_RPC(RegistryInternalService, BatchCheckEligibility,
                             BatchCheckEligibilityRequest, BatchCheckEligibilityResponse),
      SCREENING_INTERNAL_RPC(RegistryInternalService, GetContacts, GetContactsRequest,
                             GetContactsResponse),
      SCREENING_INTERNAL_RPC(RegistryInternalService, BatchGetResidents, BatchGetResidentsRequest,
                             BatchGetResidentsResponse),
      SCREENING_INTERNAL_RPC(SchedulingInternalService, BatchGetBookings, BatchGetBookingsRequest,
                             BatchGetBookingsResponse),
      SCREENING_INTERNAL_RPC(SchedulingInternalService, ListBookingEvents, ListBookingEventsRequest,
                             ListBookingEventsResponse),
      SCREENING_INTERNAL_RPC(SchedulingInternalService, CountBookings, CountBookingsRequest,
                             BookingCounts),
      SCREENING_INTERNAL_RPC(ResultsInternalService, ListOutboxEvents, ListOutboxEventsRequest,
                             ListOutboxEventsResponse),
      SCREENING_INTERNAL_RPC(ResultsInternalService, CountResults, CountResultsRequest,
                             ResultCounts),
  };
  return *kRpcs;
}

// The rights of docs/security.md "Callers and their rights", written out again here
// (not read from the table under test).
const std::map<std::string, std::set<std::string>>& Allowed() {
  static const auto* kAllowed = new std::map<std::string, std::set<std::string>>{
      {"screening.v1.RegistryService/RegisterResident", {"clinic"}},
      {"screening.v1.RegistryService/GetResident", {"clinic", "commission", "service"}},
      {"screening.v1.RegistryService/LookupResident", {"clinic"}},
      {"screening.v1.RegistryService/UpdateResident", {"clinic"}},
      {"screening.v1.RegistryService/ListResidents", {"clinic"}},
      {"screening.v1.RegistryService/ListPossibleDuplicates", {"clinic"}},
      {"screening.v1.RegistryService/ImportResidents", {"clinic"}},
      {"screening.v1.RegistryService/ImportResidentRows", {"clinic"}},
      {"screening.v1.RegistryService/RegisterPregnancy", {"clinic"}},
      {"screening.v1.RegistryService/GetPregnancy", {"clinic", "service"}},
      {"screening.v1.RegistryService/CheckEligibility", {"clinic", "service"}},
      {"screening.v1.SchedulingService/UpsertHospital", {"admin"}},
      {"screening.v1.SchedulingService/SetCapacity", {"admin"}},
      {"screening.v1.SchedulingService/SearchSlots", {"clinic", "hospital", "commission", "admin"}},
      {"screening.v1.SchedulingService/BookScreening", {"clinic"}},
      {"screening.v1.SchedulingService/GetBooking", {"clinic", "hospital", "service"}},
      {"screening.v1.SchedulingService/ListHospitals",
       {"clinic", "hospital", "commission", "admin", "service"}},
      {"screening.v1.SchedulingService/GenerateSlots", {"admin"}},
      {"screening.v1.SchedulingService/AllocateTargets", {"commission", "admin"}},
      {"screening.v1.SchedulingService/GetAllocationPlan", {"commission", "admin", "service"}},
      {"screening.v1.SchedulingService/CancelBooking", {"clinic"}},
      {"screening.v1.SchedulingService/RescheduleBooking", {"clinic"}},
      {"screening.v1.SchedulingService/JoinWaitlist", {"clinic"}},
      {"screening.v1.SchedulingService/LeaveWaitlist", {"clinic"}},
      {"screening.v1.SchedulingService/GetWaitlistEntry", {"clinic"}},
      {"screening.v1.SchedulingService/ListBookings", {"hospital", "service"}},
      {"screening.v1.SchedulingService/ListResidentBookings", {"clinic"}},
      {"screening.v1.SchedulingService/ListWaitlistEntries", {"clinic"}},
      {"screening.v1.SchedulingService/CheckIn", {"hospital"}},
      {"screening.v1.SchedulingService/MarkNoShow", {"hospital"}},
      {"screening.v1.ResultsService/RecordResult", {"hospital"}},
      {"screening.v1.ResultsService/RecordResults", {"hospital"}},
      {"screening.v1.ResultsService/AmendResult", {"hospital"}},
      {"screening.v1.ResultsService/GetResult", {"clinic", "hospital"}},
      {"screening.v1.ResultsService/ListResults", {"clinic", "hospital"}},
      {"screening.v1.ResultsService/GetReferral", {"hospital"}},
      {"screening.v1.ResultsService/ListReferrals", {"hospital"}},
      {"screening.v1.ResultsService/RecordFollowUp", {"hospital"}},
      {"screening.v1.ResultsService/ListMissingResults", {"hospital"}},
      {"screening.v1.ProgressService/Recount", {"admin"}},
      {"screening.v1.ProgressService/GetProgress", {"commission", "admin"}},
      {"screening.v1.ProgressService/WatchProgress", {"commission", "admin"}},
      {"screening.v1.ProgressService/GetQuarterlyReport", {"commission", "admin"}},
      {"screening.v1.ProgressService/SignOffQuarterlyReport", {"commission"}},
      {"screening.v1.AdminService/ListAuditEvents", {"admin"}},
      {"screening.v1.NotificationService/ListNotifications", {"clinic", "admin"}},
      {"screening.v1.AccountService/CreateAccount", {"admin"}},
      {"screening.v1.AccountService/ListAccounts", {"admin"}},
      {"screening.v1.AccountService/UpdateAccount", {"admin"}},
      // For other services only (screening.internal.v1).
      {"screening.internal.v1.RegistryInternalService/BatchCheckEligibility", {"service"}},
      {"screening.internal.v1.RegistryInternalService/GetContacts", {"service"}},
      {"screening.internal.v1.RegistryInternalService/BatchGetResidents", {"service"}},
      {"screening.internal.v1.SchedulingInternalService/BatchGetBookings", {"service"}},
      {"screening.internal.v1.SchedulingInternalService/ListBookingEvents", {"service"}},
      {"screening.internal.v1.SchedulingInternalService/CountBookings", {"service"}},
      {"screening.internal.v1.ResultsInternalService/ListOutboxEvents", {"service"}},
      {"screening.internal.v1.ResultsInternalService/CountResults", {"service"}},
  };
  return *kAllowed;
}

class AccessControl : public SecureTest {};

// The lists above name every method of every service screeningd serves.
TEST(AccessControlLists, NameEveryServedMethod) {
  std::set<std::string> served;
  for (const std::string& service : ScreeningServices()) {
    const auto* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
    ASSERT_NE(descriptor, nullptr) << service;
    for (int i = 0; i < descriptor->method_count(); ++i) {
      served.insert(absl::StrCat(service, "/", descriptor->method(i)->name()));
    }
  }
  std::set<std::string> listed;
  for (const auto& [method, call] : EveryRpc()) listed.insert(method);
  EXPECT_EQ(listed, served);
  std::set<std::string> allowed;
  for (const auto& [method, roles] : Allowed()) allowed.insert(method);
  EXPECT_EQ(allowed, served);
}

TEST_F(AccessControl, EveryRpcTimesEveryRole) {
  const std::map<std::string, std::string> callers = {{"clinic", "clinic:230102"},
                                                      {"hospital", "hospital:MX-H1"},
                                                      {"commission", "commission"},
                                                      {"admin", "admin"},
                                                      {"service", "service:scheduling"}};
  ASSERT_EQ(EveryRpc().size(), Allowed().size());
  for (const auto& [method, call] : EveryRpc()) {
    ASSERT_TRUE(Allowed().count(method)) << method;
    for (const auto& [role, caller] : callers) {
      grpc::Status status = call(server_->channel(), As(caller).get());
      if (Allowed().at(method).count(role)) {
        EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << role << " on " << method << ": " << status.error_message();
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << role << " " << method;
      } else {
        EXPECT_THAT(status, GrpcIs(grpc::StatusCode::PERMISSION_DENIED))
            << role << " on " << method;
      }
    }
    // No credentials at all.
    EXPECT_THAT(call(server_->channel(), As("").get()), GrpcIs(grpc::StatusCode::UNAUTHENTICATED))
        << method;
  }
}

TEST_F(AccessControl, ExpiredRevokedTamperedAndForeignTokensAreRefused) {
  auto call = [](const std::string& token) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    v1::SearchSlotsResponse response;
    return server_->scheduling().SearchSlots(&context, {}, &response);
  };
  auto clinic = *ParseCallerName("clinic:230104");
  auto short_lived = tokens_->IssueToken(clinic, absl::Hours(1), "expires");
  ASSERT_TRUE(short_lived.ok());
  EXPECT_TRUE(call(short_lived->token).ok());
  clock_->Set(DefaultTestNow() + absl::Minutes(59));
  EXPECT_TRUE(call(short_lived->token).ok()) << "expired early";
  clock_->Set(DefaultTestNow() + absl::Minutes(61));
  grpc::Status expired = call(short_lived->token);
  clock_->Set(DefaultTestNow());
  EXPECT_THAT(expired, GrpcIs(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_THAT(expired.error_message(), HasSubstr("expired"));
  EXPECT_EQ(ErrorReason(expired), "TOKEN_EXPIRED");

  auto revoked = tokens_->IssueToken(clinic, absl::Hours(1), "revoked");
  ASSERT_TRUE(call(revoked->token).ok());
  ASSERT_TRUE(tokens_->RevokeToken(revoked->id).ok());
  EXPECT_THAT(call(revoked->token), GrpcIs(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_EQ(ErrorReason(call(revoked->token)), "TOKEN_REVOKED");
  EXPECT_THAT(tokens_->RevokeToken("0000000000000000"), StatusIs(absl::StatusCode::kNotFound));

  std::string tampered = Token("clinic:230104");
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  EXPECT_THAT(call(tampered), GrpcIs(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_EQ(ErrorReason(call(tampered)), "TOKEN_UNKNOWN");
  for (const std::string& junk :
       std::vector<std::string>{"", "garbage", "sct_zz_zz", std::string(5000, 'a')}) {
    EXPECT_THAT(call(junk), GrpcIs(grpc::StatusCode::UNAUTHENTICATED)) << junk.substr(0, 20);
    EXPECT_EQ(ErrorReason(call(junk)), "TOKEN_MALFORMED") << junk.substr(0, 20);
  }
  grpc::ClientContext basic;
  basic.AddMetadata("authorization", "Basic dXNlcjpwYXNz");
  v1::SearchSlotsResponse response;
  const grpc::Status not_bearer = server_->scheduling().SearchSlots(&basic, {}, &response);
  EXPECT_THAT(not_bearer, GrpcIs(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_EQ(ErrorReason(not_bearer), "AUTHORIZATION_MALFORMED");
}

TEST_F(AccessControl, TheRateIsPerCallerNotPerToken) {
  // A second server on the suite's database with a burst of 3 (the clock
  // stands still: no refill): two tokens of one clinic share its rate.
  AppConfig config;
  config.tls_cert_pem = certs_->server().cert_pem;
  config.tls_key_pem = certs_->server().key_pem;
  config.tls_client_ca_pem = certs_->ca_pem();
  config.rate_limit_per_second = 1;
  config.rate_limit_burst = 3;
  auto limited = TestServer::Start(db_->url(), clock_, config, certs_->Credentials());
  ASSERT_TRUE(limited.ok()) << limited.status();
  auto call = [&](const std::string& token) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    v1::SearchSlotsResponse response;
    return (*limited)->scheduling().SearchSlots(&context, {}, &response);
  };
  auto clinic = *ParseCallerName("clinic:230129");
  auto first = tokens_->IssueToken(clinic, absl::Hours(1), "first");
  auto second = tokens_->IssueToken(clinic, absl::Hours(1), "second");
  ASSERT_TRUE(first.ok() && second.ok());
  int allowed = 0;
  for (int i = 0; i < 6; ++i) allowed += call(i % 2 ? first->token : second->token).ok();
  EXPECT_EQ(allowed, 3) << "one bucket for both tokens";
  EXPECT_EQ(ErrorReason(call(second->token)), "RATE_LIMITED");
  EXPECT_TRUE(call(Token("clinic:230128")).ok()) << "another caller has its own";
}

TEST_F(AccessControl, ScopesHoldAndRefusalsLeakNothing) {
  // Set-up as an admin and a Daoli clinic.
  {
    v1::UpsertHospitalRequest h;
    h.mutable_hospital()->set_code("MX-H1");
    h.mutable_hospital()->set_display_name("一院");
    h.mutable_hospital()->add_screenings(v1::SCREENING_TYPE_FOUR_HIGHS);
    h.mutable_hospital()->set_district_code("230102");
    v1::Hospital out;
    ASSERT_TRUE(server_->scheduling().UpsertHospital(As("admin").get(), h, &out).ok());
  }
  v1::SetCapacityRequest capacity;
  capacity.set_hospital("hospitals/MX-H1");
  capacity.set_date("2025-03-10");
  capacity.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
  capacity.set_capacity(5);
  v1::Slot slot;
  ASSERT_TRUE(server_->scheduling().SetCapacity(As("admin").get(), capacity, &slot).ok());
  const std::string id_number = MakeIdNumber("230102", absl::CivilDay(1966, 3, 3), 3, true);
  v1::RegisterResidentRequest reg;
  reg.mutable_resident()->set_id_number(id_number);
  reg.mutable_resident()->set_full_name("赵六");
  reg.mutable_resident()->set_phone("13811112222");
  reg.mutable_resident()->set_district_code("230102");
  reg.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
  // Only a Daoli clinic registers a Daoli resident.
  v1::Resident resident;
  EXPECT_THAT(server_->registry().RegisterResident(As("clinic:230103").get(), reg, &resident),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  ASSERT_TRUE(server_->registry().RegisterResident(As("clinic:230102").get(), reg, &resident).ok());
  EXPECT_EQ(resident.id_number(), id_number);
  v1::BookScreeningRequest book;
  book.set_resident(resident.name());
  book.add_slots(slot.name());
  book.set_request_id("scope-book");
  v1::Booking booking;
  grpc::Status other_clinic =
      server_->scheduling().BookScreening(As("clinic:230103").get(), book, &booking);
  EXPECT_THAT(other_clinic, GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(other_clinic.error_message(), Not(HasSubstr("230102")));
  ASSERT_TRUE(server_->scheduling().BookScreening(As("clinic:230102").get(), book, &booking).ok());

  // Another clinic can neither read nor find the resident.
  v1::GetResidentRequest get;
  get.set_name(resident.name());
  v1::Resident seen;
  grpc::Status read = server_->registry().GetResident(As("clinic:230103").get(), get, &seen);
  EXPECT_THAT(read, GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(read.error_message(), Not(HasSubstr("赵六")));
  v1::LookupResidentRequest lookup;
  lookup.set_id_number(id_number);
  EXPECT_THAT(server_->registry().LookupResident(As("clinic:230103").get(), lookup, &seen),
              GrpcIs(grpc::StatusCode::NOT_FOUND));

  v1::UpdateResidentRequest update;
  update.mutable_resident()->set_name(resident.name());
  update.mutable_resident()->set_phone("13900000001");
  update.mutable_update_mask()->add_paths("phone");
  EXPECT_THAT(server_->registry().UpdateResident(As("clinic:230103").get(), update, &seen),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  v1::ListResidentsRequest list;
  list.set_district_code("230102");
  v1::ListResidentsResponse listed;
  EXPECT_THAT(server_->registry().ListResidents(As("clinic:230103").get(), list, &listed),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  ASSERT_TRUE(server_->registry().ListResidents(As("clinic:230102").get(), list, &listed).ok());
  EXPECT_EQ(listed.residents_size(), 1);

  // Nor list her bookings or the district's waitlist; her own clinic does,
  // with the code to give her again.
  v1::ListResidentBookingsRequest her_bookings;
  her_bookings.set_resident(resident.name());
  v1::ListResidentBookingsResponse bookings_seen;
  EXPECT_THAT(server_->scheduling().ListResidentBookings(As("clinic:230103").get(), her_bookings,
                                                         &bookings_seen),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  ASSERT_TRUE(server_->scheduling()
                  .ListResidentBookings(As("clinic:230102").get(), her_bookings, &bookings_seen)
                  .ok());
  ASSERT_EQ(bookings_seen.bookings_size(), 1);
  EXPECT_EQ(bookings_seen.bookings(0).verification_code(), booking.verification_code());
  v1::ListWaitlistEntriesRequest waitlist;
  waitlist.set_district_code("230102");
  v1::ListWaitlistEntriesResponse entries;
  EXPECT_THAT(
      server_->scheduling().ListWaitlistEntries(As("clinic:230103").get(), waitlist, &entries),
      GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_TRUE(server_->scheduling()
                  .ListWaitlistEntries(As("clinic:230102").get(), waitlist, &entries)
                  .ok());

  // Another hospital: refused, and told nothing about the booking.
  v1::GetBookingRequest get_booking;
  get_booking.set_name(booking.name());
  v1::Booking other;
  grpc::Status peek =
      server_->scheduling().GetBooking(As("hospital:MX-H2").get(), get_booking, &other);
  EXPECT_THAT(peek, GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  for (const std::string& secret : {std::string("MX-H1"), resident.name(), std::string("230102")}) {
    EXPECT_THAT(peek.error_message(), Not(HasSubstr(secret)));
  }
  EXPECT_TRUE(
      server_->scheduling().GetBooking(As("hospital:MX-H1").get(), get_booking, &other).ok());
  EXPECT_EQ(other.verification_code(), "") << "a hospital is shown the code, never given it";
  ASSERT_EQ(booking.verification_code().size(), 6u) << "the clinic that booked gets it";
  // Of the services, only the notifier (which texts it to the resident) reads it.
  for (const auto& [service, code] : std::vector<std::pair<std::string, std::string>>{
           {"service:results", ""}, {"service:notify", booking.verification_code()}}) {
    internal::v1::BatchGetBookingsRequest batch;
    batch.add_names(booking.name());
    internal::v1::BatchGetBookingsResponse got;
    ASSERT_TRUE(
        server_->scheduling_internal().BatchGetBookings(As(service).get(), batch, &got).ok());
    ASSERT_EQ(got.bookings_size(), 1);
    EXPECT_EQ(got.bookings(0).verification_code(), code) << service;
  }

  // Only the booking's hospital checks the resident in, and sees her on its roster.
  v1::Booking checked_in;
  EXPECT_THAT(CheckInOnTheDay(*clock_, server_->scheduling(), As("hospital:MX-H2").get(), booking,
                              &checked_in),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  v1::ListBookingsRequest roster;
  roster.set_hospital("hospitals/MX-H1");
  roster.set_date(booking.date());
  v1::ListBookingsResponse listed_bookings;
  EXPECT_THAT(
      server_->scheduling().ListBookings(As("hospital:MX-H2").get(), roster, &listed_bookings),
      GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  ASSERT_TRUE(server_->scheduling()
                  .ListBookings(As("hospital:MX-H1").get(), roster, &listed_bookings)
                  .ok());
  ASSERT_EQ(listed_bookings.bookings_size(), 1);
  EXPECT_EQ(listed_bookings.bookings(0).verification_code(), "");
  // The desk sees who is coming: her name, and her ID number masked.
  const v1::ResidentCard& card = listed_bookings.bookings(0).resident_card();
  EXPECT_EQ(card.full_name(), "赵六");
  EXPECT_EQ(card.masked_id_number(),
            absl::StrCat(id_number.substr(0, 6), "********", id_number.substr(14)));
  EXPECT_EQ(card.birth_date(), "1966-03-03");
  EXPECT_TRUE(
      server_->scheduling().GetBooking(As("hospital:MX-H1").get(), get_booking, &other).ok());
  EXPECT_EQ(other.resident_card().full_name(), "赵六");
  EXPECT_EQ(other.resident_card().masked_id_number(), card.masked_id_number());
  EXPECT_FALSE(booking.has_resident_card()) << "the clinic has the registry itself";
  // A service reads residents masked, a bad batch is named.
  internal::v1::BatchGetResidentsRequest batch_residents;
  batch_residents.add_residents(resident.name());
  batch_residents.add_residents("residents/999999999");
  internal::v1::BatchGetResidentsResponse residents_got;
  ASSERT_TRUE(
      server_->registry_internal()
          .BatchGetResidents(As("service:scheduling").get(), batch_residents, &residents_got)
          .ok());
  ASSERT_EQ(residents_got.residents_size(), 1) << "one that does not exist is left out";
  EXPECT_EQ(residents_got.residents(0).id_number(), card.masked_id_number());
  EXPECT_EQ(residents_got.residents(0).phone(), "138****2222");
  batch_residents.add_residents("people/3");
  EXPECT_THAT(BadFields(server_->registry_internal().BatchGetResidents(
                  As("service:scheduling").get(), batch_residents, &residents_got)),
              ElementsAre("residents[2]"));
  batch_residents.clear_residents();
  EXPECT_THAT(BadFields(server_->registry_internal().BatchGetResidents(
                  As("service:scheduling").get(), batch_residents, &residents_got)),
              ElementsAre("residents"));
  ASSERT_TRUE(CheckInOnTheDay(*clock_, server_->scheduling(), As("hospital:MX-H1").get(), booking,
                              &checked_in)
                  .ok());

  v1::RecordResultRequest record;
  record.set_hospital("hospitals/MX-H2");
  record.set_booking(booking.name());
  record.set_request_id("scope-result");
  *record.mutable_four_highs() = NormalFourHighs();
  v1::Result result;
  grpc::Status foreign =
      server_->results().RecordResult(As("hospital:MX-H2").get(), record, &result);
  EXPECT_THAT(foreign, GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(foreign.error_message(), Not(HasSubstr("MX-H1")));
  record.set_hospital("hospitals/MX-H1");  // posing as the right hospital
  EXPECT_THAT(server_->results().RecordResult(As("hospital:MX-H2").get(), record, &result),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_TRUE(server_->results().RecordResult(As("hospital:MX-H1").get(), record, &result).ok());

  // Reading it back: the recording hospital and the resident's district's
  // clinic may; another hospital, another clinic and the commission may not.
  v1::GetResultRequest get_result;
  get_result.set_name(result.name());
  v1::Result read_back;
  ASSERT_TRUE(
      server_->results().GetResult(As("hospital:MX-H1").get(), get_result, &read_back).ok());
  EXPECT_EQ(read_back.name(), result.name());
  EXPECT_EQ(read_back.four_highs().systolic_mmhg(), result.four_highs().systolic_mmhg());
  ASSERT_TRUE(server_->results().GetResult(As("clinic:230102").get(), get_result, &read_back).ok());
  for (const char* stranger : {"hospital:MX-H2", "clinic:230103", "commission"}) {
    grpc::Status refused = server_->results().GetResult(As(stranger).get(), get_result, &read_back);
    EXPECT_THAT(refused, GrpcIs(grpc::StatusCode::PERMISSION_DENIED)) << stranger;
    EXPECT_THAT(refused.error_message(), Not(HasSubstr("MX-H1"))) << stranger;
  }
  auto list_results = [&](const std::string& caller, const std::string& hospital) {
    v1::ListResultsRequest request;
    request.set_hospital(hospital);
    request.set_resident(resident.name());
    v1::ListResultsResponse response;
    grpc::Status status = server_->results().ListResults(As(caller).get(), request, &response);
    return std::make_pair(status, response.results_size());
  };
  EXPECT_EQ(list_results("hospital:MX-H1", "").second, 1);
  EXPECT_EQ(list_results("clinic:230102", "").second, 1);
  EXPECT_EQ(list_results("hospital:MX-H2", "").second, 0) << "its own results only";
  EXPECT_EQ(list_results("clinic:230103", "").second, 0) << "its district's residents only";
  EXPECT_THAT(list_results("hospital:MX-H2", "hospitals/MX-H1").first,
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));

  // The commission: one resident's record only with a stated reason, and
  // never an ID number, name or phone.
  grpc::Status no_reason = server_->registry().GetResident(As("commission").get(), get, &seen);
  EXPECT_THAT(no_reason, GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_EQ(ErrorReason(no_reason), "REASON_REQUIRED");
  auto with_reason = As("commission");
  with_reason->AddMetadata("x-screening-reason", "complaint 2025-17 about a missed referral");
  ASSERT_TRUE(server_->registry().GetResident(with_reason.get(), get, &seen).ok());
  EXPECT_EQ(seen.id_number(), "");
  EXPECT_EQ(seen.full_name(), "");
  EXPECT_EQ(seen.phone(), "");
  EXPECT_EQ(seen.district_code(), "230102");
}

TEST_F(AccessControl, MutualTlsNamesTheCallerByCertificate) {
  auto hospital = certs_->Client("hospital:MX-H1");
  ASSERT_TRUE(hospital.ok()) << hospital.status();
  auto channel = server_->NewChannel(certs_->Credentials(&*hospital));
  v1::SearchSlotsResponse slots;
  grpc::ClientContext c1;
  EXPECT_TRUE(v1::SchedulingService::NewStub(channel)->SearchSlots(&c1, {}, &slots).ok());
  // The certificate's caller is a hospital: no progress for it.
  grpc::ClientContext c2;
  v1::Progress progress;
  EXPECT_THAT(v1::ProgressService::NewStub(channel)->GetProgress(&c2, {}, &progress),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));

  // A certificate that names no caller.
  auto nobody = certs_->Client("nobody");
  ASSERT_TRUE(nobody.ok());
  grpc::ClientContext c3;
  EXPECT_THAT(v1::SchedulingService::NewStub(server_->NewChannel(certs_->Credentials(&*nobody)))
                  ->SearchSlots(&c3, {}, &slots),
              GrpcIs(grpc::StatusCode::UNAUTHENTICATED));

  // A certificate from an authority the server does not know: no connection.
  auto stranger = certs_->Client("admin", /*unknown_ca=*/true);
  ASSERT_TRUE(stranger.ok());
  grpc::ClientContext c4;
  c4.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Status refused =
      v1::SchedulingService::NewStub(server_->NewChannel(certs_->Credentials(&*stranger)))
          ->SearchSlots(&c4, {}, &slots);
  EXPECT_THAT(refused, GrpcIs(grpc::StatusCode::UNAVAILABLE));
}

TEST(AbuseLimits, RateLimitAndMessageSize) {
  auto db = TestDatabase::Create("abuse_limits");
  ASSERT_TRUE(db.ok()) << db.status();
  FakeClock clock(DefaultTestNow());
  AppConfig config;
  config.rate_limit_per_second = 1;
  config.rate_limit_burst = 3;
  config.max_message_bytes = 64 * 1024;
  auto server = TestServer::Start((*db)->url(), &clock, config);
  ASSERT_TRUE(server.ok()) << server.status();
  auto search = [&] {
    grpc::ClientContext context;
    v1::SearchSlotsResponse response;
    return (*server)->scheduling().SearchSlots(&context, {}, &response);
  };
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(search().ok()) << i;
  grpc::Status limited = search();
  EXPECT_THAT(limited, GrpcIs(grpc::StatusCode::RESOURCE_EXHAUSTED));
  EXPECT_EQ(ErrorReason(limited), "RATE_LIMITED");
  clock.Set(clock.Now() + absl::Seconds(1));
  EXPECT_TRUE(search().ok());

  clock.Set(clock.Now() + absl::Seconds(10));
  v1::RegisterResidentRequest huge;
  huge.mutable_resident()->set_full_name(std::string(100 * 1024, 'x'));
  grpc::ClientContext context;
  v1::Resident resident;
  EXPECT_THAT((*server)->registry().RegisterResident(&context, huge, &resident),
              GrpcIs(grpc::StatusCode::RESOURCE_EXHAUSTED));
}

TEST(AbuseLimits, AStreamIsSlowedByItsMessagesNeverRefused) {
  // 20 calls a second, 2 at once: an import of 6 messages opens as one call,
  // then each further message waits its turn; the import completes, and the
  // caller's next call finds the rate spent.
  auto db = TestDatabase::Create("abuse_stream");
  ASSERT_TRUE(db.ok()) << db.status();
  FakeClock clock(DefaultTestNow());
  AppConfig config;
  config.rate_limit_per_second = 20;
  config.rate_limit_burst = 2;
  auto server = TestServer::Start((*db)->url(), &clock, config);
  ASSERT_TRUE(server.ok()) << server.status();
  grpc::ClientContext context;
  auto stream = (*server)->registry().ImportResidents(&context);
  const absl::Time start = absl::Now();
  for (int i = 0; i < 6; ++i) {
    v1::ImportResidentsRequest message;
    v1::ImportRow* row = message.add_rows();
    row->set_row_number(i + 1);
    row->mutable_resident()->set_id_number(
        MakeIdNumber("230102", absl::CivilDay(1966, 1, 1) + i, 11, i % 2 == 0));
    row->mutable_resident()->set_full_name("限速");
    row->mutable_resident()->set_district_code("230102");
    row->mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
    if (i == 5) message.set_total_rows(6);
    ASSERT_TRUE(stream->Write(message));
  }
  stream->WritesDone();
  v1::ImportResidentsResponse progress;
  while (stream->Read(&progress)) {
  }
  const grpc::Status status = stream->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(progress.rows_stored(), 6);
  EXPECT_TRUE(progress.done());
  // Messages 2 to 6 against 1 token left: waits of 0, 50, 100, 150, 200 ms.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(450));
  grpc::ClientContext after;
  v1::SearchSlotsResponse slots;
  EXPECT_EQ(ErrorReason((*server)->scheduling().SearchSlots(&after, {}, &slots)), "RATE_LIMITED");
}

}  // namespace
}  // namespace screening::testing

namespace screening::testing {
namespace {

// Services in separate processes over TLS: the scheduling process verifies
// the registry's certificate (--peer_ca) and presents its service token; the
// registry knows it as service:scheduling. Without the token the registry
// refuses it, and the clinic hears of a server fault, not of its own.
TEST_F(AccessControl, SplitServicesAuthenticateEachOtherOverTls) {
  AppConfig registry_only;
  registry_only.services = {"admin", "registry"};
  registry_only.tls_cert_pem = certs_->server().cert_pem;
  registry_only.tls_key_pem = certs_->server().key_pem;
  auto registry = TestServer::Start(db_->url(), clock_, registry_only, certs_->Credentials());
  ASSERT_TRUE(registry.ok()) << registry.status();

  auto scheduling_with = [&](const std::string& token) {
    AppConfig rest;
    rest.services = {"scheduling"};
    rest.tls_cert_pem = certs_->server().cert_pem;
    rest.tls_key_pem = certs_->server().key_pem;
    // The test certificate is issued to localhost.
    rest.registry_address = absl::StrCat("localhost:", (*registry)->port());
    rest.peer_ca_pem = certs_->ca_pem();
    rest.service_token = token;
    return TestServer::Start(db_->url(), clock_, rest, certs_->Credentials());
  };
  v1::UpsertHospitalRequest h;
  h.mutable_hospital()->set_code("SPLIT-H1");
  h.mutable_hospital()->set_display_name("分布医院");
  h.mutable_hospital()->add_screenings(v1::SCREENING_TYPE_FOUR_HIGHS);
  h.mutable_hospital()->set_district_code("230109");
  v1::Hospital hospital;
  ASSERT_TRUE(server_->scheduling().UpsertHospital(As("admin").get(), h, &hospital).ok());
  v1::SetCapacityRequest capacity;
  capacity.set_hospital("hospitals/SPLIT-H1");
  capacity.set_date("2025-03-11");
  capacity.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
  capacity.set_capacity(2);
  v1::Slot slot;
  ASSERT_TRUE(server_->scheduling().SetCapacity(As("admin").get(), capacity, &slot).ok());
  v1::RegisterResidentRequest reg;
  reg.mutable_resident()->set_id_number(
      MakeIdNumber("230109", absl::CivilDay(1967, 7, 7), 9, true));
  reg.mutable_resident()->set_full_name("分布");
  reg.mutable_resident()->set_district_code("230109");
  reg.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
  v1::Resident resident;
  ASSERT_TRUE(
      (*registry)->registry().RegisterResident(As("clinic:230109").get(), reg, &resident).ok());

  v1::BookScreeningRequest book;
  book.set_resident(resident.name());
  book.add_slots(slot.name());
  book.set_request_id("split-tls-1");
  v1::Booking booking;
  {
    auto without_token = scheduling_with("");
    ASSERT_TRUE(without_token.ok()) << without_token.status();
    grpc::Status refused =
        (*without_token)->scheduling().BookScreening(As("clinic:230109").get(), book, &booking);
    EXPECT_THAT(refused, GrpcIs(grpc::StatusCode::INTERNAL));
  }
  auto with_token = scheduling_with(Token("service:scheduling"));
  ASSERT_TRUE(with_token.ok()) << with_token.status();
  grpc::Status booked =
      (*with_token)->scheduling().BookScreening(As("clinic:230109").get(), book, &booking);
  ASSERT_TRUE(booked.ok()) << booked.error_message();
  EXPECT_EQ(booking.resident_district_code(), "230109");
  // Across processes the registry's gate knew the caller as
  // service:scheduling and audited its call.
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM audit.events WHERE role = 'service'"
                          " AND scope = 'scheduling' AND method LIKE '%CheckEligibility'"
                          " AND outcome = 'OK'"),
            1);
}

}  // namespace
}  // namespace screening::testing
