#include "services/registry/registry_service.h"

#include <future>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/call_deadline.h"
#include "common/crypto.h"
#include "common/dates.h"
#include "common/districts.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "services/registry/eligibility_answer.h"
#include "services/registry/import_pipeline.h"
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

// What an import acts on, for the audit log.
std::string ImportResource(const Caller& caller) {
  return caller.role == Role::kClinic ? absl::StrCat("districts/", caller.scope) : "residents";
}

// A listed row into `residents`, as the caller may see it, or into
// `unreadable` when its sealed fields cannot be opened.
void AddListed(const Caller& caller, RegistryStore::Listed& row,
               google::protobuf::RepeatedPtrField<v1::Resident>* residents,
               google::protobuf::RepeatedPtrField<v1::UnreadableResident>* unreadable) {
  if (!row.resident.ok()) {
    v1::UnreadableResident* out = unreadable->Add();
    out->set_name(MakeName("residents", row.id));
    out->set_reason(std::string(row.resident.status().message()));
    return;
  }
  RedactResident(caller, *row.resident);
  *residents->Add() = *std::move(row.resident);
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
  out.set_sms_declined(in.sms_declined());
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
  return gate_.Serve(context, *request, Method<v1::RegistryService>("RegisterResident"),
                     [&](CallGate::Call& call) -> absl::Status {
                       ASSIGN_OR_RETURN(v1::Resident resident,
                                        ValidateNewResident(*request, Today(clock_)));
                       RETURN_IF_ERROR(RequireDistrict(call.caller(), resident.district_code()));
                       ASSIGN_OR_RETURN(*response, store_.Register(*request, resident));
                       call.set_resource(response->name());
                       RedactResident(call.caller(), *response);
                       return absl::OkStatus();
                     });
}

grpc::Status RegistryServiceImpl::GetResident(grpc::ServerContext* context,
                                              const v1::GetResidentRequest* request,
                                              v1::Resident* response) {
  return gate_.Serve(context, *request, Method<v1::RegistryService>("GetResident"),
                     [&](CallGate::Call& call) -> absl::Status {
                       auto id = ParseNumericName("residents", request->name());
                       if (!id) return InvalidField("name", "must be residents/{id}");
                       call.set_resource(request->name());
                       // The commission sees aggregates; one resident's record only with a
                       // stated reason, which the audit row keeps ("break the glass").
                       if (call.caller().role == Role::kCommission && call.reason().empty()) {
                         return WithReason(
                             absl::PermissionDeniedError(absl::StrCat(
                                 "the commission must state a reason in the ", kReasonMetadata,
                                 " metadata to read one resident's record")),
                             "REASON_REQUIRED");
                       }
                       ASSIGN_OR_RETURN(*response, store_.Get(*id));
                       RETURN_IF_ERROR(RequireDistrict(call.caller(), response->district_code()));
                       RedactResident(call.caller(), *response);
                       return absl::OkStatus();
                     });
}

grpc::Status RegistryServiceImpl::LookupResident(grpc::ServerContext* context,
                                                 const v1::LookupResidentRequest* request,
                                                 v1::Resident* response) {
  return gate_.Serve(
      context, *request, Method<v1::RegistryService>("LookupResident"),
      [&](CallGate::Call& call) -> absl::Status {
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
      });
}

absl::StatusOr<RegistryStore::Changes> ValidateResidentUpdate(
    const v1::UpdateResidentRequest& request) {
  FieldViolations bad;
  RegistryStore::Changes changes;
  if (!ParseNumericName("residents", request.resident().name())) {
    bad.Add("resident.name", "must be residents/{id}");
  }
  if (request.update_mask().paths().empty()) {
    bad.Add("update_mask",
            "name at least one of phone, residence_kind, digestive_cancer_history, sms_declined");
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
    } else if (path == "sms_declined") {
      changes.sms_declined = in.sms_declined();
    } else {
      bad.Add("update_mask",
              absl::StrCat("cannot update '", path,
                           "'; only phone, residence_kind, digestive_cancer_history and"
                           " sms_declined change"));
    }
  }
  if (!bad.empty()) return bad.ToStatus();
  return changes;
}

