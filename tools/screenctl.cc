// screenctl: a small command-line client of the screening API, for operators
// and the quick-start demo. Prints responses as JSON; on an error prints the
// code, the message and every detail (bad fields, reason), and exits 1.
//
//   screenctl --address=127.0.0.1:50051 register 23010219700101001X 张三 230102
//   screenctl hospital HRB-DL-01 道里区人民医院 230102
//   screenctl generate-slots HRB-DL-01 2025-06-02 2025-06-30
//   screenctl slots four_highs 230102
//   screenctl book residents/1 slots/1,slots/2 [request_id]
//   screenctl check-in bookings/1 123456
//   screenctl record-four-highs HRB-DL-01 bookings/1 145 92 6.3 5.1 3.0 1.2 1.8 380 [request_id]
//   screenctl progress [year]
//   screenctl watch [year]
//   screenctl report 2025 1 [--draft] [--format=zh|csv|json]
//   screenctl sign-off 2025 1 EXPECTED_VERSION [reason]
//   screenctl health
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/help_flags.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "screening/v1/admin.grpc.pb.h"
#include "screening/v1/progress.grpc.pb.h"
#include "screening/v1/registry.grpc.pb.h"
#include "screening/v1/results.grpc.pb.h"
#include "screening/v1/scheduling.grpc.pb.h"

ABSL_FLAG(std::string, address, "127.0.0.1:50051", "The screeningd to call.");
ABSL_FLAG(std::string, token, "", "Bearer token to present; defaults to SCREENING_TOKEN.");
ABSL_FLAG(std::string, ca, "", "PEM CA to verify the server with (TLS); plain text if empty.");
ABSL_FLAG(std::string, cert, "", "PEM client certificate (mutual TLS).");
ABSL_FLAG(std::string, key, "", "PEM client key (mutual TLS).");
ABSL_FLAG(std::string, reason, "", "A stated reason, sent as x-screening-reason (audited).");
ABSL_FLAG(std::string, traceparent, "",
          "A W3C traceparent to send, so the call can be found in screeningd's logs.");
ABSL_FLAG(bool, habitual, false,
          "register: the resident lives in Harbin habitually (常住) rather than by household "
          "registration (户籍).");
ABSL_FLAG(std::string, screenings, "colorectal,gastric,four_highs",
          "hospital: the screenings it offers, comma-separated.");
ABSL_FLAG(std::string, street_address, "",
          "hospital: where residents go, printed on the booking slip.");
ABSL_FLAG(int, places, 20, "hospital: places per screening in each session of a working day.");
ABSL_FLAG(std::string, session, "morning", "capacity: the session, morning or afternoon.");
ABSL_FLAG(bool, apply, false, "allocate: store the plan (admin).");
ABSL_FLAG(bool, draft, false, "report: the draft computed now, not the signed-off version.");
ABSL_FLAG(int, version, 0, "report: a signed-off version (0: the latest).");
ABSL_FLAG(std::string, format, "zh", "report: zh (the Chinese document), csv or json.");
ABSL_FLAG(std::string, request_id, "",
          "The request_id of a mutation (default: a new random one). Reusing one makes a retry.");

