// Races through the real API with real concurrency: many clients on their own
// connections released together; after each, every slot's counter equals a
// recount of the places its bookings hold.
#include <grpcpp/client_context.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_split.h"
#include "tests/support/run_together.h"
#include "tests/support/slice_fixture.h"

namespace screening::testing {
namespace {

class SchedulingRace : public SliceTest {
 protected:
  void TearDown() override {
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM scheduling.slots s WHERE booked <> (SELECT "
                            "count(*) FROM scheduling.booking_items i WHERE i.slot_id = s.id "
                            "AND i.holds)"),
              0)
        << "a slot's counter differs from a recount of its bookings";
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM (SELECT resident_id, screening_type, entitlement "
                            "FROM scheduling.booking_items WHERE holds GROUP BY 1, 2, 3 "
                            "HAVING count(*) > 1) d"),
              0)
        << "a resident holds two places for one entitlement";
  }

  template <typename Body>
  static void RunTogether(int clients, Body body) {
    testing::RunTogether(*server_, clients, body);
  }

  static grpc::Status BookOn(v1::SchedulingService::Stub& stub, const std::string& resident,
                             const std::string& slot, const std::string& request_id,
                             v1::Booking* out) {
    v1::BookScreeningRequest request;
    request.set_resident(resident);
    request.add_slots(slot);
    request.set_request_id(request_id);
    grpc::ClientContext context;
    return stub.BookScreening(&context, request, out);
  }
  static int Booked(const v1::Slot& slot) {
    return static_cast<int>(
        db_->QueryInt(absl::StrCat("SELECT booked FROM scheduling.slots WHERE id = ",
                                   *ParseNumericName("slots", slot.name()))));
  }
  static std::vector<std::string> RegisterMany(int n, absl::CivilDay first_birth) {
    std::vector<std::string> names;
    for (int i = 0; i < n; ++i) names.push_back(Register(first_birth + i).name());
    return names;
  }
};

TEST_F(SchedulingRace, AThousandAttemptsOnAHundredPlaceSlot) {
  constexpr int kAttempts = 1000, kThreads = 50, kPlaces = 100;
  Hospital("STAMPEDE-H1");
  v1::Slot slot = Capacity("STAMPEDE-H1", "2025-03-17", v1::SCREENING_TYPE_FOUR_HIGHS, kPlaces);
  const std::vector<std::string> residents = RegisterMany(kAttempts, absl::CivilDay(1966, 1, 1));
  std::atomic<int> booked{0}, full{0}, other{0};
  const absl::Time start = absl::Now();
  RunTogether(kThreads, [&](int t, v1::SchedulingService::Stub& stub) {
    for (int i = t; i < kAttempts; i += kThreads) {
      v1::Booking booking;
      grpc::Status status =
          BookOn(stub, residents[i], slot.name(), absl::StrCat("st-", i), &booking);
      if (status.ok()) {
        booked++;
      } else if (ErrorReason(status) == "SLOT_FULL") {
        full++;
      } else {
        other++;
        ADD_FAILURE() << status.error_message();
      }
    }
  });
  std::printf("1,000 attempts on 100 places: %.0f ms\n",
              absl::ToDoubleMilliseconds(absl::Now() - start));
  EXPECT_EQ(booked, kPlaces);
  EXPECT_EQ(full, kAttempts - kPlaces);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(Booked(slot), kPlaces);
}

