#include "common/request_log.h"

#include <map>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace screening::db {
namespace {

std::string RequestFingerprint(const google::protobuf::Message& request) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  request.SerializeToCodedStream(&coded);
  coded.Trim();
  return absl::StrCat(Fingerprint(bytes));
}

std::string ClaimAnswersSqlFor(const std::string& schema, int first, bool strict = false) {
  return absl::StrCat("INSERT INTO ", schema,
                      ".requests (request_id, method, fingerprint, response)"
                      " SELECT id, $",
                      first + 1, "::text, f, decode(r, 'hex') FROM unnest($", first, "::text[], $",
                      first + 2, "::text[], $", first + 3, "::text[]) AS u(id, f, r)",
                      strict ? "" : " ON CONFLICT (request_id) DO NOTHING",
                      " RETURNING request_id");
}

}  // namespace

RequestLog::RequestLog(std::string schema, const DataKeys* seal)
    : claim_(absl::StrCat(schema, "_request_claim")),
      find_(absl::StrCat(schema, "_request_find")),
      find_all_(absl::StrCat(schema, "_request_find_all")),
      save_(absl::StrCat(schema, "_request_save")),
      claim_answer_(absl::StrCat(schema, "_request_claim_answer")),
      claim_answers_(absl::StrCat(schema, "_request_claim_answers")),
      schema_(std::move(schema)),
      seal_(seal) {}

Preparer RequestLog::Statements() const {
  return [claim = claim_, find = find_, find_all = find_all_, save = save_,
          claim_answer = claim_answer_, claim_answers = claim_answers_,
          schema = schema_](pqxx::connection_base& c) {
    c.prepare(claim_answers, ClaimAnswersSqlFor(schema, 1));
    c.prepare(
        claim_answer,
        absl::StrCat("INSERT INTO ", schema,
                     ".requests (request_id, method, fingerprint, response)"
                     " VALUES ($1, $2, $3, $4) ON CONFLICT (request_id) DO NOTHING RETURNING 1"));
    c.prepare(claim, absl::StrCat("INSERT INTO ", schema,
                                  ".requests (request_id, method, fingerprint) VALUES ($1, $2, $3)"
                                  " ON CONFLICT (request_id) DO NOTHING RETURNING request_id"));
    c.prepare(find, absl::StrCat("SELECT method, fingerprint, response FROM ", schema,
                                 ".requests WHERE request_id = $1"));
    c.prepare(find_all, absl::StrCat("SELECT method, fingerprint, response, request_id FROM ",
                                     schema, ".requests WHERE request_id = ANY ($1::text[])"));
    c.prepare(save,
              absl::StrCat("UPDATE ", schema, ".requests SET response = $2 WHERE request_id = $1"));
  };
}

absl::StatusOr<std::optional<std::string>> RequestLog::Claim(
    pqxx::work& tx, absl::string_view request_id, absl::string_view method,
    const google::protobuf::Message& request) const {
  const std::string fingerprint = RequestFingerprint(request);
  const std::string id(request_id);
  if (!tx.exec_prepared(claim_, id, std::string(method), fingerprint).empty()) {
    return std::nullopt;
  }
  // The id was taken by a committed request (ON CONFLICT waited for it).
  auto prior = Find(tx, request_id, method, request);
  if (prior.ok() && !prior->has_value()) {
    return absl::AbortedError("the first request with this id is unfinished; retry");
  }
  return prior;
}

absl::StatusOr<std::optional<std::string>> RequestLog::Find(
    pqxx::transaction_base& tx, absl::string_view request_id, absl::string_view method,
    const google::protobuf::Message& request) const {
  pqxx::result found = tx.exec_prepared(find_, std::string(request_id));
  if (found.empty()) return std::nullopt;
  return AnswerFromRow(found[0], method, request);
}

std::vector<absl::StatusOr<std::optional<std::string>>> RequestLog::FindAll(
    pqxx::transaction_base& tx, absl::string_view method, const std::vector<Asked>& asked) const {
  std::vector<std::string> ids;
  for (const Asked& a : asked) ids.push_back(*a.request_id);
  std::map<std::string, pqxx::row> rows;
  const pqxx::result found = tx.exec_prepared(find_all_, PgArray(ids));
  for (const auto& row : found) rows.emplace(row[3].as<std::string>(), row);
  std::vector<absl::StatusOr<std::optional<std::string>>> answers;
  for (const Asked& a : asked) {
    auto row = rows.find(*a.request_id);
    if (row == rows.end()) {
      answers.emplace_back(std::nullopt);
    } else {
      answers.push_back(AnswerFromRow(row->second, method, *a.request));
    }
  }
  return answers;
}

absl::StatusOr<std::optional<std::string>> RequestLog::AnswerFromRow(
    const pqxx::row& row, absl::string_view method,
    const google::protobuf::Message& request) const {
  if (row[0].as<std::string>() != method ||
      row[1].as<std::string>() != RequestFingerprint(request)) {
    return InvalidField("request_id", "was already used for a different request");
  }
  if (row[2].is_null()) return std::nullopt;
  std::string response = pqxx::binarystring(row[2]).str();
  if (seal_ == nullptr) return response;
  auto opened = seal_->Open(response);
  if (!opened.ok()) return opened.status();
  return *std::move(opened);
}

void RequestLog::Save(pqxx::work& tx, absl::string_view request_id,
                      const google::protobuf::Message& response) const {
  const std::string bytes = response.SerializeAsString();
  tx.exec_prepared(save_, std::string(request_id),
                   pqxx::binarystring(seal_ ? seal_->Seal(bytes) : bytes));
}

bool RequestLog::ClaimWithAnswer(pqxx::work& tx, absl::string_view request_id,
                                 absl::string_view method, const google::protobuf::Message& request,
                                 const google::protobuf::Message& response) const {
  const std::string bytes = response.SerializeAsString();
  return !tx.exec_prepared(claim_answer_, std::string(request_id), std::string(method),
                           RequestFingerprint(request),
                           pqxx::binarystring(seal_ ? seal_->Seal(bytes) : bytes))
              .empty();
}

std::string RequestLog::ClaimAnswersSql(int first, bool strict) const {
  return ClaimAnswersSqlFor(schema_, first, strict);
}

std::vector<std::string> RequestLog::ClaimAnswersArguments(
    absl::string_view method, const std::vector<Answered>& answered) const {
  std::vector<std::string> ids, fingerprints, responses;
  for (const Answered& a : answered) {
    ids.push_back(*a.request_id);
    fingerprints.push_back(RequestFingerprint(*a.request));
    const std::string bytes = a.response->SerializeAsString();
    responses.push_back(HexEncode(seal_ ? seal_->Seal(bytes) : bytes));
  }
  return {PgArray(ids), std::string(method), PgArray(fingerprints), PgArray(responses)};
}

std::set<std::string> RequestLog::ClaimAllWithAnswers(pqxx::work& tx, absl::string_view method,
                                                      const std::vector<Answered>& answered) const {
  const std::vector<std::string> a = ClaimAnswersArguments(method, answered);
  std::set<std::string> taken;
  for (const auto& row : tx.exec_prepared(claim_answers_, a[0], a[1], a[2], a[3])) {
    taken.insert(row[0].as<std::string>());
  }
  return taken;
}

}  // namespace screening::db
