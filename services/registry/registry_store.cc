#include "services/registry/registry_store.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/names.h"

namespace screening::registry {
namespace {

constexpr char kColumns[] =
    "id, id_number, full_name, phone, district_code, birth_date::text, sex,"
    " to_char(create_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

v1::Resident FromRow(const pqxx::row& row) {
  v1::Resident r;
  r.set_name(MakeName("residents", row[0].as<int64_t>()));
  r.set_id_number(row[1].as<std::string>());
  r.set_full_name(row[2].as<std::string>());
  r.set_phone(row[3].as<std::string>());
  r.set_district_code(row[4].as<std::string>());
  r.set_birth_date(row[5].as<std::string>());
  r.set_sex(static_cast<v1::Sex>(row[6].as<int>()));
  r.set_create_time(row[7].as<std::string>());
  return r;
}

}  // namespace

RegistryStore::RegistryStore(db::Pool& pool) : pool_(pool) {
  pool_.AddPreparer(requests_.Statements());
  pool_.AddPreparer([](pqxx::connection_base& c) {
    c.prepare("registry_insert_resident",
              absl::StrCat("INSERT INTO registry.residents (id_number, full_name, phone,"
                           " district_code, birth_date, sex) VALUES ($1, $2, $3, $4, $5::date, $6)"
                           " ON CONFLICT (id_number) DO NOTHING RETURNING ",
                           kColumns));
    c.prepare("registry_find_by_id_number",
              "SELECT id FROM registry.residents WHERE id_number = $1");
    c.prepare("registry_get_resident",
              absl::StrCat("SELECT ", kColumns, " FROM registry.residents WHERE id = $1"));
  });
}

absl::StatusOr<v1::Resident> RegistryStore::Register(const v1::RegisterResidentRequest& request,
                                                     const v1::Resident& resident) {
  return db::Transact<v1::Resident>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Resident> {
    const bool logged = !request.request_id().empty();
    if (logged) {
      auto prior = requests_.Claim(tx, request.request_id(), "RegisterResident", request);
      if (!prior.ok()) return prior.status();
      if (prior->has_value()) {
        v1::Resident first;
        first.ParseFromString(**prior);
        return first;
      }
    }
    pqxx::result inserted = tx.exec_prepared(
        "registry_insert_resident", resident.id_number(), resident.full_name(), resident.phone(),
        resident.district_code(), resident.birth_date(), static_cast<int>(resident.sex()));
    if (inserted.empty()) {
      pqxx::result existing = tx.exec_prepared("registry_find_by_id_number", resident.id_number());
      const std::string name =
          existing.empty() ? "" : MakeName("residents", existing[0][0].as<int64_t>());
      return WithReason(
          absl::AlreadyExistsError(absl::StrCat("this ID number is already registered as ", name)),
          "RESIDENT_EXISTS", {{"resident", name}});
    }
    v1::Resident stored = FromRow(inserted[0]);
    if (logged) requests_.Save(tx, request.request_id(), stored);
    return stored;
  });
}

absl::StatusOr<v1::Resident> RegistryStore::Get(int64_t id) {
  return db::Transact<v1::Resident>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Resident> {
    pqxx::result rows = tx.exec_prepared("registry_get_resident", id);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat(MakeName("residents", id), " does not exist"));
    }
    return FromRow(rows[0]);
  });
}

}  // namespace screening::registry
