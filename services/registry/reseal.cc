#include "services/registry/reseal.h"

#include "absl/strings/str_cat.h"
#include "common/names.h"

namespace screening::registry {
namespace {

void Add(const Resealer::Totals& batch, Resealer::Totals& all) {
  all.residents_scanned += batch.residents_scanned;
  all.residents_rewritten += batch.residents_rewritten;
  all.last_resident_id = batch.last_resident_id;
  all.answers_scanned += batch.answers_scanned;
  all.answers_rewritten += batch.answers_rewritten;
  all.unreadable.insert(all.unreadable.end(), batch.unreadable.begin(), batch.unreadable.end());
}

}  // namespace

Resealer::Resealer(db::Pool& pool, const PersonalDataKeys& keys) : pool_(pool), keys_(keys) {
  pool_.AddPreparer([](pqxx::connection_base& c) {
    c.prepare("reseal_count_residents", "SELECT count(*) FROM registry.residents");
    // FOR UPDATE: a concurrent UpdateResident of one of these rows waits for
    // the batch (milliseconds) rather than having its new phone overwritten.
    c.prepare("reseal_residents",
              "SELECT id, id_hash, id_number_sealed, full_name_sealed, phone_sealed,"
              " birth_date::text, person_hash FROM registry.residents"
              " WHERE id > $1 ORDER BY id LIMIT $2 FOR UPDATE");
    // The batch's rewritten rows in one statement.
    c.prepare("reseal_residents_update",
              "UPDATE registry.residents r SET id_hash = u.id_hash,"
              " id_number_sealed = u.id_number_sealed, full_name_sealed = u.full_name_sealed,"
              " phone_sealed = u.phone_sealed, person_hash = u.person_hash"
              " FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::bytea[], $5::bytea[],"
              " $6::bytea[]) AS u(id, id_hash, id_number_sealed, full_name_sealed, phone_sealed,"
              " person_hash) WHERE r.id = u.id");
    c.prepare("reseal_answers",
              "SELECT request_id, response FROM registry.requests"
              " WHERE request_id > $1 AND response IS NOT NULL"
              " ORDER BY request_id LIMIT $2 FOR UPDATE");
    c.prepare("reseal_answers_update",
              "UPDATE registry.requests r SET response = u.response"
              " FROM unnest($1::text[], $2::bytea[]) AS u(request_id, response)"
              " WHERE r.request_id = u.request_id");
  });
}

// A batch's rewritten rows, as the arrays of one UPDATE ... FROM unnest(...).
struct Resealer::Rewrites {
  std::vector<int64_t> ids;
  std::vector<std::string> id_hashes, id_numbers, full_names, phones, person_hashes;
};

absl::StatusOr<bool> Resealer::ResidentsBatch(int64_t after_id, int limit, Totals& all) {
  Totals totals;  // this batch's, added to `all` once committed
  absl::StatusOr<bool> more =
      db::Transact<bool>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
        totals = Totals{.last_resident_id = after_id};
        Rewrites rewrites;
        pqxx::result rows = tx.exec_prepared("reseal_residents", after_id, limit);
        for (const auto& row : rows) {
          totals.last_resident_id = row[0].as<int64_t>();
          ++totals.residents_scanned;
          if (absl::Status read = Rewrite(row, rewrites); !read.ok()) {
            totals.unreadable.push_back(
                absl::StrCat(MakeName("residents", totals.last_resident_id), ": ", read.message()));
          }
        }
        if (!rewrites.ids.empty()) {
          tx.exec_prepared("reseal_residents_update", db::PgArray(rewrites.ids),
                           db::PgByteaArray(rewrites.id_hashes),
                           db::PgByteaArray(rewrites.id_numbers),
                           db::PgByteaArray(rewrites.full_names), db::PgByteaArray(rewrites.phones),
                           db::PgByteaArray(rewrites.person_hashes));
        }
        totals.residents_rewritten = static_cast<int64_t>(rewrites.ids.size());
        return !rows.empty();
      });
  if (more.ok()) Add(totals, all);
  return more;
}

