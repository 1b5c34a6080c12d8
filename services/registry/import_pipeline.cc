#include "services/registry/import_pipeline.h"

#include "common/call_deadline.h"
#include "common/errors.h"
#include "common/field_limits.h"
#include "common/status_macros.h"
#include "services/registry/registry_service.h"

namespace screening::registry {
namespace {

// Rows stored per transaction: big enough for COPY to pay, small enough
// that progress arrives while a large list is imported.
constexpr size_t kImportFlushRows = 5000;
// Errors reported per message, at most about this many.
constexpr int kErrorsPerMessage = 1000;

}  // namespace

ImportPipeline::ImportPipeline(RegistryStore& store, const Caller& caller, absl::CivilDay today)
    : store_(store), caller_(caller), today_(today) {}

ImportPipeline::~ImportPipeline() {
  // Never leave a batch storing after the call ends.
  if (in_flight_) in_flight_->stored.wait();
}

void ImportPipeline::AddRow(const v1::ImportRow& row) {
  progress_.set_rows_received(progress_.rows_received() + 1);
  v1::RegisterResidentRequest one;
  *one.mutable_resident() = row.resident();
  const absl::Status fits = CheckFieldLimits(row.resident(), "resident");
  absl::StatusOr<v1::Resident> resident =
      fits.ok() ? ValidateNewResident(one, today_) : absl::StatusOr<v1::Resident>(fits);
  if (resident.ok() && !RequireDistrict(caller_, resident->district_code()).ok()) {
    resident = InvalidField("resident.district_code", "is not this clinic's district");
  }
  if (resident.ok()) {
    pending_.push_back(*std::move(resident));
    return;
  }
  progress_.set_rows_rejected(progress_.rows_rejected() + 1);
  const google::rpc::BadRequest details =
      GetBadRequest(resident.status()).value_or(google::rpc::BadRequest());
  for (const auto& v : details.field_violations()) {
    v1::ImportRowError* error = progress_.add_errors();
    error->set_row_number(row.row_number());
    error->set_field(v.field());
    error->set_reason(v.description());
  }
}

bool ImportPipeline::WantsFlush() const {
  return pending_.size() >= kImportFlushRows || progress_.errors_size() >= kErrorsPerMessage;
}

absl::Status ImportPipeline::Settle() {
  if (!in_flight_) return absl::OkStatus();
  absl::StatusOr<int64_t> stored = in_flight_->stored.get();
  const int64_t rows = static_cast<int64_t>(in_flight_->residents.size());
  in_flight_.reset();
  RETURN_IF_ERROR(stored.status());
  progress_.set_rows_stored(progress_.rows_stored() + *stored);
  progress_.set_rows_already_registered(progress_.rows_already_registered() + rows - *stored);
  return absl::OkStatus();
}

absl::Status ImportPipeline::Flush(bool last) {
  if (!pending_.empty()) {
    auto next = std::make_unique<InFlight>();
    next->residents = std::move(pending_);
    pending_.clear();
    next->sealed = store_.SealImportBatch(next->residents);
    RETURN_IF_ERROR(Settle());
    in_flight_ = std::move(next);
    // The call's deadline is this thread's; the storing thread gets it too.
    in_flight_->stored = std::async(
        std::launch::async, [this, batch = &in_flight_->sealed, deadline = CurrentCallDeadline()] {
          ScopedCallDeadline scoped(deadline);
          return store_.StoreImportBatch(*batch);
        });
  }
  if (last) RETURN_IF_ERROR(Settle());
  return absl::OkStatus();
}

}  // namespace screening::registry
