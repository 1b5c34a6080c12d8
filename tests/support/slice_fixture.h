// Shared set-up for tests of the walking-skeleton slice: a database, a
// server with a fake clock at DefaultTestNow(), and helpers that make the
// usual objects through the API and fail the test if that fails.
#pragma once

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/names.h"
#include "tests/support/grpc_matchers.h"
#include "tests/support/test_database.h"
#include "tests/support/test_server.h"

namespace screening::testing {

// A valid ID number for a birth date, sex and sequence: the check character
// is computed, so every call with a new `sequence` makes a new resident.
std::string MakeIdNumber(const std::string& division, absl::CivilDay birth, int sequence,
                         bool male);

// A healthy four-highs visit: every classification negative.
v1::FourHighsMeasurement NormalFourHighs();

// Checks a booking in on its day, as the caller of `context`: the clock
// moves to 09:00 of that day for the call and back afterwards.
grpc::Status CheckInOnTheDay(FakeClock& clock, v1::SchedulingService::Stub& scheduling,
                             grpc::ClientContext* context, const v1::Booking& booking,
                             v1::Booking* checked_in);

class SliceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  // Registers a resident aged 55 (born 1970-01-01) in Daoli unless told otherwise.
  static v1::Resident Register(absl::CivilDay birth = absl::CivilDay(1970, 1, 1),
                               const std::string& district = "230102");
  // Registers a woman of `district` born `birth` and her pregnancy from
  // `last_menstrual_period` (consent given 2025-03-01). Fails the test if
  // either call fails.
  static std::pair<v1::Resident, v1::Pregnancy> RegisterPregnantWoman(
      absl::CivilDay birth, const std::string& district, const std::string& last_menstrual_period);
  // A hospital offering all four screenings, with no capacity plan.
  static v1::Hospital Hospital(const std::string& code, const std::string& district = "230102");
  static v1::Slot Capacity(const std::string& hospital_code, const std::string& date,
                           v1::ScreeningType type, int places,
                           v1::Session session = v1::SESSION_MORNING);
  // Books one visit; `slots` is one slot name or several joined by commas.
  static grpc::Status Book(const std::string& resident, const std::string& slots,
                           const std::string& request_id, v1::Booking* booking);
  // Checks a booking in on its day: the fake clock moves to that day for the
  // call and back afterwards. Fails the test if check-in fails.
  static v1::Booking CheckInOnTheDay(const v1::Booking& booking);

  static inline FakeClock* clock_ = nullptr;
  static inline TestDatabase* db_ = nullptr;
  static inline TestServer* server_ = nullptr;
  static inline int next_sequence_ = 1;
};

}  // namespace screening::testing
