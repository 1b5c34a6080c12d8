#include "common/crypto.h"

#include <gtest/gtest.h>

namespace screening {
namespace {

const std::string kKey1 = std::string(64, '1');
const std::string kKey2 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

TEST(DataKeys, SealThenOpen) {
  auto keys = DataKeys::Parse("k1:" + kKey1);
  ASSERT_TRUE(keys.ok()) << keys.status();
  std::string sealed = keys->Seal("23010219700101001X");
  EXPECT_EQ(sealed.find("23010219700101001X"), std::string::npos);
  EXPECT_NE(keys->Seal("23010219700101001X"), sealed) << "nonces must differ";
  EXPECT_EQ(*keys->Open(sealed), "23010219700101001X");
  EXPECT_EQ(*keys->Open(keys->Seal("")), "");
}

TEST(DataKeys, TamperingIsDetected) {
  auto keys = DataKeys::Parse("k1:" + kKey1);
  std::string sealed = keys->Seal("张三");
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] ^= 0x01;
    EXPECT_FALSE(keys->Open(bad).ok()) << "flipped byte " << i;
  }
  EXPECT_EQ(keys->Open(sealed.substr(0, 10)).status().code(), absl::StatusCode::kDataLoss);
}

TEST(DataKeys, RotationDecryptsOldRows) {
  auto old_keys = DataKeys::Parse("k1:" + kKey1);
  std::string old_row = old_keys->Seal("13900000000");
  auto rotated = DataKeys::Parse("k2:" + kKey2 + ",k1:" + kKey1);
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->active_key_id(), "k2");
  EXPECT_EQ(*rotated->Open(old_row), "13900000000");
  EXPECT_EQ(*rotated->Open(rotated->Seal("x")), "x");
  auto only_new = DataKeys::Parse("k2:" + kKey2);
  EXPECT_EQ(only_new->Open(old_row).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(DataKeys, ParseRejectsBadSpecs) {
  for (const char* bad : {"", "k1", "k1:abcd", "k 1:0011", ":00"}) {
    EXPECT_FALSE(DataKeys::Parse(bad).ok()) << bad;
  }
  EXPECT_FALSE(DataKeys::Parse("k1:" + std::string(64, 'g')).ok());
}

TEST(LookupHash, IsKeyedAndStable) {
  const std::string a = LookupHash("key-a", "23010219700101001X");
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a, LookupHash("key-a", "23010219700101001X"));
  EXPECT_NE(a, LookupHash("key-b", "23010219700101001X"));
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(LookupHash("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Hex, RoundTrip) {
  EXPECT_EQ(HexEncode("\x01\xab"), "01ab");
  EXPECT_EQ(*HexDecode("01AB"), "\x01\xab");
  EXPECT_FALSE(HexDecode("0").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
}

TEST(SecretEquals, ComparesWholeValues) {
  EXPECT_TRUE(SecretEquals("abc", "abc"));
  EXPECT_FALSE(SecretEquals("abc", "abd"));
  EXPECT_FALSE(SecretEquals("abc", "ab"));
}

}  // namespace
}  // namespace screening
