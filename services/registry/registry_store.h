// The registry's SQL: residents in the `registry` schema.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/db.h"
#include "common/request_log.h"
#include "screening/v1/registry.pb.h"

namespace screening::registry {

class RegistryStore {
 public:
  explicit RegistryStore(db::Pool& pool);

  // Stores a validated resident (canonical ID number, derived birth date and
  // sex already set) and returns it with its name. ALREADY_EXISTS (reason
  // RESIDENT_EXISTS, metadata `resident`) when the ID number is registered.
  // With a request_id, a retry returns the first answer.
  absl::StatusOr<v1::Resident> Register(const v1::RegisterResidentRequest& request,
                                        const v1::Resident& resident);

  // NOT_FOUND when there is no such resident.
  absl::StatusOr<v1::Resident> Get(int64_t id);

 private:
  db::Pool& pool_;
  db::RequestLog requests_{"registry"};
};

}  // namespace screening::registry