grpc::Status RegistryServiceImpl::UpdateResident(grpc::ServerContext* context,
                                                 const v1::UpdateResidentRequest* request,
                                                 v1::Resident* response) {
  return gate_.Serve(
      context, *request, Method<v1::RegistryService>("UpdateResident"),
      [&](CallGate::Call& call) -> absl::Status {
        ASSIGN_OR_RETURN(RegistryStore::Changes changes, ValidateResidentUpdate(*request));
        call.set_resource(request->resident().name());
        ASSIGN_OR_RETURN(*response,
                         store_.Update(*ParseNumericName("residents", request->resident().name()),
                                       changes, [&](const v1::Resident& current) {
                                         return RequireDistrict(call.caller(),
                                                                current.district_code());
                                       }));
        RedactResident(call.caller(), *response);
        return absl::OkStatus();
      });
}

grpc::Status RegistryServiceImpl::ListResidents(grpc::ServerContext* context,
                                                const v1::ListResidentsRequest* request,
                                                v1::ListResidentsResponse* response) {
  return gate_.Serve(context, *request, Method<v1::RegistryService>("ListResidents"),
                     [&](CallGate::Call& call) -> absl::Status {
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
                       ASSIGN_OR_RETURN(auto rows, store_.ListByDistrict(request->district_code(),
                                                                         after, page_size + 1));
                       for (int i = 0; i < static_cast<int>(rows.size()); ++i) {
                         if (i == page_size) {
                           response->set_next_page_token(absl::StrCat(rows[i - 1].id));
                           break;
                         }
                         AddListed(call.caller(), rows[i], response->mutable_residents(),
                                   response->mutable_unreadable_residents());
                       }
                       ASSIGN_OR_RETURN(absl::Duration staleness, store_.Staleness());
                       db::SetStaleness(staleness, response->mutable_staleness());
                       return absl::OkStatus();
                     });
}

grpc::Status RegistryServiceImpl::ListPossibleDuplicates(
    grpc::ServerContext* context, const v1::ListPossibleDuplicatesRequest* request,
    v1::ListPossibleDuplicatesResponse* response) {
  return gate_.Serve(context, *request, Method<v1::RegistryService>("ListPossibleDuplicates"),
                     [&](CallGate::Call& call) -> absl::Status {
                       FieldViolations bad;
                       if (FindDistrict(request->district_code()) == nullptr) {
                         bad.Add("district_code", "must be one of Harbin's 18 district codes");
                       }
                       if (request->page_size() < 0 || request->page_size() > 100) {
                         bad.Add("page_size", "must be 0 to 100");
                       }
                       std::optional<int64_t> resident;
                       if (!request->resident().empty()) {
                         resident = ParseNumericName("residents", request->resident());
                         if (!resident) bad.Add("resident", "must be residents/{id}, when given");
                       }
                       auto after = HexDecode(request->page_token());
                       if (!after.ok() || (!after->empty() && after->size() != 32)) {
                         bad.Add("page_token", "is not a token this service issued");
                       }
                       RETURN_IF_ERROR(bad.ToStatus());
                       call.set_resource(absl::StrCat("districts/", request->district_code()));
                       RETURN_IF_ERROR(RequireDistrict(call.caller(), request->district_code()));
                       ASSIGN_OR_RETURN(
                           auto page,
                           store_.ListPossibleDuplicates(
                               request->district_code(), *after,
                               request->page_size() == 0 ? 20 : request->page_size(), resident));
                       for (auto& group : page.groups) {
                         auto* out = response->add_groups();
                         for (auto& row : group) {
                           AddListed(call.caller(), row, out->mutable_residents(),
                                     out->mutable_unreadable_residents());
                         }
                       }
                       if (!page.last_hash.empty())
                         response->set_next_page_token(HexEncode(page.last_hash));
                       return absl::OkStatus();
                     });
}

