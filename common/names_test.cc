#include "common/names.h"

#include <gtest/gtest.h>

namespace screening {
namespace {

TEST(ParseNumericName, AcceptsCollectionAndPositiveId) {
  EXPECT_EQ(ParseNumericName("slots", "slots/7"), 7);
  EXPECT_EQ(ParseNumericName("slots", "bookings/7"), std::nullopt);
  EXPECT_EQ(ParseNumericName("slots", "slots/"), std::nullopt);
  EXPECT_EQ(ParseNumericName("slots", "slots/0"), std::nullopt);
  EXPECT_EQ(ParseNumericName("slots", "slots/-1"), std::nullopt);
  EXPECT_EQ(ParseNumericName("slots", "slots/1x"), std::nullopt);
  EXPECT_EQ(ParseNumericName("slots", "slots/99999999999999999999"), std::nullopt);
}

TEST(ParseStringName, AcceptsCodes) {
  EXPECT_EQ(ParseStringName("hospitals", "hospitals/HRB-001"), "HRB-001");
  EXPECT_EQ(ParseStringName("hospitals", "hospitals/a b"), std::nullopt);
  EXPECT_EQ(ParseStringName("hospitals", "HRB001"), std::nullopt);
}

TEST(IsValidRequestId, BoundsLengthAndCharacters) {
  EXPECT_TRUE(IsValidRequestId("3f2a-book-1"));
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId(std::string(65, 'a')));
  EXPECT_FALSE(IsValidRequestId("has space"));
}

}  // namespace
}  // namespace screening
