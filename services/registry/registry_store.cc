#include "services/registry/registry_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "services/registry/id_number.h"

namespace screening::registry {
namespace {

constexpr char kColumns[] =
    "id, id_number_sealed, full_name_sealed, phone_sealed, district_code, birth_date::text, sex,"
    " to_char(create_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
    " residence_kind, digestive_cancer_history, sms_declined";

// The column after kColumns in the duplicate-groups query.
constexpr int kPersonHashColumn = 11;

constexpr char kPregnancyColumns[] =
    "id, resident_id, day_zero::text, dated_by_ultrasound, fetuses, contraindications::text,"
    " cautions::text, consent_date::text, consent_document,"
    " to_char(create_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

// {1,3} ⇄ a set of enum values.
template <typename Enum>
std::string ToArray(const std::set<Enum>& values) {
  std::vector<std::string> parts;
  for (Enum v : values) parts.push_back(absl::StrCat(static_cast<int>(v)));
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

template <typename Enum>
std::set<Enum> FromArray(std::string text) {
  std::set<Enum> values;
  if (text.size() < 2) return values;
  for (absl::string_view part :
       absl::StrSplit(text.substr(1, text.size() - 2), ',', absl::SkipEmpty())) {
    int v = 0;
    if (absl::SimpleAtoi(part, &v)) values.insert(static_cast<Enum>(v));
  }
  return values;
}

PregnancyRecord PregnancyFromRow(const pqxx::row& row) {
  PregnancyRecord p;
  p.id = row[0].as<int64_t>();
  p.resident_id = row[1].as<int64_t>();
  p.day_zero = *ParseDate(row[2].as<std::string>());
  p.dated_by_ultrasound = row[3].as<bool>();
  p.fetuses = row[4].as<int>();
  p.contraindications = FromArray<v1::NiptContraindication>(row[5].as<std::string>());
  p.cautions = FromArray<v1::NiptCaution>(row[6].as<std::string>());
  if (!row[7].is_null()) p.consent_date = ParseDate(row[7].as<std::string>());
  p.consent_document = row[8].as<std::string>();
  p.create_time = row[9].as<std::string>();
  return p;
}

}  // namespace

RegistryStore::RegistryStore(db::Pool& pool, const PersonalDataKeys& keys, db::Pool* standby)
    : pool_(pool), reads_(pool, standby), keys_(keys), requests_("registry", &keys.data) {
  pool_.AddPreparer(requests_.Statements());
  db::Preparer statements = [](pqxx::connection_base& c) {
    c.prepare("registry_insert_resident",
              absl::StrCat("INSERT INTO registry.residents (id_hash, id_number_sealed,"
                           " full_name_sealed, phone_sealed, district_code, birth_date, sex,"
                           " residence_kind, digestive_cancer_history, person_hash,"
                           " sms_declined)"
                           " SELECT $1::bytea, $2::bytea, $3::bytea, $4::bytea, $5::text,"
                           " $6::date, $7::smallint, $8::smallint, $9::boolean, $10::bytea,"
                           " $12::boolean"
                           // Registered under an earlier lookup key, not yet re-hashed.
                           " WHERE NOT EXISTS (SELECT 1 FROM registry.residents"
                           "  WHERE id_hash = ANY($11::bytea[]))"
                           " ON CONFLICT (id_hash) DO NOTHING RETURNING ",
                           kColumns));
    c.prepare("registry_find_by_hash",
              absl::StrCat("SELECT ", kColumns,
                           " FROM registry.residents WHERE id_hash = ANY($1::bytea[])"));
    c.prepare(
        "registry_lock_resident",
        absl::StrCat("SELECT ", kColumns, " FROM registry.residents WHERE id = $1 FOR UPDATE"));
    // A NULL parameter leaves its column as it is.
    c.prepare(
        "registry_update_resident",
        absl::StrCat("UPDATE registry.residents SET"
                     " phone_sealed = coalesce(decode($2, 'hex'), phone_sealed),"
                     " residence_kind = coalesce($3::smallint, residence_kind),"
                     " digestive_cancer_history = coalesce($4::boolean, digestive_cancer_history),"
                     " person_hash = decode($5, 'hex'),"
                     " sms_declined = coalesce($6::boolean, sms_declined)"
                     " WHERE id = $1 RETURNING ",
                     kColumns));
    c.prepare("registry_list_district",
              absl::StrCat("SELECT ", kColumns,
                           " FROM registry.residents"
                           " WHERE district_code = $1 AND id > $2 ORDER BY id LIMIT $3"));
    c.prepare("registry_lock_resident_id",
              "SELECT id FROM registry.residents WHERE id = $1 FOR UPDATE");
    // Windows [day_zero + 84, day_zero + 160] overlap when the days zero are
    // fewer than 77 days apart.
    c.prepare("registry_overlapping_pregnancy",
              "SELECT id FROM registry.pregnancies WHERE resident_id = $1"
              " AND abs(day_zero - $2::date) <= 76 LIMIT 1");
    c.prepare("registry_insert_pregnancy",
              absl::StrCat("INSERT INTO registry.pregnancies (resident_id, day_zero,"
                           " dated_by_ultrasound, fetuses, contraindications, cautions,"
                           " consent_date, consent_document) VALUES ($1, $2::date, $3, $4,"
                           " $5::smallint[], $6::smallint[], $7::date, $8) RETURNING ",
                           kPregnancyColumns));
    c.prepare("registry_get_pregnancy", absl::StrCat("SELECT ", kPregnancyColumns,
                                                     " FROM registry.pregnancies WHERE id = $1"));
    c.prepare("registry_list_pregnancies",
              absl::StrCat("SELECT ", kPregnancyColumns,
                           " FROM registry.pregnancies WHERE resident_id = $1 ORDER BY day_zero"));
    c.prepare("registry_duplicate_groups",
              absl::StrCat("SELECT ", kColumns,
                           ", person_hash FROM registry.residents"
                           " WHERE district_code = $1 AND person_hash IN ("
                           "  SELECT person_hash FROM registry.residents"
                           "  WHERE district_code = $1 AND person_hash IS NOT NULL"
                           "  AND person_hash > decode($2, 'hex')"
                           "  AND ($4::bigint IS NULL OR person_hash ="
                           "   (SELECT person_hash FROM registry.residents WHERE id = $4))"
                           "  GROUP BY person_hash HAVING count(*) > 1"
                           "  ORDER BY person_hash LIMIT $3)"
                           " ORDER BY person_hash, id"));
    c.prepare("registry_registered_hashes",
              "SELECT id_hash FROM registry.residents WHERE id_hash = ANY($1::bytea[])");
    c.prepare("registry_get_resident",
              absl::StrCat("SELECT ", kColumns, " FROM registry.residents WHERE id = $1"));
    c.prepare("registry_get_residents",
              absl::StrCat("SELECT ", kColumns,
                           " FROM registry.residents WHERE id = ANY ($1::bigint[])"));
    c.prepare("registry_contacts",
              "SELECT id, phone_sealed, sms_declined FROM registry.residents"
              " WHERE id = ANY ($1::bigint[])");
    c.prepare("registry_eligibility_facts",
              "SELECT id, district_code, birth_date::text, sex, residence_kind,"
              " digestive_cancer_history FROM registry.residents WHERE id = ANY ($1::bigint[])");
  };
  pool_.AddPreparer(statements);
  if (standby != nullptr) standby->AddPreparer(statements);
}

absl::StatusOr<v1::Resident> RegistryStore::FromRow(const pqxx::row& row) const {
  v1::Resident r;
  r.set_name(MakeName("residents", row[0].as<int64_t>()));
  auto id_number = keys_.data.Open(pqxx::binarystring(row[1]).str());
  auto full_name = keys_.data.Open(pqxx::binarystring(row[2]).str());
  auto phone = keys_.data.Open(pqxx::binarystring(row[3]).str());
  for (const auto* opened : {&id_number, &full_name, &phone}) {
    if (!opened->ok()) return opened->status();
  }
  r.set_id_number(*id_number);
  r.set_full_name(*full_name);
  r.set_phone(*phone);
  r.set_district_code(row[4].as<std::string>());
  r.set_birth_date(row[5].as<std::string>());
  r.set_sex(static_cast<v1::Sex>(row[6].as<int>()));
  r.set_create_time(row[7].as<std::string>());
  r.set_residence_kind(static_cast<v1::ResidenceKind>(row[8].as<int>()));
  r.set_digestive_cancer_history(row[9].as<bool>());
  r.set_sms_declined(row[10].as<bool>());
  r.set_id_division_code(std::string(CurrentDivisionCode(r.id_number().substr(0, 6))));
  return r;
}

absl::StatusOr<v1::Resident> RegistryStore::Register(const v1::RegisterResidentRequest& request,
                                                     const v1::Resident& resident) {
  const std::vector<std::string> id_hashes = keys_.IdHashes(resident.id_number());
  const std::vector<std::string> previous(id_hashes.begin() + 1, id_hashes.end());
  return db::Transact<v1::Resident>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Resident> {
    const bool logged = !request.request_id().empty();
    if (logged) {
      auto prior =
          requests_.ClaimAs<v1::Resident>(tx, request.request_id(), "RegisterResident", request);
      if (!prior.ok()) return prior.status();
      if (*prior) return **prior;
    }
    pqxx::result inserted = tx.exec_prepared(
        "registry_insert_resident", pqxx::binarystring(id_hashes.front()),
        pqxx::binarystring(keys_.data.Seal(resident.id_number())),
        pqxx::binarystring(keys_.data.Seal(resident.full_name())),
        pqxx::binarystring(keys_.data.Seal(resident.phone())), resident.district_code(),
        resident.birth_date(), static_cast<int>(resident.sex()),
        static_cast<int>(resident.residence_kind()), resident.digestive_cancer_history(),
        pqxx::binarystring(keys_.PersonHash(resident)), db::PgByteaArray(previous),
        resident.sms_declined());
    if (inserted.empty()) {
      pqxx::result existing =
          tx.exec_prepared("registry_find_by_hash", db::PgByteaArray(id_hashes));
      const std::string name =
          existing.empty() ? "" : MakeName("residents", existing[0][0].as<int64_t>());
      return WithReason(
          absl::AlreadyExistsError(absl::StrCat("this ID number is already registered as ", name)),
          "RESIDENT_EXISTS", {{"resident", name}});
    }
    auto stored = FromRow(inserted[0]);
    if (!stored.ok()) return stored.status();
    if (logged) requests_.Save(tx, request.request_id(), *stored);
    return stored;
  });
}

absl::StatusOr<std::map<int64_t, RegistryStore::ContactFacts>> RegistryStore::GetContacts(
    const std::vector<int64_t>& ids) {
  using Contacts = std::map<int64_t, ContactFacts>;
  return db::AutoCommit<Contacts>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Contacts> {
    Contacts contacts;
    for (const auto& row : tx.exec_prepared("registry_contacts", db::PgArray(ids))) {
      auto phone = keys_.data.Open(pqxx::binarystring(row[1]).str());
      if (!phone.ok()) return phone.status();
      contacts[row[0].as<int64_t>()] = {*phone, row[2].as<bool>()};
    }
    return contacts;
  });
}

