// ImportResidents through the API: good rows stored, bad rows reported by
// row number and field, progress while it runs, and a second import of the
// same list storing nothing new.
#include <grpcpp/client_context.h>

#include <atomic>
#include <thread>

#include "services/registry/id_number.h"
#include "tests/support/slice_fixture.h"

namespace screening::testing {
namespace {

class Import : public SliceTest {
 protected:
  struct Outcome {
    std::vector<v1::ImportResidentsResponse> messages;
    grpc::Status status;
  };

  // Sends `rows`, `per_message` a message; the last message declares the
  // total (`declare_total`), as the protocol asks, unless told not to.
  static Outcome Run(const std::vector<v1::ImportRow>& rows, size_t per_message,
                     bool declare_total = true) {
    grpc::ClientContext context;
    auto stream = server_->registry().ImportResidents(&context);
    for (size_t i = 0; i < rows.size(); i += per_message) {
      v1::ImportResidentsRequest batch;
      for (size_t j = i; j < std::min(rows.size(), i + per_message); ++j)
        *batch.add_rows() = rows[j];
      if (declare_total && i + per_message >= rows.size()) batch.set_total_rows(rows.size());
      EXPECT_TRUE(stream->Write(batch));
    }
    if (declare_total && rows.empty()) {
      v1::ImportResidentsRequest last;
      last.set_total_rows(0);
      EXPECT_TRUE(stream->Write(last));
    }
    stream->WritesDone();
    Outcome outcome;
    v1::ImportResidentsResponse message;
    while (stream->Read(&message)) outcome.messages.push_back(message);
    outcome.status = stream->Finish();
    return outcome;
  }