absl::Status Resealer::Rewrite(const pqxx::row& row, Rewrites& rewrites) const {
  const std::string sealed[3] = {pqxx::binarystring(row[2]).str(), pqxx::binarystring(row[3]).str(),
                                 pqxx::binarystring(row[4]).str()};
  std::string opened[3];
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::string> value = keys_.data.Open(sealed[i]);
    if (!value.ok()) return value.status();
    opened[i] = *std::move(value);
  }
  v1::Resident resident;
  resident.set_full_name(opened[1]);
  resident.set_phone(opened[2]);
  resident.set_birth_date(row[5].as<std::string>());
  std::string id_hash = keys_.IdHash(opened[0]);
  std::string person_hash = keys_.PersonHash(resident);
  const bool current =
      keys_.data.SealedUnderActiveKey(sealed[0]) && keys_.data.SealedUnderActiveKey(sealed[1]) &&
      keys_.data.SealedUnderActiveKey(sealed[2]) && pqxx::binarystring(row[1]).str() == id_hash &&
      !row[6].is_null() && pqxx::binarystring(row[6]).str() == person_hash;
  if (current) return absl::OkStatus();
  rewrites.ids.push_back(row[0].as<int64_t>());
  rewrites.id_hashes.push_back(std::move(id_hash));
  rewrites.id_numbers.push_back(keys_.data.Seal(opened[0]));
  rewrites.full_names.push_back(keys_.data.Seal(opened[1]));
  rewrites.phones.push_back(keys_.data.Seal(opened[2]));
  rewrites.person_hashes.push_back(std::move(person_hash));
  return absl::OkStatus();
}

absl::StatusOr<bool> Resealer::AnswersBatch(const std::string& after, int limit, std::string& last,
                                            Totals& all) {
  Totals totals;                   // this batch's, added to `all` once committed
  const std::string from = after;  // `after` may be `last`
  std::string batch_last;
  absl::StatusOr<bool> more =
      db::Transact<bool>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
        totals = Totals{.last_resident_id = all.last_resident_id};
        pqxx::result rows = tx.exec_prepared("reseal_answers", from, limit);
        std::vector<std::string> request_ids, answers;
        for (const auto& row : rows) {
          batch_last = row[0].as<std::string>();
          ++totals.answers_scanned;
          const std::string sealed = pqxx::binarystring(row[1]).str();
          if (keys_.data.SealedUnderActiveKey(sealed)) continue;
          absl::StatusOr<std::string> answer = keys_.data.Open(sealed);
          if (!answer.ok()) {
            totals.unreadable.push_back(absl::StrCat("stored answer of request ", batch_last, ": ",
                                                     answer.status().message()));
            continue;
          }
          request_ids.push_back(batch_last);
          answers.push_back(keys_.data.Seal(*answer));
        }
        if (!request_ids.empty()) {
          tx.exec_prepared("reseal_answers_update", db::PgArray(request_ids),
                           db::PgByteaArray(answers));
        }
        totals.answers_rewritten = static_cast<int64_t>(request_ids.size());
        return !rows.empty();
      });
  if (more.ok()) {
    Add(totals, all);
    if (*more) last = batch_last;
  }
  return more;
}

absl::StatusOr<Resealer::Totals> Resealer::Run(const Options& options,
                                               const std::function<void(const Totals&)>& report) {
  Totals totals;
  absl::StatusOr<int64_t> count =
      db::Transact<int64_t>(pool_, [](pqxx::work& tx) -> absl::StatusOr<int64_t> {
        return tx.exec_prepared1("reseal_count_residents")[0].as<int64_t>();
      });
  if (!count.ok()) return count.status();
  totals.residents = *count;
  totals.last_resident_id = options.after_resident_id;
  for (;;) {
    absl::StatusOr<bool> more = ResidentsBatch(totals.last_resident_id, options.batch, totals);
    if (!more.ok()) return more.status();
    if (!*more) break;
    report(totals);
  }
  std::string last;
  for (;;) {
    absl::StatusOr<bool> more = AnswersBatch(last, options.batch, last, totals);
    if (!more.ok()) return more.status();
    if (!*more) break;
    report(totals);
  }
  return totals;
}

}  // namespace screening::registry