absl::StatusOr<v1::Resident> RegistryStore::Get(int64_t id) {
  // One read: no transaction needed (every booking asks this).
  return db::AutoCommit<v1::Resident>(
      pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<v1::Resident> {
        pqxx::result rows = tx.exec_prepared("registry_get_resident", id);
        if (rows.empty()) {
          return absl::NotFoundError(absl::StrCat(MakeName("residents", id), " does not exist"));
        }
        return FromRow(rows[0]);
      });
}

absl::StatusOr<std::map<int64_t, v1::Resident>> RegistryStore::GetMany(
    const std::vector<int64_t>& ids) {
  using Residents = std::map<int64_t, v1::Resident>;
  return db::AutoCommit<Residents>(
      pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Residents> {
        Residents residents;
        for (const auto& row : tx.exec_prepared("registry_get_residents", db::PgArray(ids))) {
          ASSIGN_OR_RETURN(v1::Resident resident, FromRow(row));
          residents[row[0].as<int64_t>()] = std::move(resident);
        }
        return residents;
      });
}

absl::StatusOr<std::map<int64_t, v1::Resident>> RegistryStore::GetEligibilityFacts(
    const std::vector<int64_t>& ids) {
  using Residents = std::map<int64_t, v1::Resident>;
  return db::AutoCommit<Residents>(
      pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Residents> {
        Residents found;
        for (const auto& row : tx.exec_prepared("registry_eligibility_facts", db::PgArray(ids))) {
          v1::Resident r;
          const int64_t id = row[0].as<int64_t>();
          r.set_name(MakeName("residents", id));
          r.set_district_code(row[1].as<std::string>());
          r.set_birth_date(row[2].as<std::string>());
          r.set_sex(static_cast<v1::Sex>(row[3].as<int>()));
          r.set_residence_kind(static_cast<v1::ResidenceKind>(row[4].as<int>()));
          r.set_digestive_cancer_history(row[5].as<bool>());
          found.emplace(id, std::move(r));
        }
        return found;
      });
}

