// Key rotation end to end, through the API: residents and stored answers
// sealed under data key k1 and hashed under lookup key L1; a server on the
// rings k2,k1 and L2,L1 still finds them and refuses their ID numbers again;
// a server on k2 alone lists them as unreadable instead of failing the page;
// reseal brings every row under k2 and L2 (and a second run rewrites
// nothing); then a server on k2 and L2 alone reads, finds and answers
// everything. And reseal running beside phone updates loses none of them.
#include <atomic>
#include <thread>

#include "common/db.h"
#include "services/registry/reseal.h"
#include "tests/support/slice_fixture.h"

namespace screening::testing {
namespace {

using Resealer = registry::Resealer;

const std::string kK1 = "k1:" + std::string(64, 'a');
const std::string kK2 = "k2:" + std::string(64, 'c');
const std::string kL1 = std::string(64, 'b');
const std::string kL2 = std::string(64, 'd');

class KeyRotation : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = TestDatabase::Create(::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }

  std::unique_ptr<TestServer> Serve(const std::string& data_keys, const std::string& lookup) {
    AppConfig config;
    config.data_keys = data_keys;
    config.lookup_key_hex = lookup;
    auto server = TestServer::Start(db_->url(), &clock_, config);
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? *std::move(server) : nullptr;
  }

  static v1::RegisterResidentRequest NewResident(int sequence) {
    v1::RegisterResidentRequest request;
    request.set_request_id(absl::StrCat("rotation-", sequence));
    v1::Resident& r = *request.mutable_resident();
    r.set_id_number(MakeIdNumber("230102", absl::CivilDay(1968, 5, 1), sequence, sequence % 2));
    r.set_full_name(absl::StrCat("轮换居民", sequence));
    r.set_phone(absl::StrCat("1390000000", sequence % 10));
    r.set_district_code("230102");
    r.set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
    return request;
  }

  static grpc::Status Register(TestServer& server, const v1::RegisterResidentRequest& request,
                               v1::Resident* resident) {
    grpc::ClientContext context;
    return server.registry().RegisterResident(&context, request, resident);
  }

  static absl::StatusOr<v1::ListResidentsResponse> List(TestServer& server) {
    v1::ListResidentsRequest request;
    request.set_district_code("230102");
    request.set_page_size(1000);
    v1::ListResidentsResponse response;
    grpc::ClientContext context;
    grpc::Status status = server.registry().ListResidents(&context, request, &response);
    if (!status.ok()) return absl::UnknownError(status.error_message());
    return response;
  }

  static grpc::Status Lookup(TestServer& server, const std::string& id_number,
                             v1::Resident* resident) {
    v1::LookupResidentRequest request;
    request.set_id_number(id_number);
    grpc::ClientContext context;
    return server.registry().LookupResident(&context, request, resident);
  }

  Resealer::Totals Reseal(const std::string& data_keys, const std::string& lookup, int batch) {
    auto keys = registry::PersonalDataKeys::Parse(data_keys, lookup);
    EXPECT_TRUE(keys.ok()) << keys.status();
    db::Pool pool({.url = db_->url(), .size = 1});
    registry::Resealer resealer(pool, *keys);
    int reports = 0;
    auto totals = resealer.Run({.batch = batch}, [&](const Resealer::Totals&) { ++reports; });
    EXPECT_TRUE(totals.ok()) << totals.status();
    EXPECT_GT(reports, 0) << "no progress reported";
    return totals.ok() ? *totals : Resealer::Totals{};
  }

  // Stored values still sealed under key k1 (its id is the blob's prefix).
  int64_t SealedUnderK1() const {
    return db_->QueryInt(
        "SELECT (SELECT count(*) FROM registry.residents WHERE"
        " substring(id_number_sealed from 2 for 2) = 'k1'::bytea OR"
        " substring(full_name_sealed from 2 for 2) = 'k1'::bytea OR"
        " substring(phone_sealed from 2 for 2) = 'k1'::bytea) +"
        " (SELECT count(*) FROM registry.requests WHERE"
        " substring(response from 2 for 2) = 'k1'::bytea)");
  }

