// The outboxes are read in the order of their transactions' ids (xid8), as
// numbers. Read as text, 1000 sorted before 999: a fresh database crossing
// xid 1000 gave the consumer a page whose last event was not its highest,
// and the events after it were counted twice (found by tools/drill on a new
// cluster, where xids are small).
#include <string>
#include <vector>

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "tests/support/test_database.h"
#include "tests/support/test_server.h"

#include <gtest/gtest.h>

namespace screening::testing {
namespace {

// The xid part of offsets "xid:seq".
std::vector<int64_t> Xids(const std::vector<std::string>& offsets) {
  std::vector<int64_t> xids;
  for (const std::string& offset : offsets)
    xids.push_back(std::stoll(offset.substr(0, offset.find(':'))));
  return xids;
}

class OutboxOrder : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = TestDatabase::Create("outbox_order");
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    auto server = TestServer::Start(db_->url(), &clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  FakeClock clock_{DefaultTestNow()};
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<TestServer> server_;
};

// Events of transactions 995 to 1001, stored in an order that is neither.
constexpr int64_t kXids[] = {1000, 995, 1001, 999, 996};

TEST_F(OutboxOrder, BookingEventsComeInTransactionOrderAcrossADigitBoundary) {
  for (int64_t xid : kXids) {
    db_->QueryInt(absl::StrCat(
        "WITH i AS (INSERT INTO scheduling.outbox (xid, event_type, booking_id, resident_id,"
        " hospital_code, day, programme_year, screening_types, resident_district_code,"
        " hospital_district_code) VALUES ('",
        xid,
        "', 'booking.created', 1, 1, 'H', '2025-03-03',"
        " 2025, '{3}', '230102', '230102') RETURNING 1) SELECT count(*) FROM i"));
  }
  internal::v1::ListBookingEventsRequest request;
  request.set_after("990:0");
  request.set_page_size(4);
  internal::v1::ListBookingEventsResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(server_->scheduling_internal().ListBookingEvents(&context, request, &response).ok());
  std::vector<std::string> offsets;
  for (const auto& e : response.events()) offsets.push_back(e.offset());
  EXPECT_EQ(Xids(offsets), (std::vector<int64_t>{995, 996, 999, 1000}));
}

TEST_F(OutboxOrder, ResultEventsComeInTransactionOrderAcrossADigitBoundary) {
  for (int64_t xid : kXids) {
    db_->QueryInt(absl::StrCat(
        "WITH i AS (INSERT INTO results.outbox (xid, event_type, resident_id, screening_type,"
        " programme_year, hospital_code, result_id) VALUES ('",
        xid, "', 'result.recorded', 1, 3, 2025, 'H', 1) RETURNING 1) SELECT count(*) FROM i"));
  }
  internal::v1::ListOutboxEventsRequest request;
  request.set_after("990:0");
  request.set_page_size(4);
  internal::v1::ListOutboxEventsResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(server_->results_internal().ListOutboxEvents(&context, request, &response).ok());
  std::vector<std::string> offsets;
  for (const auto& e : response.events()) offsets.push_back(e.offset());
  EXPECT_EQ(Xids(offsets), (std::vector<int64_t>{995, 996, 999, 1000}));
}

}  // namespace
}  // namespace screening::testing