absl::StatusOr<v1::Resident> RegistryStore::Update(
    int64_t id, const Changes& changes,
    const std::function<absl::Status(const v1::Resident&)>& check) {
  const std::string kind =
      changes.residence_kind ? absl::StrCat(static_cast<int>(*changes.residence_kind)) : "";
  auto flag = [](const std::optional<bool>& value) -> const char* {
    return value ? (*value ? "true" : "false") : nullptr;  // NULL leaves the column
  };
  return db::Transact<v1::Resident>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Resident> {
    pqxx::result rows = tx.exec_prepared("registry_lock_resident", id);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat(MakeName("residents", id), " does not exist"));
    }
    auto current = FromRow(rows[0]);
    if (!current.ok()) return current.status();
    if (absl::Status allowed = check(*current); !allowed.ok()) return allowed;
    const std::string phone = changes.phone ? HexEncode(keys_.data.Seal(*changes.phone)) : "";
    v1::Resident changed = *current;
    if (changes.phone) changed.set_phone(*changes.phone);
    pqxx::result updated = tx.exec_prepared(
        "registry_update_resident", id, changes.phone ? phone.c_str() : nullptr,
        changes.residence_kind ? kind.c_str() : nullptr, flag(changes.digestive_cancer_history),
        HexEncode(keys_.PersonHash(changed)), flag(changes.sms_declined));
    return FromRow(updated[0]);
  });
}

