// Concurrency through the real API: many clients on their own connections at
// once, then a recount of the bookings table against the slot's counter.
#include <grpcpp/client_context.h>

#include <atomic>
#include <thread>

#include "common/names.h"
#include "tests/support/run_together.h"
#include "tests/support/slice_fixture.h"

namespace screening::testing {
namespace {

class BookingRace : public SliceTest {
 protected:
  template <typename Body>
  static void RunTogether(int clients, Body body) {
    testing::RunTogether(*server_, clients, body);
  }

  static int64_t ActiveBookings(const v1::Slot& slot) {
    return db_->QueryInt(absl::StrCat("SELECT count(*) FROM scheduling.booking_items WHERE holds",
                                      " AND slot_id = ", *ParseNumericName("slots", slot.name())));
  }
  static int64_t BookedCounter(const v1::Slot& slot) {
    return db_->QueryInt(absl::StrCat("SELECT booked FROM scheduling.slots WHERE id = ",
                                      *ParseNumericName("slots", slot.name())));
  }
};

TEST_F(BookingRace, SixtyFourClientsOnATenPlaceSlot) {
  constexpr int kClients = 64;
  Hospital("RACE-H1");
  v1::Slot slot = Capacity("RACE-H1", "2025-03-17", v1::SCREENING_TYPE_FOUR_HIGHS, 10);
  std::vector<std::string> residents;
  for (int i = 0; i < kClients; ++i) {
    residents.push_back(Register(absl::CivilDay(1970, 1, 1) + i).name());
  }
  std::vector<grpc::Status> statuses(kClients);
  RunTogether(kClients, [&](int i, v1::SchedulingService::Stub& stub) {
    v1::BookScreeningRequest request;
    request.set_resident(residents[i]);
    request.add_slots(slot.name());
    request.set_request_id(absl::StrCat("race-", i));
    v1::Booking booking;
    grpc::ClientContext context;
    statuses[i] = stub.BookScreening(&context, request, &booking);
  });
  int booked = 0, full = 0;
  for (const auto& status : statuses) {
    if (status.ok()) {
      ++booked;
    } else {
      EXPECT_THAT(status, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
      EXPECT_EQ(ErrorReason(status), "SLOT_FULL");
      ++full;
    }
  }
  EXPECT_EQ(booked, 10);
  EXPECT_EQ(full, kClients - 10);
  EXPECT_EQ(ActiveBookings(slot), 10);
  EXPECT_EQ(BookedCounter(slot), 10);
}

TEST_F(BookingRace, ConcurrentRetriesOfOneRequestMakeOneBooking) {
  constexpr int kClients = 16;
  Hospital("RACE-H2");
  v1::Slot slot = Capacity("RACE-H2", "2025-03-18", v1::SCREENING_TYPE_FOUR_HIGHS, 10);
  const std::string resident = Register(absl::CivilDay(1968, 2, 2)).name();
  std::vector<grpc::Status> statuses(kClients);
  std::vector<std::string> names(kClients);
  RunTogether(kClients, [&](int i, v1::SchedulingService::Stub& stub) {
    v1::BookScreeningRequest request;
    request.set_resident(resident);
    request.add_slots(slot.name());
    request.set_request_id("one-request");
    v1::Booking booking;
    grpc::ClientContext context;
    statuses[i] = stub.BookScreening(&context, request, &booking);
    names[i] = booking.name();
  });
  for (int i = 0; i < kClients; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    EXPECT_EQ(names[i], names[0]);
  }
  EXPECT_EQ(ActiveBookings(slot), 1);
  EXPECT_EQ(BookedCounter(slot), 1);
}

TEST_F(BookingRace, OneResidentRacingForTwoSlotsGetsOne) {
  constexpr int kClients = 12;
  Hospital("RACE-H3");
  v1::Slot a = Capacity("RACE-H3", "2025-03-19", v1::SCREENING_TYPE_FOUR_HIGHS, 10);
  v1::Slot b = Capacity("RACE-H3", "2025-03-20", v1::SCREENING_TYPE_FOUR_HIGHS, 10);
  const std::string resident = Register(absl::CivilDay(1969, 3, 3)).name();
  std::atomic<int> ok{0};
  RunTogether(kClients, [&](int i, v1::SchedulingService::Stub& stub) {
    v1::BookScreeningRequest request;
    request.set_resident(resident);
    request.add_slots(i % 2 ? a.name() : b.name());
    request.set_request_id(absl::StrCat("two-slots-", i));
    v1::Booking booking;
    grpc::ClientContext context;
    grpc::Status status = stub.BookScreening(&context, request, &booking);
    if (status.ok()) {
      ok++;
    } else {
      EXPECT_THAT(status, GrpcIs(grpc::StatusCode::ALREADY_EXISTS));
    }
  });
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(ActiveBookings(a) + ActiveBookings(b), 1);
  EXPECT_EQ(BookedCounter(a) + BookedCounter(b), 1);
}

TEST_F(BookingRace, ReusingARequestIdForAnotherRequestIsRefused) {
  Hospital("RACE-H4");
  v1::Slot slot = Capacity("RACE-H4", "2025-03-21", v1::SCREENING_TYPE_FOUR_HIGHS, 10);
  v1::Booking booking;
  ASSERT_TRUE(
      Book(Register(absl::CivilDay(1967, 4, 4)).name(), slot.name(), "reused", &booking).ok());
  grpc::Status status =
      Book(Register(absl::CivilDay(1967, 4, 5)).name(), slot.name(), "reused", &booking);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(BadFields(status), ::testing::ElementsAre("request_id"));
  EXPECT_EQ(ActiveBookings(slot), 1);
}

TEST_F(BookingRace, VisitsBookedTogetherShareCommitsAndMatchARecount) {
  // Calls arriving together are booked in one transaction. 30 residents want
  // one four-highs place of 20; 12 want a colorectal and gastric visit
  // where colorectal has 8 places; 6 retry a four-highs request at once.
  Hospital("RACE-H5");
  v1::Slot four = Capacity("RACE-H5", "2025-03-24", v1::SCREENING_TYPE_FOUR_HIGHS, 20);
  v1::Slot colorectal = Capacity("RACE-H5", "2025-03-24", v1::SCREENING_TYPE_COLORECTAL, 8);
  v1::Slot gastric = Capacity("RACE-H5", "2025-03-24", v1::SCREENING_TYPE_GASTRIC, 40);
  constexpr int kSingles = 30, kVisits = 12, kRetries = 6;
  std::vector<v1::BookScreeningRequest> requests;
  for (int i = 0; i < kSingles + kVisits; ++i) {
    v1::BookScreeningRequest request;
    request.set_resident(Register(absl::CivilDay(1966, 6, 1) + i).name());
    if (i < kSingles) {
      request.add_slots(four.name());
    } else {
      request.add_slots(colorectal.name());
      request.add_slots(gastric.name());
    }
    request.set_request_id(absl::StrCat("together-", i));
    requests.push_back(request);
  }
  for (int i = 0; i < kRetries; ++i) requests.push_back(requests[i]);
  std::vector<grpc::Status> statuses(requests.size());
  std::vector<std::string> names(requests.size());
  RunTogether(static_cast<int>(requests.size()), [&](int i, v1::SchedulingService::Stub& stub) {
    v1::Booking booking;
    grpc::ClientContext context;
    statuses[i] = stub.BookScreening(&context, requests[i], &booking);
    names[i] = booking.name();
  });
  int singles = 0, visits = 0;
  for (size_t i = 0; i < kSingles + kVisits; ++i) {
    if (statuses[i].ok()) {
      (i < kSingles ? singles : visits)++;
    } else {
      EXPECT_EQ(ErrorReason(statuses[i]), "SLOT_FULL") << i << ": " << statuses[i].error_message();
    }
  }
  for (int i = 0; i < kRetries; ++i) {
    const size_t retry = kSingles + kVisits + i;
    EXPECT_EQ(statuses[retry].error_code(), statuses[i].error_code()) << i;
    EXPECT_EQ(names[retry], names[i]) << i;
  }
  EXPECT_EQ(singles, 20);
  EXPECT_EQ(visits, 8);
  for (const v1::Slot* slot : {&four, &colorectal, &gastric}) {
    EXPECT_EQ(BookedCounter(*slot), ActiveBookings(*slot)) << slot->name();
  }
  EXPECT_EQ(BookedCounter(four), 20);
  EXPECT_EQ(BookedCounter(colorectal), 8);
  EXPECT_EQ(BookedCounter(gastric), 8);  // every visit all or nothing
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM scheduling.outbox WHERE hospital_code = 'RACE-H5'"),
            28);
  // Booked together: fewer transactions than bookings.
  EXPECT_LT(db_->QueryInt("SELECT count(DISTINCT xmin::text) FROM scheduling.bookings"
                          " WHERE hospital_code = 'RACE-H5'"),
            28);
  // Every call leaves exactly one audit row with its outcome (a retry is a
  // call of its own); the rows of calls booked together commit in their
  // bookings' transaction, not after it.
  auto audit_rows = [&](const std::string& resident, const std::string& outcome) {
    return db_->QueryInt(
        absl::StrCat("SELECT count(*) FROM audit.events WHERE method = "
                     "'screening.v1.SchedulingService/BookScreening' AND resource = '",
                     resident, "' AND outcome = '", outcome, "'"));
  };
  for (size_t i = 0; i < kSingles + kVisits; ++i) {
    const int64_t calls = i < kRetries ? 2 : 1;
    const std::string outcome = statuses[i].ok() ? "OK" : "FAILED_PRECONDITION";
    EXPECT_EQ(audit_rows(requests[i].resident(), outcome), calls) << i;
    EXPECT_EQ(db_->QueryInt(absl::StrCat("SELECT count(*) FROM audit.events WHERE resource = '",
                                         requests[i].resident(), "'")),
              calls + 1)  // and the registration's
        << i;
  }
  EXPECT_GE(db_->QueryInt("SELECT count(*) FROM scheduling.bookings b JOIN audit.events e"
                          " ON e.resource = 'residents/' || b.resident_id AND e.outcome = 'OK'"
                          " AND e.method = 'screening.v1.SchedulingService/BookScreening'"
                          " AND e.xmin = b.xmin WHERE b.hospital_code = 'RACE-H5'"),
            2);
}

TEST_F(BookingRace, EligibilityOfBookingsTogetherIsEachResidentsOwn) {
  // Booked at once: eligible residents, one too old, one who does not exist.
  // The batch asks the registry once; each call still gets its own answer.
  Hospital("RACE-H6");
  v1::Slot slot = Capacity("RACE-H6", "2025-03-25", v1::SCREENING_TYPE_FOUR_HIGHS, 50);
  std::vector<std::string> residents;
  for (int i = 0; i < 16; ++i) residents.push_back(Register(absl::CivilDay(1965, 9, 1) + i).name());
  residents[5] = Register(absl::CivilDay(1950, 1, 1)).name();  // 75 on the day
  residents[9] = "residents/987654321";
  std::vector<grpc::Status> statuses(residents.size());
  RunTogether(static_cast<int>(residents.size()), [&](int i, v1::SchedulingService::Stub& stub) {
    v1::BookScreeningRequest request;
    request.set_resident(residents[i]);
    request.add_slots(slot.name());
    request.set_request_id(absl::StrCat("eligible-together-", i));
    v1::Booking booking;
    grpc::ClientContext context;
    statuses[i] = stub.BookScreening(&context, request, &booking);
  });
  for (size_t i = 0; i < residents.size(); ++i) {
    if (i == 5) {
      EXPECT_THAT(statuses[i], GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
      EXPECT_EQ(ErrorReason(statuses[i]), "NOT_ELIGIBLE");
    } else if (i == 9) {
      EXPECT_THAT(statuses[i], GrpcIs(grpc::StatusCode::NOT_FOUND));
    } else {
      EXPECT_TRUE(statuses[i].ok()) << i << ": " << statuses[i].error_message();
    }
  }
  EXPECT_EQ(BookedCounter(slot), 14);
  EXPECT_EQ(ActiveBookings(slot), 14);
}

TEST_F(BookingRace, TheRegistryAnswersManyEligibilityChecksInOrder) {
  const std::string young = Register(absl::CivilDay(1990, 1, 1)).name();
  const std::string fit = Register(absl::CivilDay(1966, 3, 3)).name();
  internal::v1::BatchCheckEligibilityRequest batch;
  for (const std::string& resident : {fit, young, fit}) {
    auto* check = batch.add_requests();
    check->set_resident(resident);
    check->set_screening_type(v1::SCREENING_TYPE_GASTRIC);
    check->set_date("2025-06-03");
  }
  internal::v1::BatchCheckEligibilityResponse answers;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->registry_internal().BatchCheckEligibility(&context, batch, &answers).ok());
  }
  ASSERT_EQ(answers.responses_size(), 3);
  EXPECT_TRUE(answers.responses(0).eligible());
  EXPECT_FALSE(answers.responses(1).eligible());
  EXPECT_EQ(answers.responses(1).reasons(0).code(), "AGE_BELOW_MIN");
  EXPECT_TRUE(answers.responses(2).eligible());
  // A missing resident fails the call; so does a bad field, by name.
  batch.mutable_requests(1)->set_resident("residents/987654321");
  {
    grpc::ClientContext context;
    EXPECT_THAT(server_->registry_internal().BatchCheckEligibility(&context, batch, &answers),
                GrpcIs(grpc::StatusCode::NOT_FOUND));
  }
  batch.mutable_requests(2)->set_date("2025-13-01");
  grpc::ClientContext context;
  EXPECT_THAT(
      BadFields(server_->registry_internal().BatchCheckEligibility(&context, batch, &answers)),
      ::testing::ElementsAre("requests[2].date"));
}

}  // namespace
}  // namespace screening::testing
