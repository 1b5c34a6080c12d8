// The registry's SQL: residents in the `registry` schema, their ID number,
// name and phone sealed (AES-256-GCM) and the ID number findable only through
// its keyed hash.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/crypto.h"
#include "common/db.h"
#include "common/request_log.h"
#include "screening/v1/registry.pb.h"

namespace screening::registry {

// The secrets of personal data at rest.
struct PersonalDataKeys {
  DataKeys data;           // seals ID number, name and phone
  std::string lookup_key;  // HMAC key of the ID-number hash (raw bytes)
};

class RegistryStore {
 public:
  RegistryStore(db::Pool& pool, const PersonalDataKeys& keys);

  // Stores a validated resident (canonical ID number, derived birth date and
  // sex already set) and returns it with its name. ALREADY_EXISTS (reason
  // RESIDENT_EXISTS, metadata `resident`) when the ID number is registered.
  // With a request_id, a retry returns the first answer.
  absl::StatusOr<v1::Resident> Register(const v1::RegisterResidentRequest& request,
                                        const v1::Resident& resident);

  // NOT_FOUND when there is no such resident.
  absl::StatusOr<v1::Resident> Get(int64_t id);

  // Which fields UpdateContact changes.
  struct Changes {
    std::optional<std::string> phone;
    std::optional<v1::ResidenceKind> residence_kind;
    std::optional<bool> digestive_cancer_history;
  };
  // NOT_FOUND when there is no such resident. `check` runs on the stored
  // resident first (a scope check) and its error stops the update.
  absl::StatusOr<v1::Resident> Update(
      int64_t id, const Changes& changes,
      const std::function<absl::Status(const v1::Resident&)>& check);

  // Residents of a district with ids above `after_id`, by id; one more than
  // `limit` tells the caller another page follows.
  absl::StatusOr<std::vector<v1::Resident>> ListByDistrict(const std::string& district_code,
                                                           int64_t after_id, int limit);

  // By canonical ID number, through its keyed hash. NOT_FOUND when unknown.
  absl::StatusOr<v1::Resident> FindByIdNumber(const std::string& canonical_id_number);

 private:
  absl::StatusOr<v1::Resident> FromRow(const pqxx::row& row) const;

  db::Pool& pool_;
  const PersonalDataKeys& keys_;
  db::RequestLog requests_;
};

}  // namespace screening::registry