  static v1::ImportRow Row(int64_t number, const std::string& id_number,
                           const std::string& district = "230125") {
    v1::ImportRow row;
    row.set_row_number(number);
    row.mutable_resident()->set_id_number(id_number);
    row.mutable_resident()->set_full_name(absl::StrCat("居民", number));
    row.mutable_resident()->set_phone("13800000000");
    row.mutable_resident()->set_district_code(district);
    row.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
    return row;
  }
};

TEST_F(Import, GoodRowsStoredBadRowsReportedReimportStoresNothing) {
  std::vector<v1::ImportRow> rows;
  int good = 0;
  for (int i = 1; i <= 12000; ++i) {
    // Distinct people: birth dates spread over 1965-1979, sequences varied.
    const absl::CivilDay birth = absl::CivilDay(1965, 1, 1) + (i % 5000);
    std::string id = MakeIdNumber("230125", birth, i / 5000 * 100 + i % 97, i % 2 == 0);
    if (i % 1000 == 7) {
      id.back() = id.back() == '0' ? '1' : '0';  // a wrong check character
      rows.push_back(Row(i, id));
    } else if (i % 1000 == 8) {
      rows.push_back(Row(i, id, "999999"));  // not a district
    } else {
      rows.push_back(Row(i, id));
      ++good;
    }
  }
  const int64_t before = db_->QueryInt("SELECT count(*) FROM registry.residents");
  Outcome first = Run(rows, 3000);
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();
  ASSERT_GE(first.messages.size(), 3u) << "progress while it runs, then the end";
  const v1::ImportResidentsResponse& last = first.messages.back();
  EXPECT_TRUE(last.done());
  EXPECT_EQ(last.rows_received(), 12000);
  EXPECT_EQ(last.rows_rejected(), 24);
  // Good rows may collide only if the generator made the same number twice.
  EXPECT_EQ(last.rows_stored() + last.rows_already_registered(), good);
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM registry.residents") - before, last.rows_stored());
  for (size_t i = 0; i + 1 < first.messages.size(); ++i) {
    EXPECT_FALSE(first.messages[i].done());
    EXPECT_LE(first.messages[i].rows_stored(), first.messages[i + 1].rows_stored());
  }
  std::vector<v1::ImportRowError> errors;
  for (const auto& m : first.messages)
    errors.insert(errors.end(), m.errors().begin(), m.errors().end());
  ASSERT_EQ(errors.size(), 24u);
  EXPECT_EQ(errors[0].row_number(), 7);
  EXPECT_EQ(errors[0].field(), "resident.id_number");
  EXPECT_THAT(errors[0].reason(), ::testing::HasSubstr("check character"));
  EXPECT_EQ(errors[1].row_number(), 8);
  EXPECT_EQ(errors[1].field(), "resident.district_code");

  // A stored row reads back (sealed and hashed as RegisterResident would).
  v1::LookupResidentRequest lookup;
  lookup.set_id_number(rows[0].resident().id_number());
  v1::Resident found;
  grpc::ClientContext context;
  ASSERT_TRUE(server_->registry().LookupResident(&context, lookup, &found).ok());
  EXPECT_EQ(found.full_name(), "居民1");

  // The same list again stores nothing new.
  Outcome second = Run(rows, 5000);
  ASSERT_TRUE(second.status.ok());
  EXPECT_EQ(second.messages.back().rows_stored(), 0);
  EXPECT_EQ(second.messages.back().rows_already_registered(), good);
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM registry.residents") - before, last.rows_stored());
}

// The browser's way: the same list in chunks, one unary call each, two at a time.
TEST_F(Import, ChunksGoThroughTheSameChecksAndStoreNothingTwice) {
  std::vector<v1::ImportRow> rows;
  for (int i = 1; i <= 9000; ++i) {
    const absl::CivilDay birth = absl::CivilDay(1966, 2, 1) + (i % 3000);
    std::string id = MakeIdNumber("230126", birth, 500 + i / 3000, i % 2 == 1);
    if (i == 4321) id.back() = id.back() == '0' ? '1' : '0';
    rows.push_back(Row(i, id, i == 8765 ? "999999" : "230126"));  // no such district
  }
  auto chunk = [&](size_t from, size_t to) {
    v1::ImportResidentRowsRequest request;
    for (size_t i = from; i < to; ++i) *request.add_rows() = rows[i];
    v1::ImportResidentRowsResponse response;
    grpc::ClientContext context;
    grpc::Status status = server_->registry().ImportResidentRows(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  };
  auto import_all = [&] {
    std::vector<v1::ImportResidentRowsResponse> answers(3);
    std::thread second([&] { answers[1] = chunk(3000, 6000); });
    answers[0] = chunk(0, 3000);
    second.join();
    answers[2] = chunk(6000, 9000);
    return answers;
  };
  const int64_t before = db_->QueryInt("SELECT count(*) FROM registry.residents");
  std::vector<v1::ImportResidentRowsResponse> first = import_all();
  int64_t stored = 0, rejected = 0;
  std::vector<v1::ImportRowError> errors;
  for (const auto& a : first) {
    EXPECT_EQ(a.rows_received(), 3000);
    EXPECT_EQ(a.rows_already_registered(), 0);
    stored += a.rows_stored();
    rejected += a.rows_rejected();
    errors.insert(errors.end(), a.errors().begin(), a.errors().end());
  }
  EXPECT_EQ(stored, 8998);
  EXPECT_EQ(rejected, 2);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].row_number(), 4321);
  EXPECT_EQ(errors[0].field(), "resident.id_number");
  EXPECT_EQ(errors[1].row_number(), 8765);
  EXPECT_EQ(errors[1].field(), "resident.district_code");
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM registry.residents") - before, 8998);

  // The same file again (or a retried chunk): nothing new.
  int64_t again = 0;
  for (const auto& a : import_all()) {
    EXPECT_EQ(a.rows_stored(), 0);
    again += a.rows_already_registered();
  }
  EXPECT_EQ(again, 8998);
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM registry.residents") - before, 8998);

  // No rows, too many rows, a control character: the chunk is refused, naming the field.
  for (int n : {0, 10001}) {
    v1::ImportResidentRowsRequest request;
    for (int i = 0; i < n; ++i) *request.add_rows() = rows[i % rows.size()];
    v1::ImportResidentRowsResponse response;
    grpc::ClientContext context;
    grpc::Status status = server_->registry().ImportResidentRows(&context, request, &response);
    EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT)) << n;
    EXPECT_EQ(BadFields(status), std::vector<std::string>{"rows"}) << n;
  }
  v1::ImportResidentRowsRequest control;
  *control.add_rows() = Row(1, MakeIdNumber("230126", absl::CivilDay(1967, 7, 7), 900, true));
  control.mutable_rows(0)->mutable_resident()->set_full_name(
      "居\x1b"
      "民");
  v1::ImportResidentRowsResponse response;
  grpc::ClientContext context;
  grpc::Status status = server_->registry().ImportResidentRows(&context, control, &response);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(BadFields(status), ::testing::ElementsAre(::testing::HasSubstr("full_name")));
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM registry.residents") - before, 8998);
}

