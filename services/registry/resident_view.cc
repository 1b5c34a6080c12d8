#include "services/registry/resident_view.h"

#include "services/registry/id_number.h"

namespace screening::registry {
namespace {

// 139****0000: enough to confirm a number with the resident, not to call it.
std::string MaskPhone(const std::string& phone) {
  if (phone.size() != 11) return phone.empty() ? "" : "***";
  return phone.substr(0, 3) + "****" + phone.substr(7);
}

}  // namespace

void RedactResident(const Caller& caller, v1::Resident& resident) {
  switch (caller.role) {
    case Role::kClinic:
    case Role::kDeveloper:
      return;
    case Role::kHospital:
    case Role::kService:
      resident.set_id_number(MaskIdNumber(resident.id_number()));
      resident.set_phone(MaskPhone(resident.phone()));
      return;
    case Role::kCommission:
    case Role::kAdmin:
      resident.clear_id_number();
      resident.clear_id_division_code();
      resident.clear_full_name();
      resident.clear_phone();
      return;
  }
}

}  // namespace screening::registry