absl::StatusOr<std::vector<RegistryStore::Listed>> RegistryStore::ListByDistrict(
    const std::string& district_code, int64_t after_id, int limit) {
  using Residents = std::vector<Listed>;
  return reads_.AutoCommit<Residents>(
      db::Freshness::kMayLag, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Residents> {
        Residents residents;
        for (const auto& row :
             tx.exec_prepared("registry_list_district", district_code, after_id, limit)) {
          residents.push_back({row[0].as<int64_t>(), FromRow(row)});
        }
        return residents;
      });
}

RegistryStore::SealedBatch RegistryStore::SealImportBatch(
    const std::vector<v1::Resident>& residents) const {
  SealedBatch batch;
  batch.rows.reserve(residents.size());
  std::set<std::string> seen;  // one row per ID number within the batch
  for (const v1::Resident& r : residents) {
    std::vector<std::string> id_hashes = keys_.IdHashes(r.id_number());
    if (!seen.insert(id_hashes.front()).second) continue;
    batch.rows.push_back({id_hashes.front(), keys_.data.Seal(r.id_number()),
                          keys_.data.Seal(r.full_name()), keys_.data.Seal(r.phone()),
                          keys_.PersonHash(r), &r, std::move(id_hashes)});
  }
  return batch;
}

absl::StatusOr<int64_t> RegistryStore::StoreImportBatch(const SealedBatch& batch) {
  if (batch.rows.empty()) return 0;
  auto bytea = [](const std::string& bytes) { return absl::StrCat("\\x", HexEncode(bytes)); };
  const std::vector<std::string> columns = {
      "id_hash",      "id_number_sealed", "full_name_sealed",
      "phone_sealed", "district_code",    "birth_date",
      "sex",          "residence_kind",   "digestive_cancer_history",
      "person_hash"};
  // Residents are never deleted: an ID number found registered (under any
  // lookup key) stays registered, in this transaction and the next.
  std::set<std::string> registered;
  auto is_registered = [&](const SealedBatch::Row& row) {
    for (const std::string& hash : row.id_hashes) {
      if (registered.count(hash)) return true;
    }
    return false;
  };
  auto copy_rows = [&](pqxx::work& tx, const std::string& table) {
    pqxx::stream_to copy(tx, table, columns);
    int64_t copied = 0;
    for (const auto& row : batch.rows) {
      if (is_registered(row)) continue;
      const v1::Resident& r = *row.resident;
      copy << std::make_tuple(bytea(row.id_hash), bytea(row.id_number), bytea(row.full_name),
                              bytea(row.phone), r.district_code(), r.birth_date(),
                              static_cast<int>(r.sex()), static_cast<int>(r.residence_kind()),
                              r.digestive_cancer_history(), bytea(row.person_hash));
      ++copied;
    }
    copy.complete();
    return copied;
  };
  // Fast path: leave out the ID numbers registered already and COPY the rest
  // straight into the table.
  std::vector<std::string> all_hashes;
  for (const auto& row : batch.rows) {
    all_hashes.insert(all_hashes.end(), row.id_hashes.begin(), row.id_hashes.end());
  }
  const std::string hashes = db::PgByteaArray(all_hashes);
  bool raced = false;
  auto stored = db::Transact<int64_t>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    for (const auto& row : tx.exec_prepared("registry_registered_hashes", hashes)) {
      registered.insert(pqxx::binarystring(row[0]).str());
    }
    try {
      return copy_rows(tx, "registry.residents");
    } catch (const pqxx::sql_error&) {
      // A registration of one of these people committed meanwhile.
      raced = true;
      return absl::AbortedError("a row was registered meanwhile");
    }
  });
  if (!raced) return stored;
  // Slow path, race-proof: COPY into a session table, then one INSERT that
  // skips whatever is registered by then.
  return db::Transact<int64_t>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    tx.exec(
        "CREATE TEMP TABLE IF NOT EXISTS registry_import (id_hash bytea, id_number_sealed bytea,"
        " full_name_sealed bytea, phone_sealed bytea, district_code text, birth_date date,"
        " sex smallint, residence_kind smallint, digestive_cancer_history boolean,"
        " person_hash bytea) ON COMMIT DELETE ROWS");
    copy_rows(tx, "registry_import");
    pqxx::result inserted = tx.exec(
        "INSERT INTO registry.residents (id_hash, id_number_sealed, full_name_sealed,"
        " phone_sealed, district_code, birth_date, sex, residence_kind,"
        " digestive_cancer_history, person_hash)"
        " SELECT id_hash, id_number_sealed, full_name_sealed, phone_sealed, district_code,"
        " birth_date, sex, residence_kind, digestive_cancer_history, person_hash"
        " FROM registry_import ON CONFLICT (id_hash) DO NOTHING");
    return static_cast<int64_t>(inserted.affected_rows());
  });
}

