// The registry's SQL: residents in the `registry` schema, their ID number,
// name and phone sealed (AES-256-GCM) and the ID number findable only through
// its keyed hash.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/crypto.h"
#include "common/db.h"
#include "common/lagging_reads.h"
#include "common/request_log.h"
#include "screening/v1/registry.pb.h"
#include "services/registry/personal_data_keys.h"

namespace screening::registry {

// A pregnancy as stored: the facts; dates and cautions are derived (nipt.h).
struct PregnancyRecord {
  int64_t id = 0;
  int64_t resident_id = 0;
  absl::CivilDay day_zero;
  bool dated_by_ultrasound = false;
  int fetuses = 1;
  std::set<v1::NiptContraindication> contraindications;
  std::set<v1::NiptCaution> cautions;
  std::optional<absl::CivilDay> consent_date;
  std::string consent_document;
  std::string create_time;
};

class RegistryStore {
 public:
  // `standby`: where reads that may lag go (--read_database_url); null: the primary.
  RegistryStore(db::Pool& pool, const PersonalDataKeys& keys, db::Pool* standby = nullptr);

  // Stores a validated resident (canonical ID number, derived birth date and
  // sex already set) and returns it with its name. ALREADY_EXISTS (reason
  // RESIDENT_EXISTS, metadata `resident`) when the ID number is registered.
  // With a request_id, a retry returns the first answer.
  absl::StatusOr<v1::Resident> Register(const v1::RegisterResidentRequest& request,
                                        const v1::Resident& resident);

  // The residents of `ids` that exist, by id, in one read, with only what
  // eligibility needs (name, district, birth date, sex, residence kind,
  // history): no sealed field is read or opened.
  absl::StatusOr<std::map<int64_t, v1::Resident>> GetEligibilityFacts(
      const std::vector<int64_t>& ids);
  // NOT_FOUND when there is no such resident.
  absl::StatusOr<v1::Resident> Get(int64_t id);
  // The residents of `ids` that exist, by id, in one read.
  absl::StatusOr<std::map<int64_t, v1::Resident>> GetMany(const std::vector<int64_t>& ids);

  // Where to tell each resident of `ids` that exists: only the phone is
  // opened. A phone that cannot be opened is an error for the whole call.
  struct ContactFacts {
    std::string phone;
    bool sms_declined = false;
  };
  absl::StatusOr<std::map<int64_t, ContactFacts>> GetContacts(const std::vector<int64_t>& ids);

  // Which fields UpdateContact changes.
  struct Changes {
    std::optional<std::string> phone;
    std::optional<v1::ResidenceKind> residence_kind;
    std::optional<bool> digestive_cancer_history;
    std::optional<bool> sms_declined;
  };
  // NOT_FOUND when there is no such resident. `check` runs on the stored
  // resident first (a scope check) and its error stops the update.
  absl::StatusOr<v1::Resident> Update(
      int64_t id, const Changes& changes,
      const std::function<absl::Status(const v1::Resident&)>& check);

  // A listed row: the resident, or why its sealed fields cannot be opened
  // (a list reports such a row rather than failing whole).
  struct Listed {
    int64_t id;
    absl::StatusOr<v1::Resident> resident;
  };
  // Residents of a district with ids above `after_id`, by id; one more than
  // `limit` tells the caller another page follows. Read where reads may lag
  // (a standby when one is configured; Staleness says how far behind).
  absl::StatusOr<std::vector<Listed>> ListByDistrict(const std::string& district_code,
                                                     int64_t after_id, int limit);
  absl::StatusOr<absl::Duration> Staleness() { return reads_.Staleness(db::Freshness::kMayLag); }

  // Validated residents, sealed and hashed for the database (CPU only, no
  // connection held), ready for StoreImportBatch.
  struct SealedBatch {
    struct Row {
      std::string id_hash, id_number, full_name, phone, person_hash;  // raw bytes
      const v1::Resident* resident;
      std::vector<std::string> id_hashes;  // under every lookup key, id_hash first
    };
    std::vector<Row> rows;
  };
  SealedBatch SealImportBatch(const std::vector<v1::Resident>& residents) const;

  // Stores a sealed batch in bulk: finds which ID numbers are registered
  // already, then COPYs the rest straight into the table. Returns how many
  // were new. If a concurrent registration wins a race for one of them, the
  // batch goes again through a session table and an INSERT that skips what
  // is registered by then.
  absl::StatusOr<int64_t> StoreImportBatch(const SealedBatch& batch);

  // Groups of residents of `district_code` sharing a person hash, groups
  // ordered by hash, after `after_hash` (raw bytes, "" for the start).
  struct DuplicatePage {
    std::vector<std::vector<Listed>> groups;
    std::string last_hash;  // set when more may follow
  };
  // `resident`: only her group, if she has one.
  absl::StatusOr<DuplicatePage> ListPossibleDuplicates(const std::string& district_code,
                                                       const std::string& after_hash, int groups,
                                                       std::optional<int64_t> resident);

  // Stores a pregnancy unless its NIPT window overlaps one of the resident's
  // pregnancies (ALREADY_EXISTS, reason PREGNANCY_EXISTS). With a
  // request_id, a retry returns the first answer (`respond` makes the
  // answer from the stored record).
  absl::StatusOr<v1::Pregnancy> AddPregnancy(
      const v1::RegisterPregnancyRequest& request, const PregnancyRecord& pregnancy,
      const std::function<v1::Pregnancy(const PregnancyRecord&)>& respond);

  // NOT_FOUND when there is no such pregnancy.
  absl::StatusOr<PregnancyRecord> GetPregnancy(int64_t id);

  // The resident's pregnancies, oldest first.
  absl::StatusOr<std::vector<PregnancyRecord>> ListPregnancies(int64_t resident_id);

  // By canonical ID number, through its keyed hash. NOT_FOUND when unknown.
  absl::StatusOr<v1::Resident> FindByIdNumber(const std::string& canonical_id_number);

 private:
  absl::StatusOr<v1::Resident> FromRow(const pqxx::row& row) const;

  db::Pool& pool_;
  db::LaggingReads reads_;
  const PersonalDataKeys& keys_;
  db::RequestLog requests_;
};

}  // namespace screening::registry