TEST_F(SchedulingRace, CancelAndRebookRacing) {
  constexpr int kPlaces = 20;
  Hospital("CR-H1");
  v1::Slot slot = Capacity("CR-H1", "2025-03-18", v1::SCREENING_TYPE_FOUR_HIGHS, kPlaces);
  const std::vector<std::string> holders = RegisterMany(kPlaces, absl::CivilDay(1967, 1, 1));
  const std::vector<std::string> newcomers = RegisterMany(kPlaces, absl::CivilDay(1967, 6, 1));
  std::vector<v1::Booking> held(kPlaces);
  for (int i = 0; i < kPlaces; ++i) {
    ASSERT_TRUE(Book(holders[i], slot.name(), absl::StrCat("cr-hold-", i), &held[i]).ok());
  }
  std::atomic<int> cancelled{0}, rebooked{0};
  // Half the threads cancel, half book newcomers (each retrying until the
  // slot has no place, at most a few times).
  RunTogether(2 * kPlaces, [&](int t, v1::SchedulingService::Stub& stub) {
    if (t % 2 == 0) {
      v1::CancelBookingRequest request;
      request.set_name(held[t / 2].name());
      request.set_reason(v1::CANCEL_REASON_RESIDENT_UNABLE);
      request.set_request_id(absl::StrCat("cr-cancel-", t));
      v1::Booking out;
      grpc::ClientContext context;
      if (stub.CancelBooking(&context, request, &out).ok()) cancelled++;
    } else {
      for (int attempt = 0; attempt < 3; ++attempt) {
        v1::Booking out;
        grpc::Status status = BookOn(stub, newcomers[t / 2], slot.name(),
                                     absl::StrCat("cr-new-", t, "-", attempt), &out);
        if (status.ok()) {
          rebooked++;
          break;
        }
        EXPECT_EQ(ErrorReason(status), "SLOT_FULL") << status.error_message();
      }
    }
  });
  EXPECT_EQ(cancelled, kPlaces);
  EXPECT_LE(rebooked, kPlaces);
  EXPECT_EQ(Booked(slot), rebooked.load());
}

TEST_F(SchedulingRace, RescheduleRacingABookingOfTheTargetSlot) {
  constexpr int kMovers = 10;
  Hospital("RS-H1");
  v1::Slot target = Capacity("RS-H1", "2025-03-20", v1::SCREENING_TYPE_FOUR_HIGHS, 3);
  std::vector<v1::Slot> origins;
  std::vector<v1::Booking> bookings(kMovers);
  const std::vector<std::string> movers = RegisterMany(kMovers, absl::CivilDay(1968, 1, 1));
  const std::vector<std::string> bookers = RegisterMany(kMovers, absl::CivilDay(1968, 6, 1));
  for (int i = 0; i < kMovers; ++i) {
    origins.push_back(Capacity("RS-H1", FormatDate(absl::CivilDay(2025, 4, 1) + i),
                               v1::SCREENING_TYPE_FOUR_HIGHS, 1));
    ASSERT_TRUE(Book(movers[i], origins[i].name(), absl::StrCat("rs-", i), &bookings[i]).ok());
  }
  std::atomic<int> moved{0}, booked{0};
  std::vector<bool> did_move(kMovers, false);
  RunTogether(2 * kMovers, [&](int t, v1::SchedulingService::Stub& stub) {
    const int i = t / 2;
    v1::Booking out;
    if (t % 2 == 0) {
      v1::RescheduleBookingRequest request;
      request.set_name(bookings[i].name());
      request.add_slots(target.name());
      request.set_request_id(absl::StrCat("rs-move-", i));
      grpc::ClientContext context;
      grpc::Status status = stub.RescheduleBooking(&context, request, &out);
      if (status.ok()) {
        moved++;
        did_move[i] = true;
      } else {
        EXPECT_EQ(ErrorReason(status), "SLOT_FULL") << status.error_message();
      }
    } else {
      grpc::Status status =
          BookOn(stub, bookers[i], target.name(), absl::StrCat("rs-book-", i), &out);
      if (status.ok()) {
        booked++;
      } else {
        EXPECT_EQ(ErrorReason(status), "SLOT_FULL") << status.error_message();
      }
    }
  });
  EXPECT_EQ(moved + booked, 3) << "exactly the target's places were taken";
  EXPECT_EQ(Booked(target), 3);
  for (int i = 0; i < kMovers; ++i) {
    // A move that lost kept its old place; one that won released it.
    EXPECT_EQ(Booked(origins[i]), did_move[i] ? 0 : 1) << i;
  }
}