absl::StatusOr<RegistryStore::DuplicatePage> RegistryStore::ListPossibleDuplicates(
    const std::string& district_code, const std::string& after_hash, int groups,
    std::optional<int64_t> resident) {
  return db::Transact<DuplicatePage>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<DuplicatePage> {
    DuplicatePage page;
    std::string current;
    // One more group than asked tells whether another page follows.
    for (const auto& row : tx.exec_prepared("registry_duplicate_groups", district_code,
                                            HexEncode(after_hash), groups + 1, resident)) {
      const std::string hash = pqxx::binarystring(row[kPersonHashColumn]).str();
      if (page.groups.empty() || hash != current) {
        if (static_cast<int>(page.groups.size()) == groups) {
          page.last_hash = current;
          break;
        }
        page.groups.emplace_back();
        current = hash;
      }
      page.groups.back().push_back({row[0].as<int64_t>(), FromRow(row)});
    }
    return page;
  });
}

absl::StatusOr<v1::Pregnancy> RegistryStore::AddPregnancy(
    const v1::RegisterPregnancyRequest& request, const PregnancyRecord& pregnancy,
    const std::function<v1::Pregnancy(const PregnancyRecord&)>& respond) {
  const std::string consent = pregnancy.consent_date ? FormatDate(*pregnancy.consent_date) : "";
  return db::Transact<v1::Pregnancy>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Pregnancy> {
    const bool logged = !request.request_id().empty();
    if (logged) {
      auto prior =
          requests_.ClaimAs<v1::Pregnancy>(tx, request.request_id(), "RegisterPregnancy", request);
      if (!prior.ok()) return prior.status();
      if (*prior) return **prior;
    }
    // One registration at a time per resident, so overlap checks cannot race.
    if (tx.exec_prepared("registry_lock_resident_id", pregnancy.resident_id).empty()) {
      return absl::NotFoundError(
          absl::StrCat(MakeName("residents", pregnancy.resident_id), " does not exist"));
    }
    pqxx::result overlap = tx.exec_prepared("registry_overlapping_pregnancy", pregnancy.resident_id,
                                            FormatDate(pregnancy.day_zero));
    if (!overlap.empty()) {
      const std::string existing = MakeName("pregnancies", overlap[0][0].as<int64_t>());
      return WithReason(
          absl::AlreadyExistsError(absl::StrCat("the resident's pregnancy ", existing,
                                                " is registered for an overlapping NIPT window")),
          "PREGNANCY_EXISTS", {{"pregnancy", existing}});
    }
    pqxx::result inserted = tx.exec_prepared(
        "registry_insert_pregnancy", pregnancy.resident_id, FormatDate(pregnancy.day_zero),
        pregnancy.dated_by_ultrasound, pregnancy.fetuses, ToArray(pregnancy.contraindications),
        ToArray(pregnancy.cautions), pregnancy.consent_date ? consent.c_str() : nullptr,
        pregnancy.consent_document);
    v1::Pregnancy answer = respond(PregnancyFromRow(inserted[0]));
    if (logged) requests_.Save(tx, request.request_id(), answer);
    return answer;
  });
}