grpc::Status RegistryServiceImpl::ImportResidents(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::ImportResidentsResponse, v1::ImportResidentsRequest>* stream) {
  return gate_.Serve(
      context, Method<v1::RegistryService>("ImportResidents"),
      [&](CallGate::Call& call) -> absl::Status {
        call.set_resource(ImportResource(call.caller()));
        ImportPipeline import(store_, call.caller(), Today(clock_));
        // Stores what is pending and tells the client how far the import is;
        // the last time (`last`), once all of it is stored, with `done` when
        // the whole list arrived.
        auto report = [&](bool last, bool done) -> absl::Status {
          RETURN_IF_ERROR(import.Flush(last));
          import.progress().set_done(done);
          if (!stream->Write(import.progress())) {
            return absl::CancelledError("the client went away");
          }
          import.progress().clear_errors();
          return absl::OkStatus();
        };
        v1::ImportResidentsRequest batch;
        std::optional<int64_t> declared;  // the client's last message says how many rows
        for (bool first = true; stream->Read(&batch); first = false) {
          // Each message after the first counts against the caller's rate.
          if (!first) RETURN_IF_ERROR(call.PaceMessage());
          if (declared) {
            RETURN_IF_ERROR(report(/*last=*/true, /*done=*/false));  // what arrived is stored
            return InvalidField("total_rows", "nothing may follow the last message");
          }
          if (batch.has_total_rows()) declared = batch.total_rows();
          if (batch.rows_size() > kMaxImportBatchRows) {
            return InvalidField("rows",
                                absl::StrCat("at most ", kMaxImportBatchRows, " rows per message"));
          }
          for (const v1::ImportRow& row : batch.rows()) import.AddRow(row);
          if (import.WantsFlush()) RETURN_IF_ERROR(report(/*last=*/false, /*done=*/false));
        }
        const absl::Status whole =
            CheckStreamEnd("total_rows", declared, import.progress().rows_received(), "rows");
        // The rows that did arrive are stored and reported either way; `done`
        // only when the whole list arrived.
        RETURN_IF_ERROR(report(/*last=*/true, /*done=*/whole.ok()));
        return whole;
      });
}

grpc::Status RegistryServiceImpl::ImportResidentRows(grpc::ServerContext* context,
                                                     const v1::ImportResidentRowsRequest* request,
                                                     v1::ImportResidentRowsResponse* response) {
  return gate_.Serve(context, *request, Method<v1::RegistryService>("ImportResidentRows"),
                     [&](CallGate::Call& call) -> absl::Status {
                       if (request->rows_size() < 1 || request->rows_size() > kMaxImportBatchRows) {
                         return InvalidField(
                             "rows", absl::StrCat("must hold 1 to ", kMaxImportBatchRows, " rows"));
                       }
                       call.set_resource(ImportResource(call.caller()));
                       ImportPipeline import(store_, call.caller(), Today(clock_));
                       for (const v1::ImportRow& row : request->rows()) {
                         import.AddRow(row);
                         if (import.WantsFlush()) RETURN_IF_ERROR(import.Flush(/*last=*/false));
                       }
                       RETURN_IF_ERROR(import.Flush(/*last=*/true));
                       v1::ImportResidentsResponse& progress = import.progress();
                       response->set_rows_received(progress.rows_received());
                       response->set_rows_stored(progress.rows_stored());
                       response->set_rows_already_registered(progress.rows_already_registered());
                       response->set_rows_rejected(progress.rows_rejected());
                       *response->mutable_errors() = std::move(*progress.mutable_errors());
                       return absl::OkStatus();
                     });
}

// A pregnancy is in progress from day zero to at most 300 days.
constexpr int kLongestPregnancyDays = 300;
constexpr size_t kMaxConsentDocument = 64;

