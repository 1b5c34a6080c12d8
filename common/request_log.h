// Idempotent mutations (AIP-155): a mutating RPC claims its request_id in the
// same transaction as its change, and stores its response there too. A retry
// finds the stored response and changes nothing; the same id with a different
// request is INVALID_ARGUMENT. Concurrent retries serialize on the claim: the
// second waits for the first to commit, then reads its response.
//
// Each service schema has a table:
//   CREATE TABLE <schema>.requests (request_id text PRIMARY KEY, method text,
//     fingerprint text, response bytea, create_time timestamptz);
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <google/protobuf/message.h>
#include <pqxx/pqxx>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/crypto.h"
#include "common/db.h"

namespace screening::db {

class RequestLog {
 public:
  // `schema` is a constant of the service (never user input). With `seal`,
  // stored responses are encrypted (they may hold personal data).
  explicit RequestLog(std::string schema, const DataKeys* seal = nullptr);

  // The statements to add to the service's pool.
  Preparer Statements() const;

  // Claims `request_id` for `method` and `request` inside `tx`. Returns the
  // earlier response's bytes when this exact request already succeeded,
  // nullopt when the claim is new.
  absl::StatusOr<std::optional<std::string>> Claim(pqxx::work& tx, absl::string_view request_id,
                                                   absl::string_view method,
                                                   const google::protobuf::Message& request) const;

  // Claim, with the earlier response parsed as `Answer`.
  template <typename Answer>
  absl::StatusOr<std::optional<Answer>> ClaimAs(pqxx::work& tx, absl::string_view request_id,
                                                absl::string_view method,
                                                const google::protobuf::Message& request) const {
    absl::StatusOr<std::optional<std::string>> prior = Claim(tx, request_id, method, request);
    if (!prior.ok()) return prior.status();
    if (!prior->has_value()) return std::optional<Answer>();
    Answer first;
    first.ParseFromString(**prior);
    return std::optional<Answer>(std::move(first));
  }

  // Looks up an earlier answer without claiming: the response's bytes when
  // this exact request already succeeded, nullopt when the id is unused or
  // its first request is unfinished; INVALID_ARGUMENT on a different request.
  absl::StatusOr<std::optional<std::string>> Find(pqxx::transaction_base& tx,
                                                  absl::string_view request_id,
                                                  absl::string_view method,
                                                  const google::protobuf::Message& request) const;

  // Find for many requests of one method in one read: an outcome each, in
  // order.
  struct Asked {
    const std::string* request_id;
    const google::protobuf::Message* request;
  };
  std::vector<absl::StatusOr<std::optional<std::string>>> FindAll(
      pqxx::transaction_base& tx, absl::string_view method, const std::vector<Asked>& asked) const;

  // Stores the response of a claimed request, in the same transaction.
  void Save(pqxx::work& tx, absl::string_view request_id,
            const google::protobuf::Message& response) const;

  // Claims and answers in one write, at the end of the change instead of
  // before it (one statement fewer on a hot path). True when this request
  // took the id; false when another took it first (it waited for that one
  // to commit): the caller must then roll its change back and read the
  // earlier answer with Find.
  bool ClaimWithAnswer(pqxx::work& tx, absl::string_view request_id, absl::string_view method,
                       const google::protobuf::Message& request,
                       const google::protobuf::Message& response) const;

  // ClaimWithAnswer for many requests of `method` (distinct ids) in one
  // statement. Returns the ids taken: any missing was taken before, and the
  // caller must roll back and handle that request on its own.
  struct Answered {
    const std::string* request_id;
    const google::protobuf::Message* request;
    const google::protobuf::Message* response;
  };
  std::set<std::string> ClaimAllWithAnswers(pqxx::work& tx, absl::string_view method,
                                            const std::vector<Answered>& answered) const;

  // The same as part of a larger statement: the INSERT, with parameters
  // $first (ids), $first+1 (method), $first+2 and $first+3, returning the
  // ids taken; and the four arguments, in that order. `strict`: an id taken
  // already fails the statement (a unique violation) instead of being
  // skipped.
  std::string ClaimAnswersSql(int first, bool strict = false) const;
  std::vector<std::string> ClaimAnswersArguments(absl::string_view method,
                                                 const std::vector<Answered>& answered) const;

 private:
  // An earlier answer from the row of its request_id (see Find).
  absl::StatusOr<std::optional<std::string>> AnswerFromRow(
      const pqxx::row& row, absl::string_view method,
      const google::protobuf::Message& request) const;

  // prepared statement names
  std::string claim_, find_, find_all_, save_, claim_answer_, claim_answers_;
  std::string schema_;
  const DataKeys* seal_;
};

}  // namespace screening::db