TEST_F(Import, AListThatDidNotArriveWholeIsStoredAsFarAsItCameAndRefused) {
  // Row 3's name is not UTF-8: the server cannot parse the second message,
  // and gRPC ends the stream there as if the client had finished. The rows
  // before it are stored and reported, and the import fails naming
  // `total_rows`, so the clinic sends the list again (which stores only
  // what is new).
  std::vector<v1::ImportRow> rows;
  for (int i = 1; i <= 4; ++i) {
    rows.push_back(Row(i, MakeIdNumber("230125", absl::CivilDay(1962, 2, 2) + i, 7, true)));
  }
  std::vector<v1::ImportRow> broken = rows;
  broken[2].mutable_resident()->set_full_name("\xe5\xb1\x85\xff");
  const int64_t before = db_->QueryInt("SELECT count(*) FROM registry.residents");
  Outcome cut = Run(broken, 2);
  EXPECT_THAT(cut.status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(BadFields(cut.status), std::vector<std::string>{"total_rows"});
  EXPECT_EQ(ErrorReason(cut.status), "STREAM_INCOMPLETE");
  EXPECT_THAT(cut.status.error_message(), ::testing::HasSubstr("after 2 rows"));
  ASSERT_FALSE(cut.messages.empty());
  EXPECT_FALSE(cut.messages.back().done()) << "done only when the whole list arrived";
  EXPECT_EQ(cut.messages.back().rows_received(), 2);
  EXPECT_EQ(cut.messages.back().rows_stored(), 2);
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM registry.residents") - before, 2);

  Outcome unfinished = Run(rows, 4, /*declare_total=*/false);
  EXPECT_EQ(ErrorReason(unfinished.status), "STREAM_INCOMPLETE");
  EXPECT_EQ(unfinished.messages.back().rows_stored(), 2) << "rows 3 and 4 are stored";

  Outcome whole = Run(rows, 3);
  ASSERT_TRUE(whole.status.ok()) << whole.status.error_message();
  EXPECT_TRUE(whole.messages.back().done());
  EXPECT_EQ(whole.messages.back().rows_already_registered(), 4);
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM registry.residents") - before, 4);
}

TEST_F(Import, OneIdNumberInAnyFormatIsOneResident) {
  const std::string id = MakeIdNumber("230125", absl::CivilDay(1966, 6, 6), 5, false);
  std::string lower = id;
  std::vector<v1::ImportRow> rows = {Row(1, id)};
  if (lower.back() == 'X') {
    lower.back() = 'x';
    rows.push_back(Row(2, lower));
  }
  // The legacy 15-digit form of a 19xx number: drop "19" and the check character.
  rows.push_back(Row(3, id.substr(0, 6) + id.substr(8, 9)));
  Outcome outcome = Run(rows, 10);
  ASSERT_TRUE(outcome.status.ok());
  EXPECT_EQ(outcome.messages.back().rows_stored(), 1);
  EXPECT_EQ(outcome.messages.back().rows_already_registered(),
            static_cast<int64_t>(rows.size()) - 1);
}

// An import racing single registrations of the same people: every person is
// stored once, and the import's counts agree with a recount.
TEST_F(Import, RacingRegistrationsStoreEachPersonOnce) {
  std::vector<v1::ImportRow> rows;
  for (int i = 1; i <= 6000; ++i) {
    rows.push_back(
        Row(i, MakeIdNumber("230183", absl::CivilDay(1970, 1, 1) + i, 7, true), "230183"));
  }
  const int64_t before = db_->QueryInt("SELECT count(*) FROM registry.residents");
  std::atomic<int> registered{0};
  std::thread clinic([&] {
    // Register every tenth person one by one while the import runs.
    for (int i = 5999; i >= 0; i -= 10) {
      v1::RegisterResidentRequest reg;
      *reg.mutable_resident() = rows[i].resident();
      v1::Resident out;
      grpc::ClientContext context;
      if (server_->registry().RegisterResident(&context, reg, &out).ok()) registered++;
    }
  });
  Outcome outcome = Run(rows, 1000);
  clinic.join();
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
  const auto& last = outcome.messages.back();
  EXPECT_EQ(last.rows_stored() + last.rows_already_registered(), 6000);
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM registry.residents") - before, 6000);
  EXPECT_EQ(last.rows_stored() + registered, 6000);
}

TEST_F(Import, OversizedBatchesAreRefused) {
  std::vector<v1::ImportRow> rows(10001, Row(1, "23010219700101001X"));
  Outcome outcome = Run(rows, rows.size());
  EXPECT_THAT(outcome.status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(BadFields(outcome.status), ::testing::ElementsAre("rows"));
}

}  // namespace
}  // namespace screening::testing