absl::StatusOr<PregnancyRecord> ValidateNewPregnancy(const v1::RegisterPregnancyRequest& request,
                                                     absl::CivilDay today) {
  FieldViolations bad;
  if (!request.has_pregnancy()) {
    bad.Add("pregnancy", "is required");
    return bad.ToStatus();
  }
  const v1::Pregnancy& in = request.pregnancy();
  PregnancyRecord out;
  auto resident = ParseNumericName("residents", in.resident());
  if (!resident) bad.Add("pregnancy.resident", "must be residents/{id}");
  out.resident_id = resident.value_or(0);
  const bool by_lmp = !in.last_menstrual_period().empty();
  const bool by_ultrasound = !in.ultrasound_due_date().empty();
  if (by_lmp == by_ultrasound) {
    bad.Add("pregnancy.last_menstrual_period",
            "give the last menstrual period or the ultrasound due date (exactly one)");
  } else {
    const std::string field =
        by_lmp ? "pregnancy.last_menstrual_period" : "pregnancy.ultrasound_due_date";
    auto date = ParseDate(by_lmp ? in.last_menstrual_period() : in.ultrasound_due_date());
    if (!date) {
      bad.Add(field, "must be a real date, YYYY-MM-DD");
    } else {
      out.day_zero = by_lmp ? *date : DayZeroFromDueDate(*date);
      out.dated_by_ultrasound = by_ultrasound;
      if (out.day_zero > today) {
        bad.Add(field, "puts the start of the pregnancy in the future");
      } else if (today - out.day_zero > kLongestPregnancyDays) {
        bad.Add(field, absl::StrCat("puts the start of the pregnancy more than ",
                                    kLongestPregnancyDays, " days ago"));
      }
    }
  }
  if (in.fetuses() < 0 || in.fetuses() > 8)
    bad.Add("pregnancy.fetuses", "must be 1 to 8 (0 means 1)");
  out.fetuses = in.fetuses() == 0 ? 1 : in.fetuses();
  for (int c : in.contraindications()) {
    if (!v1::NiptContraindication_IsValid(c) || c == v1::NIPT_CONTRAINDICATION_UNSPECIFIED) {
      bad.Add("pregnancy.contraindications", "holds an unknown contraindication");
      break;
    }
    out.contraindications.insert(static_cast<v1::NiptContraindication>(c));
  }
  for (int c : in.cautions()) {
    if (!v1::NiptCaution_IsValid(c) || c == v1::NIPT_CAUTION_UNSPECIFIED) {
      bad.Add("pregnancy.cautions", "holds an unknown caution");
      break;
    }
    out.cautions.insert(static_cast<v1::NiptCaution>(c));
  }
  if (!in.consent_date().empty()) {
    out.consent_date = ParseDate(in.consent_date());
    if (!out.consent_date) {
      bad.Add("pregnancy.consent_date", "must be a real date, YYYY-MM-DD");
    } else if (*out.consent_date > today) {
      bad.Add("pregnancy.consent_date", "is in the future");
    }
  }
  if (in.consent_document().size() > kMaxConsentDocument) {
    bad.Add("pregnancy.consent_document",
            absl::StrCat("must be at most ", kMaxConsentDocument, " characters"));
  }
  out.consent_document = in.consent_document();
  if (!request.request_id().empty() && !IsValidRequestId(request.request_id())) {
    bad.Add("request_id", "must be 1 to 64 printable ASCII characters");
  }
  if (!bad.empty()) return bad.ToStatus();
  return out;
}

v1::Pregnancy PregnancyView(const PregnancyRecord& record, absl::CivilDay birth_date) {
  const PregnancyDates dates = DatePregnancy(record.day_zero);
  v1::Pregnancy p;
  p.set_name(MakeName("pregnancies", record.id));
  p.set_resident(MakeName("residents", record.resident_id));
  if (record.dated_by_ultrasound) {
    p.set_ultrasound_due_date(FormatDate(dates.due_date));
  } else {
    p.set_last_menstrual_period(FormatDate(record.day_zero));
  }
  p.set_fetuses(record.fetuses);
  for (auto c : record.contraindications) p.add_contraindications(c);
  for (auto c : NiptCautions(record.cautions, record.fetuses, birth_date, dates.due_date)) {
    p.add_cautions(c);
  }
  if (record.consent_date) p.set_consent_date(FormatDate(*record.consent_date));
  p.set_consent_document(record.consent_document);
  p.set_estimated_due_date(FormatDate(dates.due_date));
  p.set_nipt_window_start(FormatDate(dates.window_start));
  p.set_nipt_window_end(FormatDate(dates.window_end));
  for (const auto& reason : NiptContraindicationReasons(record.contraindications)) {
    auto* out = p.add_reasons();
    out->set_code(reason.code);
    out->set_message(reason.message);
  }
  p.set_nipt_applicable(p.reasons().empty());
  p.set_create_time(record.create_time);
  return p;
}