namespace screening {
namespace {

int Usage() {
  std::fprintf(stderr, "%s\n", std::string(absl::ProgramUsageMessage()).c_str());
  return 2;
}

int Print(const grpc::Status& status, const google::protobuf::Message& response) {
  if (!status.ok()) {
    std::fprintf(stderr, "error %d: %s\n", static_cast<int>(status.error_code()),
                 status.error_message().c_str());
    absl::Status detailed = FromGrpcStatus(status);
    if (auto info = GetErrorInfo(detailed)) {
      std::fprintf(stderr, "  reason: %s\n", info->reason().c_str());
    }
    if (auto bad = GetBadRequest(detailed)) {
      for (const auto& v : bad->field_violations()) {
        std::fprintf(stderr, "  field %s: %s\n", v.field().c_str(), v.description().c_str());
      }
    }
    if (auto failure = GetPreconditionFailure(detailed)) {
      for (const auto& v : failure->violations()) {
        std::fprintf(stderr, "  %s: %s\n", v.type().c_str(), v.description().c_str());
      }
    }
    return 1;
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(response, &json, options);
  std::printf("%s", json.c_str());
  return 0;
}

// Accepts four_highs, FOUR_HIGHS or SCREENING_TYPE_FOUR_HIGHS.
bool ParseType(const std::string& text, v1::ScreeningType* type) {
  std::string name = absl::AsciiStrToUpper(text);
  if (name.rfind("SCREENING_TYPE_", 0) != 0) name = "SCREENING_TYPE_" + name;
  return v1::ScreeningType_Parse(name, type);
}

std::string NewRequestId() {
  if (!absl::GetFlag(FLAGS_request_id).empty()) return absl::GetFlag(FLAGS_request_id);
  std::random_device random;
  return absl::StrCat("screenctl-", random(), random());
}

double Number(const std::string& text) {
  double value = 0;
  if (!absl::SimpleAtod(text, &value)) {
    std::fprintf(stderr, "not a number: %s\n", text.c_str());
    std::exit(2);
  }
  return value;
}

std::string ReadFile(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(2);
  }
  return contents.str();
}

std::shared_ptr<grpc::ChannelCredentials> Credentials() {
  if (absl::GetFlag(FLAGS_ca).empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFile(absl::GetFlag(FLAGS_ca));
  tls.pem_cert_chain = ReadFile(absl::GetFlag(FLAGS_cert));
  tls.pem_private_key = ReadFile(absl::GetFlag(FLAGS_key));
  return grpc::SslCredentials(tls);
}

int Run(const std::vector<std::string>& args) {
  if (args.empty()) return Usage();
  auto channel = grpc::CreateChannel(absl::GetFlag(FLAGS_address), Credentials());
  const std::string& command = args[0];
  const size_t n = args.size() - 1;  // arguments after the command
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  std::string token = absl::GetFlag(FLAGS_token);
  if (token.empty() && std::getenv("SCREENING_TOKEN")) token = std::getenv("SCREENING_TOKEN");
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  if (!absl::GetFlag(FLAGS_reason).empty()) {
    context.AddMetadata("x-screening-reason", absl::GetFlag(FLAGS_reason));
  }
  if (!absl::GetFlag(FLAGS_traceparent).empty()) {
    context.AddMetadata("traceparent", absl::GetFlag(FLAGS_traceparent));
  }

  if (command == "health" && n == 0) {
    grpc::health::v1::HealthCheckResponse response;
    return Print(grpc::health::v1::Health::NewStub(channel)->Check(&context, {}, &response),
                 response);
  }
  if (command == "register" && (n == 3 || n == 4)) {
    v1::RegisterResidentRequest request;
    request.mutable_resident()->set_id_number(args[1]);
    request.mutable_resident()->set_full_name(args[2]);
    request.mutable_resident()->set_district_code(args[3]);
    if (n == 4) request.mutable_resident()->set_phone(args[4]);
    request.mutable_resident()->set_residence_kind(absl::GetFlag(FLAGS_habitual)
                                                       ? v1::RESIDENCE_KIND_HABITUAL
                                                       : v1::RESIDENCE_KIND_REGISTERED);
    request.set_request_id(NewRequestId());
    v1::Resident response;
    return Print(
        v1::RegistryService::NewStub(channel)->RegisterResident(&context, request, &response),
        response);
  }
  if (command == "resident" && n == 1) {
    v1::GetResidentRequest request;
    request.set_name(args[1]);
    v1::Resident response;
    return Print(v1::RegistryService::NewStub(channel)->GetResident(&context, request, &response),
                 response);
  }
  if (command == "lookup" && n == 1) {
    v1::LookupResidentRequest request;
    request.set_id_number(args[1]);
    v1::Resident response;
    return Print(
        v1::RegistryService::NewStub(channel)->LookupResident(&context, request, &response),
        response);
  }
  if (command == "audit" && n <= 1) {
    v1::ListAuditEventsRequest request;
    if (n == 1) request.set_resource(args[1]);
    v1::ListAuditEventsResponse response;
    return Print(v1::AdminService::NewStub(channel)->ListAuditEvents(&context, request, &response),
                 response);
  }
  if (command == "hospital" && n == 3) {
    v1::UpsertHospitalRequest request;
    v1::Hospital* h = request.mutable_hospital();
    h->set_code(args[1]);
    h->set_display_name(args[2]);
    h->set_district_code(args[3]);
    h->set_address(absl::GetFlag(FLAGS_street_address));
    const std::vector<std::string> names = absl::StrSplit(absl::GetFlag(FLAGS_screenings), ',');
    for (const std::string& name : names) {
      v1::ScreeningType type;
      if (!ParseType(name, &type)) return Usage();
      h->add_screenings(type);
    }
    for (v1::Session session : {v1::SESSION_MORNING, v1::SESSION_AFTERNOON}) {
      auto* plan = h->add_sessions();
      plan->set_session(session);
      for (int type : h->screenings()) {
        auto* places = plan->add_places();
        places->set_screening_type(static_cast<v1::ScreeningType>(type));
        places->set_places(absl::GetFlag(FLAGS_places));
      }
    }
    v1::Hospital response;
    return Print(
        v1::SchedulingService::NewStub(channel)->UpsertHospital(&context, request, &response),
        response);
  }
  if (command == "generate-slots" && n == 3) {
    v1::GenerateSlotsRequest request;
    request.set_hospital("hospitals/" + args[1]);
    request.set_start_date(args[2]);
    request.set_end_date(args[3]);
    v1::GenerateSlotsResponse response;
    return Print(
        v1::SchedulingService::NewStub(channel)->GenerateSlots(&context, request, &response),
        response);
  }
  if (command == "capacity" && n == 4) {
    v1::SetCapacityRequest request;
    request.set_hospital("hospitals/" + args[1]);
    request.set_date(args[2]);
    v1::ScreeningType type;
    if (!ParseType(args[3], &type)) return Usage();
    request.set_screening_type(type);
    request.set_capacity(static_cast<int>(Number(args[4])));
    request.set_session(absl::GetFlag(FLAGS_session) == "afternoon" ? v1::SESSION_AFTERNOON
                                                                    : v1::SESSION_MORNING);
    v1::Slot response;
    return Print(v1::SchedulingService::NewStub(channel)->SetCapacity(&context, request, &response),
                 response);
  }
  if (command == "allocate" && n == 1) {
    v1::AllocateTargetsRequest request;
    request.set_programme_year(static_cast<int>(Number(args[1])));
    request.set_apply(absl::GetFlag(FLAGS_apply));
    if (request.apply()) request.set_request_id(NewRequestId());
    v1::AllocationPlan response;
    return Print(
        v1::SchedulingService::NewStub(channel)->AllocateTargets(&context, request, &response),
        response);
  }
  if (command == "slots" && (n == 1 || n == 2)) {
    v1::SearchSlotsRequest request;
    v1::ScreeningType type;
    if (!ParseType(args[1], &type)) return Usage();
    request.set_screening_type(type);
    if (n == 2) request.set_district_code(args[2]);
    request.set_only_available(true);
    v1::SearchSlotsResponse response;
    return Print(v1::SchedulingService::NewStub(channel)->SearchSlots(&context, request, &response),
                 response);
  }
  if (command == "book" && (n == 2 || n == 3)) {
    v1::BookScreeningRequest request;
    request.set_resident(args[1]);
    for (absl::string_view slot : absl::StrSplit(args[2], ','))
      request.add_slots(std::string(slot));
    request.set_request_id(n == 3 ? args[3] : NewRequestId());
    v1::Booking response;
    return Print(
        v1::SchedulingService::NewStub(channel)->BookScreening(&context, request, &response),
        response);
  }
  if (command == "cancel" && n == 1) {
    v1::CancelBookingRequest request;
    request.set_name(args[1]);
    request.set_reason(v1::CANCEL_REASON_RESIDENT_REQUEST);
    request.set_request_id(NewRequestId());
    v1::Booking response;
    return Print(
        v1::SchedulingService::NewStub(channel)->CancelBooking(&context, request, &response),
        response);
  }
  if (command == "roster" && n == 2) {
    v1::ListBookingsRequest request;
    request.set_hospital("hospitals/" + args[1]);
    request.set_date(args[2]);
    v1::ListBookingsResponse response;
    return Print(
        v1::SchedulingService::NewStub(channel)->ListBookings(&context, request, &response),
        response);
  }
  if (command == "check-in" && n == 2) {
    v1::CheckInRequest request;
    request.set_name(args[1]);
    request.set_verification_code(args[2]);
    v1::Booking response;
    return Print(v1::SchedulingService::NewStub(channel)->CheckIn(&context, request, &response),
                 response);
  }
  if (command == "record-four-highs" && (n == 10 || n == 11)) {
    v1::RecordResultRequest request;
    request.set_hospital("hospitals/" + args[1]);
    request.set_booking(args[2]);
    auto* m = request.mutable_four_highs();
    m->set_systolic_mmhg(static_cast<int>(Number(args[3])));
    m->set_diastolic_mmhg(static_cast<int>(Number(args[4])));
    m->set_fasting_glucose_mmol_l(Number(args[5]));
    m->set_total_cholesterol_mmol_l(Number(args[6]));
    m->set_ldl_cholesterol_mmol_l(Number(args[7]));
    m->set_hdl_cholesterol_mmol_l(Number(args[8]));
    m->set_triglycerides_mmol_l(Number(args[9]));
    m->set_uric_acid_umol_l(Number(args[10]));
    request.set_request_id(n == 11 ? args[11] : NewRequestId());
    v1::Result response;
    return Print(v1::ResultsService::NewStub(channel)->RecordResult(&context, request, &response),
                 response);
  }
  if (command == "watch" && n <= 1) {
    // One line per update until interrupted.
    v1::WatchProgressRequest request;
    if (n == 1) request.set_programme_year(static_cast<int>(Number(args[1])));
    auto stream = v1::ProgressService::NewStub(channel)->WatchProgress(&context, request);
    v1::ProgressUpdate update;
    while (stream->Read(&update)) {
      const v1::Progress& p = update.progress();
      std::printf("offset %s  persons %ld/%ld (%.2f%%)  nipt %ld/%ld  positives %ld\n",
                  update.offset().c_str(), static_cast<long>(p.persons_screened()),
                  static_cast<long>(p.persons_target()), p.persons_share() * 100,
                  static_cast<long>(p.nipt_screened()), static_cast<long>(p.nipt_target()),
                  static_cast<long>(p.positives()));
      std::fflush(stdout);
    }
    v1::ProgressUpdate none;
    return Print(stream->Finish(), none);
  }
  if (command == "report" && n == 2) {
    v1::GetQuarterlyReportRequest request;
    request.set_programme_year(static_cast<int>(Number(args[1])));
    request.set_quarter(static_cast<int>(Number(args[2])));
    request.set_draft(absl::GetFlag(FLAGS_draft));
    request.set_version(absl::GetFlag(FLAGS_version));
    v1::QuarterlyReport response;
    grpc::Status status =
        v1::ProgressService::NewStub(channel)->GetQuarterlyReport(&context, request, &response);
    const std::string format = absl::GetFlag(FLAGS_format);
    if (!status.ok() || format == "json") return Print(status, response);
    std::printf("%s", format == "csv" ? response.csv().c_str() : response.document_zh().c_str());
    return 0;
  }
  if (command == "sign-off" && (n == 3 || n == 4)) {
    v1::SignOffQuarterlyReportRequest request;
    request.set_programme_year(static_cast<int>(Number(args[1])));
    request.set_quarter(static_cast<int>(Number(args[2])));
    request.set_expected_version(static_cast<int>(Number(args[3])));
    if (n == 4) request.set_reason(args[4]);
    request.set_request_id(NewRequestId());
    v1::QuarterlyReport response;
    grpc::Status status =
        v1::ProgressService::NewStub(channel)->SignOffQuarterlyReport(&context, request, &response);
    if (!status.ok()) return Print(status, response);
    std::printf("signed off version %d of %d Q%d\n", response.version(), response.programme_year(),
                response.quarter());
    return 0;
  }
  if (command == "progress" && n <= 1) {
    v1::GetProgressRequest request;
    if (n == 1) request.set_programme_year(static_cast<int>(Number(args[1])));
    v1::Progress response;
    return Print(v1::ProgressService::NewStub(channel)->GetProgress(&context, request, &response),
                 response);
  }
  return Usage();
}

}  // namespace
}  // namespace screening

int main(int argc, char** argv) {
  screening::ShowFlagsOfFileInHelp(__FILE__);
  absl::SetProgramUsageMessage(
      "a command-line client of the screening API.\n"
      "usage: screenctl [--address=host:port] [--token=T] [--ca=ca.pem [--cert=c.pem "
      "--key=c.key]]\n"
      "                 COMMAND ARGS\n"
      "  health\n"
      "  register ID_NUMBER FULL_NAME DISTRICT_CODE [PHONE]\n"
      "  resident residents/N          (the commission adds --reason=...)\n"
      "  lookup ID_NUMBER\n"
      "  audit [RESOURCE]              (admin)\n"
      "  hospital CODE DISPLAY_NAME DISTRICT_CODE   [--screenings=a,b --places=N]\n"
      "  generate-slots HOSPITAL_CODE START_DATE END_DATE\n"
      "  capacity HOSPITAL_CODE YYYY-MM-DD TYPE PLACES [--session=afternoon]  (TYPE: "
      "colorectal, gastric, four_highs, nipt)\n"
      "  allocate YEAR [--apply]\n"
      "  slots TYPE [DISTRICT_CODE]\n"
      "  book residents/N slots/N[,slots/M...] [REQUEST_ID]   (one visit)\n"
      "  cancel bookings/N\n"
      "  roster HOSPITAL_CODE YYYY-MM-DD     (hospital)\n"
      "  check-in bookings/N CODE            (hospital)\n"
      "  record-four-highs HOSPITAL_CODE bookings/N SBP DBP FPG TC LDL HDL TG UA [REQUEST_ID]\n"
      "  progress [YEAR]\n"
      "  watch [YEAR]                  (streams updates until interrupted)\n"
      "  report YEAR QUARTER           [--draft] [--version=N] [--format=zh|csv|json]\n"
      "  sign-off YEAR QUARTER EXPECTED_VERSION [REASON]");
  std::vector<char*> parsed = absl::ParseCommandLine(argc, argv);
  std::vector<std::string> args(parsed.begin() + 1, parsed.end());
  return screening::Run(args);
}
