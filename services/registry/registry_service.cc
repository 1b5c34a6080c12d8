#include "services/registry/registry_service.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/districts.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "services/registry/resident_view.h"

namespace screening::registry {
namespace {

bool IsMobileNumber(absl::string_view phone) {
  if (phone.size() != 11 || phone[0] != '1' || phone[1] < '3' || phone[1] > '9') return false;
  for (char c : phone) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<v1::Resident> ValidateNewResident(const v1::RegisterResidentRequest& request,
                                                 absl::CivilDay today) {
  FieldViolations bad;
  if (!request.has_resident()) {
    bad.Add("resident", "is required");
    return bad.ToStatus();
  }
  const v1::Resident& in = request.resident();
  v1::Resident out;
  auto id = ParseIdNumber(in.id_number(), today);
  if (in.id_number().empty()) {
    bad.Add("resident.id_number", "is required");
  } else if (!id.ok()) {
    bad.Add("resident.id_number", std::string(id.status().message()));
  } else {
    out.set_id_number(id->canonical);
    out.set_birth_date(FormatDate(id->birth_date));
    out.set_sex(id->sex == Sex::kMale ? v1::SEX_MALE : v1::SEX_FEMALE);
  }
  const size_t name_length = Utf8Length(in.full_name());
  if (name_length == 0) {
    bad.Add("resident.full_name", "is required");
  } else if (name_length > 64) {
    bad.Add("resident.full_name", "must be at most 64 characters");
  }
  out.set_full_name(in.full_name());
  if (!in.phone().empty() && !IsMobileNumber(in.phone())) {
    bad.Add("resident.phone", "must be an 11-digit mobile number starting with 13-19");
  }
  out.set_phone(in.phone());
  if (in.residence_kind() != v1::RESIDENCE_KIND_REGISTERED &&
      in.residence_kind() != v1::RESIDENCE_KIND_HABITUAL) {
    bad.Add("resident.residence_kind", "must be REGISTERED (户籍) or HABITUAL (常住)");
  }
  out.set_residence_kind(in.residence_kind());
  out.set_digestive_cancer_history(in.digestive_cancer_history());
  if (in.district_code().empty()) {
    bad.Add("resident.district_code", "is required");
  } else if (FindDistrict(in.district_code()) == nullptr) {
    bad.Add("resident.district_code", "is not one of Harbin's 18 district codes");
  }
  out.set_district_code(in.district_code());
  if (!request.request_id().empty() && !IsValidRequestId(request.request_id())) {
    bad.Add("request_id", "must be 1 to 64 printable ASCII characters");
  }
  if (!bad.empty()) return bad.ToStatus();
  return out;
}

grpc::Status RegistryServiceImpl::RegisterResident(grpc::ServerContext* context,
                                                   const v1::RegisterResidentRequest* request,
                                                   v1::Resident* response) {
  CallGate::Call call = gate_.Begin(context, Method<v1::RegistryService>("RegisterResident"));
  return call.Finish([&]() -> absl::Status {
    RETURN_IF_ERROR(call.status());
    ASSIGN_OR_RETURN(v1::Resident resident, ValidateNewResident(*request, Today(clock_)));
    RETURN_IF_ERROR(RequireDistrict(call.caller(), resident.district_code()));
    ASSIGN_OR_RETURN(*response, store_.Register(*request, resident));
    call.set_resource(response->name());
    RedactResident(call.caller(), *response);
    return absl::OkStatus();
  }());
}

grpc::Status RegistryServiceImpl::GetResident(grpc::ServerContext* context,
                                              const v1::GetResidentRequest* request,
                                              v1::Resident* response) {
  CallGate::Call call = gate_.Begin(context, Method<v1::RegistryService>("GetResident"));
  return call.Finish([&]() -> absl::Status {
    RETURN_IF_ERROR(call.status());
    auto id = ParseNumericName("residents", request->name());
    if (!id) return InvalidField("name", "must be residents/{id}");
    call.set_resource(request->name());
    // The commission sees aggregates; one resident's record only with a
    // stated reason, which the audit row keeps ("break the glass").
    if (call.caller().role == Role::kCommission && call.reason().empty()) {
      return WithReason(absl::PermissionDeniedError(absl::StrCat(
                            "the commission must state a reason in the ", kReasonMetadata,
                            " metadata to read one resident's record")),
                        "REASON_REQUIRED");
    }
    ASSIGN_OR_RETURN(*response, store_.Get(*id));
    RETURN_IF_ERROR(RequireDistrict(call.caller(), response->district_code()));
    RedactResident(call.caller(), *response);
    return absl::OkStatus();
  }());
}

grpc::Status RegistryServiceImpl::LookupResident(grpc::ServerContext* context,
                                                 const v1::LookupResidentRequest* request,
                                                 v1::Resident* response) {
  CallGate::Call call = gate_.Begin(context, Method<v1::RegistryService>("LookupResident"));
  return call.Finish([&]() -> absl::Status {
    RETURN_IF_ERROR(call.status());
    auto id = ParseIdNumber(request->id_number(), Today(clock_));
    if (!id.ok()) return InvalidField("id_number", std::string(id.status().message()));
    ASSIGN_OR_RETURN(*response, store_.FindByIdNumber(id->canonical));
    call.set_resource(response->name());
    // Another district's resident is as good as absent to this clinic.
    if (!RequireDistrict(call.caller(), response->district_code()).ok()) {
      response->Clear();
      return absl::NotFoundError("no resident of your district has this ID number");
    }
    RedactResident(call.caller(), *response);
    return absl::OkStatus();
  }());
}

absl::StatusOr<RegistryStore::Changes> ValidateResidentUpdate(
    const v1::UpdateResidentRequest& request) {
  FieldViolations bad;
  RegistryStore::Changes changes;
  if (!ParseNumericName("residents", request.resident().name())) {
    bad.Add("resident.name", "must be residents/{id}");
  }
  if (request.update_mask().paths().empty()) {
    bad.Add("update_mask", "name at least one of phone, residence_kind, digestive_cancer_history");
  }
  const v1::Resident& in = request.resident();
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "phone") {
      if (!in.phone().empty() && !IsMobileNumber(in.phone())) {
        bad.Add("resident.phone", "must be an 11-digit mobile number starting with 13-19");
      }
      changes.phone = in.phone();
    } else if (path == "residence_kind") {
      if (in.residence_kind() != v1::RESIDENCE_KIND_REGISTERED &&
          in.residence_kind() != v1::RESIDENCE_KIND_HABITUAL) {
        bad.Add("resident.residence_kind", "must be REGISTERED (户籍) or HABITUAL (常住)");
      }
      changes.residence_kind = in.residence_kind();
    } else if (path == "digestive_cancer_history") {
      changes.digestive_cancer_history = in.digestive_cancer_history();
    } else {
      bad.Add("update_mask",
              absl::StrCat("cannot update '", path,
                           "'; only phone, residence_kind and digestive_cancer_history change"));
    }
  }
  if (!bad.empty()) return bad.ToStatus();
  return changes;
}

grpc::Status RegistryServiceImpl::UpdateResident(grpc::ServerContext* context,
                                                 const v1::UpdateResidentRequest* request,
                                                 v1::Resident* response) {
  CallGate::Call call = gate_.Begin(context, Method<v1::RegistryService>("UpdateResident"));
  return call.Finish([&]() -> absl::Status {
    RETURN_IF_ERROR(call.status());
    ASSIGN_OR_RETURN(RegistryStore::Changes changes, ValidateResidentUpdate(*request));
    call.set_resource(request->resident().name());
    ASSIGN_OR_RETURN(*response,
                     store_.Update(*ParseNumericName("residents", request->resident().name()),
                                   changes, [&](const v1::Resident& current) {
                                     return RequireDistrict(call.caller(), current.district_code());
                                   }));
    RedactResident(call.caller(), *response);
    return absl::OkStatus();
  }());
}

grpc::Status RegistryServiceImpl::ListResidents(grpc::ServerContext* context,
                                                const v1::ListResidentsRequest* request,
                                                v1::ListResidentsResponse* response) {
  CallGate::Call call = gate_.Begin(context, Method<v1::RegistryService>("ListResidents"));
  return call.Finish([&]() -> absl::Status {
    RETURN_IF_ERROR(call.status());
    FieldViolations bad;
    if (FindDistrict(request->district_code()) == nullptr) {
      bad.Add("district_code", "must be one of Harbin's 18 district codes");
    }
    if (request->page_size() < 0 || request->page_size() > 1000) {
      bad.Add("page_size", "must be 0 to 1000");
    }
    int64_t after = 0;
    if (!request->page_token().empty() &&
        (!absl::SimpleAtoi(request->page_token(), &after) || after <= 0)) {
      bad.Add("page_token", "is not a token this service issued");
    }
    RETURN_IF_ERROR(bad.ToStatus());
    call.set_resource(absl::StrCat("districts/", request->district_code()));
    RETURN_IF_ERROR(RequireDistrict(call.caller(), request->district_code()));
    const int page_size = request->page_size() == 0 ? 100 : request->page_size();
    ASSIGN_OR_RETURN(auto residents,
                     store_.ListByDistrict(request->district_code(), after, page_size + 1));
    for (auto& resident : residents) {
      if (response->residents_size() == page_size) {
        response->set_next_page_token(absl::StrCat(
            *ParseNumericName("residents", response->residents(page_size - 1).name())));
        break;
      }
      RedactResident(call.caller(), resident);
      *response->add_residents() = std::move(resident);
    }
    return absl::OkStatus();
  }());
}

grpc::Status RegistryServiceImpl::CheckEligibility(grpc::ServerContext* context,
                                                   const v1::CheckEligibilityRequest* request,
                                                   v1::CheckEligibilityResponse* response) {
  CallGate::Call call = gate_.Begin(context, Method<v1::RegistryService>("CheckEligibility"));
  return call.Finish([&]() -> absl::Status {
    RETURN_IF_ERROR(call.status());
    FieldViolations bad;
    auto id = ParseNumericName("residents", request->resident());
    if (!id) bad.Add("resident", "must be residents/{id}");
    if (!v1::ScreeningType_IsValid(request->screening_type()) ||
        request->screening_type() == v1::SCREENING_TYPE_UNSPECIFIED) {
      bad.Add("screening_type", "must be one of the programme's screenings");
    }
    auto date = ParseDate(request->date());
    if (!date) bad.Add("date", "must be a real date, YYYY-MM-DD");
    RETURN_IF_ERROR(bad.ToStatus());
    call.set_resource(request->resident());
    ASSIGN_OR_RETURN(v1::Resident resident, store_.Get(*id));
    RETURN_IF_ERROR(RequireDistrict(call.caller(), resident.district_code()));
    Eligibility result = registry::CheckEligibility(
        programmes_, {.birth_date = *ParseDate(resident.birth_date()),
                      .sex = resident.sex() == v1::SEX_MALE ? Sex::kMale : Sex::kFemale,
                      .screening_type = request->screening_type(),
                      .date = *date,
                      .digestive_cancer_history = resident.digestive_cancer_history()});
    response->set_eligible(result.eligible);
    response->set_age_on_date(result.age_on_date);
    response->set_district_code(resident.district_code());
    for (const auto& reason : result.reasons) {
      auto* out = response->add_reasons();
      out->set_code(reason.code);
      out->set_message(reason.message);
    }
    return absl::OkStatus();
  }());
}

}  // namespace screening::registry