grpc::Status RegistryServiceImpl::RegisterPregnancy(grpc::ServerContext* context,
                                                    const v1::RegisterPregnancyRequest* request,
                                                    v1::Pregnancy* response) {
  return gate_.Serve(
      context, *request, Method<v1::RegistryService>("RegisterPregnancy"),
      [&](CallGate::Call& call) -> absl::Status {
        ASSIGN_OR_RETURN(PregnancyRecord record, ValidateNewPregnancy(*request, Today(clock_)));
        call.set_resource(request->pregnancy().resident());
        ASSIGN_OR_RETURN(v1::Resident resident, store_.Get(record.resident_id));
        RETURN_IF_ERROR(RequireDistrict(call.caller(), resident.district_code()));
        if (resident.sex() != v1::SEX_FEMALE) {
          return WithReason(
              absl::FailedPreconditionError(
                  "the ID number records this resident as male; NIPT is for pregnant women"),
              "NOT_FEMALE");
        }
        const absl::CivilDay birth = *ParseDate(resident.birth_date());
        ASSIGN_OR_RETURN(*response,
                         store_.AddPregnancy(*request, record, [&](const PregnancyRecord& stored) {
                           return PregnancyView(stored, birth);
                         }));
        call.set_resource(response->name());
        return absl::OkStatus();
      });
}

grpc::Status RegistryServiceImpl::GetPregnancy(grpc::ServerContext* context,
                                               const v1::GetPregnancyRequest* request,
                                               v1::Pregnancy* response) {
  return gate_.Serve(context, *request, Method<v1::RegistryService>("GetPregnancy"),
                     [&](CallGate::Call& call) -> absl::Status {
                       auto id = ParseNumericName("pregnancies", request->name());
                       if (!id) return InvalidField("name", "must be pregnancies/{id}");
                       call.set_resource(request->name());
                       ASSIGN_OR_RETURN(PregnancyRecord record, store_.GetPregnancy(*id));
                       ASSIGN_OR_RETURN(v1::Resident resident, store_.Get(record.resident_id));
                       RETURN_IF_ERROR(RequireDistrict(call.caller(), resident.district_code()));
                       *response = PregnancyView(record, *ParseDate(resident.birth_date()));
                       return absl::OkStatus();
                     });
}

grpc::Status RegistryServiceImpl::CheckEligibility(grpc::ServerContext* context,
                                                   const v1::CheckEligibilityRequest* request,
                                                   v1::CheckEligibilityResponse* response) {
  return gate_.Serve(
      context, *request, Method<v1::RegistryService>("CheckEligibility"),
      [&](CallGate::Call& call) -> absl::Status {
        FieldViolations bad;
        AddCheckEligibilityViolations(*request, "", bad);
        RETURN_IF_ERROR(bad.ToStatus());
        call.set_resource(request->resident());
        const int64_t id = *ParseNumericName("residents", request->resident());
        ASSIGN_OR_RETURN(auto residents, store_.GetEligibilityFacts({id}));
        if (residents.empty()) {
          return absl::NotFoundError(absl::StrCat(request->resident(), " does not exist"));
        }
        const v1::Resident& resident = residents.begin()->second;
        RETURN_IF_ERROR(RequireDistrict(call.caller(), resident.district_code()));
        return AnswerEligibility(store_, programmes_, *request, resident, response);
      });
}

}  // namespace screening::registry