  FakeClock clock_{DefaultTestNow()};
  std::unique_ptr<TestDatabase> db_;
};

TEST_F(KeyRotation, ResealRetiresTheOldKeys) {
  constexpr int kOld = 5;
  std::vector<v1::Resident> old(kOld);
  {
    auto before = Serve(kK1, kL1);
    ASSERT_NE(before, nullptr);
    for (int i = 0; i < kOld; ++i) {
      ASSERT_TRUE(Register(*before, NewResident(i + 1), &old[i]).ok());
    }
  }
  ASSERT_EQ(SealedUnderK1(), kOld * 2) << "residents and their stored answers";

  // Rotating: the new keys first, the old ones still configured.
  auto rotating = Serve(kK2 + "," + kK1, kL2 + "," + kL1);
  ASSERT_NE(rotating, nullptr);
  v1::Resident found;
  ASSERT_TRUE(Lookup(*rotating, old[0].id_number(), &found).ok()) << "found by its old hash";
  EXPECT_EQ(found.name(), old[0].name());
  EXPECT_EQ(found.full_name(), old[0].full_name());
  v1::RegisterResidentRequest again = NewResident(2);
  again.clear_request_id();
  v1::Resident duplicate;
  grpc::Status refused = Register(*rotating, again, &duplicate);
  EXPECT_THAT(refused, GrpcIs(grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_EQ(ErrorReason(refused), "RESIDENT_EXISTS");
  v1::Resident fresh;
  ASSERT_TRUE(Register(*rotating, NewResident(40), &fresh).ok());
  {
    // An import of an ID number registered under the old lookup key adds nothing.
    grpc::ClientContext context;
    auto stream = rotating->registry().ImportResidents(&context);
    v1::ImportResidentsRequest rows;
    for (int sequence : {3, 41}) {
      v1::ImportRow& row = *rows.add_rows();
      row.set_row_number(sequence);
      *row.mutable_resident() = NewResident(sequence).resident();
    }
    rows.set_total_rows(2);
    ASSERT_TRUE(stream->Write(rows));
    stream->WritesDone();
    v1::ImportResidentsResponse message, last;
    while (stream->Read(&message)) last = message;
    ASSERT_TRUE(stream->Finish().ok());
    EXPECT_EQ(last.rows_stored(), 1);
    EXPECT_EQ(last.rows_already_registered(), 1);
  }

  {
    // k1 retired too early: the page lists its rows as unreadable, not an error.
    auto early = Serve(kK2, kL2);
    ASSERT_NE(early, nullptr);
    auto page = List(*early);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->residents_size(), 2);
    ASSERT_EQ(page->unreadable_residents_size(), kOld);
    EXPECT_EQ(page->unreadable_residents(0).name(), old[0].name());
    EXPECT_THAT(page->unreadable_residents(0).reason(), ::testing::HasSubstr("k1"));
  }

  Resealer::Totals first = Reseal(kK2 + "," + kK1, kL2 + "," + kL1, /*batch=*/2);
  EXPECT_EQ(first.residents, kOld + 2);
  EXPECT_EQ(first.residents_scanned, kOld + 2);
  EXPECT_EQ(first.residents_rewritten, kOld);
  EXPECT_EQ(first.answers_rewritten, kOld);
  EXPECT_TRUE(first.unreadable.empty());
  EXPECT_EQ(SealedUnderK1(), 0);
  Resealer::Totals second = Reseal(kK2 + "," + kK1, kL2 + "," + kL1, /*batch=*/3);
  EXPECT_EQ(second.residents_scanned, kOld + 2);
  EXPECT_EQ(second.residents_rewritten, 0) << "a second run rewrites nothing";
  EXPECT_EQ(second.answers_rewritten, 0);

  // The old keys are gone from the configuration.
  rotating.reset();
  auto after = Serve(kK2, kL2);
  ASSERT_NE(after, nullptr);
  auto page = List(*after);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->residents_size(), kOld + 2);
  EXPECT_EQ(page->unreadable_residents_size(), 0);
  ASSERT_TRUE(Lookup(*after, old[4].id_number(), &found).ok()) << "re-hashed under L2";
  EXPECT_EQ(found.name(), old[4].name());
  EXPECT_THAT(Register(*after, again, &duplicate), GrpcIs(grpc::StatusCode::ALREADY_EXISTS));
  v1::Resident retried;
  ASSERT_TRUE(Register(*after, NewResident(1), &retried).ok()) << "the stored answer opens";
  EXPECT_EQ(retried.name(), old[0].name());
  EXPECT_EQ(retried.full_name(), old[0].full_name());
  // The person hash moved with the keys: duplicates are still found.
  v1::ListPossibleDuplicatesRequest duplicates_request;
  duplicates_request.set_district_code("230102");
  v1::ListPossibleDuplicatesResponse duplicates;
  grpc::ClientContext context;
  ASSERT_TRUE(
      after->registry().ListPossibleDuplicates(&context, duplicates_request, &duplicates).ok());
  EXPECT_EQ(duplicates.groups_size(), 0);
}

TEST_F(KeyRotation, ResealBesidePhoneUpdatesLosesNone) {
  constexpr int kResidents = 100;
  auto before = Serve(kK1, kL1);
  ASSERT_NE(before, nullptr);
  std::vector<v1::Resident> residents(kResidents);
  for (int i = 0; i < kResidents; ++i) {
    ASSERT_TRUE(Register(*before, NewResident(i + 1), &residents[i]).ok());
  }
  before.reset();
  auto rotating = Serve(kK2 + "," + kK1, kL2 + "," + kL1);
  ASSERT_NE(rotating, nullptr);
  std::atomic<bool> done = false;
  std::atomic<int> updates = 0;
  std::vector<std::string> last_phone(kResidents);
  for (int i = 0; i < kResidents; ++i) last_phone[i] = residents[i].phone();
  std::thread updater([&] {
    // Until the reseal is over, and no further: a phone it overwrote would stay lost.
    for (int round = 0; !done; ++round) {
      for (int i = 0; i < kResidents && !done; ++i) {
        v1::UpdateResidentRequest request;
        *request.mutable_resident() = residents[i];
        request.mutable_resident()->set_phone(absl::StrCat("1370000", 1000 + round % 9000));
        request.mutable_update_mask()->add_paths("phone");
        v1::Resident updated;
        grpc::ClientContext context;
        if (rotating->registry().UpdateResident(&context, request, &updated).ok()) {
          last_phone[i] = updated.phone();
          ++updates;
        }
      }
    }
  });
  while (updates < 10) absl::SleepFor(absl::Milliseconds(1));
  Resealer::Totals totals = Reseal(kK2 + "," + kK1, kL2 + "," + kL1, /*batch=*/kResidents);
  done = true;
  updater.join();
  EXPECT_GT(updates.load(), 10);
  EXPECT_TRUE(totals.unreadable.empty());
  EXPECT_EQ(totals.answers_rewritten, kResidents);
  EXPECT_EQ(SealedUnderK1(), 0);
  rotating.reset();
  auto after = Serve(kK2, kL2);
  ASSERT_NE(after, nullptr);
  for (int i = 0; i < kResidents; ++i) {
    v1::Resident found;
    ASSERT_TRUE(Lookup(*after, residents[i].id_number(), &found).ok()) << i;
    EXPECT_EQ(found.phone(), last_phone[i]) << "an update was lost to the reseal";
  }
}

}  // namespace
}  // namespace screening::testing