absl::StatusOr<PregnancyRecord> RegistryStore::GetPregnancy(int64_t id) {
  return db::Transact<PregnancyRecord>(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<PregnancyRecord> {
        pqxx::result rows = tx.exec_prepared("registry_get_pregnancy", id);
        if (rows.empty()) {
          return absl::NotFoundError(absl::StrCat(MakeName("pregnancies", id), " does not exist"));
        }
        return PregnancyFromRow(rows[0]);
      });
}

absl::StatusOr<std::vector<PregnancyRecord>> RegistryStore::ListPregnancies(int64_t resident_id) {
  using Records = std::vector<PregnancyRecord>;
  return db::Transact<Records>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Records> {
    Records records;
    for (const auto& row : tx.exec_prepared("registry_list_pregnancies", resident_id)) {
      records.push_back(PregnancyFromRow(row));
    }
    return records;
  });
}

absl::StatusOr<v1::Resident> RegistryStore::FindByIdNumber(const std::string& canonical_id_number) {
  const std::string id_hashes = db::PgByteaArray(keys_.IdHashes(canonical_id_number));
  return db::Transact<v1::Resident>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Resident> {
    pqxx::result rows = tx.exec_prepared("registry_find_by_hash", id_hashes);
    if (rows.empty()) return absl::NotFoundError("no resident has this ID number");
    return FromRow(rows[0]);
  });
}

}  // namespace screening::registry