TEST_F(SchedulingRace, AWaitlistPromotionRacingANewBooking) {
  constexpr int kRounds = 10;
  Hospital("WR-H1");
  for (int round = 0; round < kRounds; ++round) {
    const std::string date = FormatDate(absl::CivilDay(2025, 5, 1) + round);
    v1::Slot slot = Capacity("WR-H1", date, v1::SCREENING_TYPE_FOUR_HIGHS, 1);
    v1::Booking holder;
    ASSERT_TRUE(Book(Register(absl::CivilDay(1969, 1, 1) + round).name(), slot.name(),
                     absl::StrCat("wr-hold-", round), &holder)
                    .ok());
    v1::Resident waiting = Register(absl::CivilDay(1969, 3, 1) + round);
    v1::JoinWaitlistRequest join;
    join.mutable_entry()->set_resident(waiting.name());
    join.mutable_entry()->set_hospital("hospitals/WR-H1");
    join.mutable_entry()->set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
    join.mutable_entry()->set_start_date(date);
    join.mutable_entry()->set_end_date(date);
    join.set_request_id(absl::StrCat("wr-join-", round));
    v1::WaitlistEntry entry;
    {
      grpc::ClientContext context;
      ASSERT_TRUE(server_->scheduling().JoinWaitlist(&context, join, &entry).ok());
    }
    const std::string newcomer = Register(absl::CivilDay(1969, 5, 1) + round).name();
    std::atomic<bool> newcomer_booked{false};
    RunTogether(2, [&](int t, v1::SchedulingService::Stub& stub) {
      v1::Booking out;
      if (t == 0) {
        v1::CancelBookingRequest cancel;
        cancel.set_name(holder.name());
        cancel.set_reason(v1::CANCEL_REASON_RESIDENT_REQUEST);
        cancel.set_request_id(absl::StrCat("wr-cancel-", round));
        grpc::ClientContext context;
        EXPECT_TRUE(stub.CancelBooking(&context, cancel, &out).ok());
      } else {
        if (BookOn(stub, newcomer, slot.name(), absl::StrCat("wr-new-", round), &out).ok()) {
          newcomer_booked = true;
        }
      }
    });
    // The released place goes to the waiting resident in the cancel's own
    // transaction: the newcomer never sees it free.
    EXPECT_FALSE(newcomer_booked) << "round " << round;
    v1::GetWaitlistEntryRequest get;
    get.set_name(entry.name());
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().GetWaitlistEntry(&context, get, &entry).ok());
    EXPECT_EQ(entry.state(), v1::WAITLIST_STATE_BOOKED) << "round " << round;
    EXPECT_EQ(Booked(slot), 1);
  }
}

TEST_F(SchedulingRace, ConcurrentRetriesOfOneVisitMakeOneBooking) {
  Hospital("RT-H1");
  v1::Slot a = Capacity("RT-H1", "2025-03-21", v1::SCREENING_TYPE_COLORECTAL, 5);
  v1::Slot b = Capacity("RT-H1", "2025-03-21", v1::SCREENING_TYPE_FOUR_HIGHS, 5);
  const std::string resident = Register(absl::CivilDay(1970, 10, 10)).name();
  std::vector<std::string> names(12);
  RunTogether(12, [&](int t, v1::SchedulingService::Stub& stub) {
    v1::BookScreeningRequest request;
    request.set_resident(resident);
    request.add_slots(a.name());
    request.add_slots(b.name());
    request.set_request_id("rt-one-visit");
    v1::Booking out;
    grpc::ClientContext context;
    grpc::Status status = stub.BookScreening(&context, request, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    names[t] = out.name();
  });
  for (const auto& name : names) EXPECT_EQ(name, names[0]);
  EXPECT_EQ(Booked(a), 1);
  EXPECT_EQ(Booked(b), 1);
}

}  // namespace
}  // namespace screening::testing
