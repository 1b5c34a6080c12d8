#include "common/log.h"

#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <nlohmann/json.hpp>

namespace screening::logs {
namespace {

// Lines written by the caller into a string, as `format` at `level`.
class LogTest : public ::testing::Test {
 protected:
  void Use(Format format, Level level = Level::kInfo) {
    out_.str("");
    Configure({.level = level,
               .format = format,
               .sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_),
               .background = false});
  }
  void TearDown() override { Use(Format::kText, Level::kWarn); }
  std::string Written() const { return out_.str(); }
  std::ostringstream out_;
};

TEST_F(LogTest, JsonLineIsOneObjectWithTimeLevelMessageAndFields) {
  Use(Format::kJson);
  Info("call")
      .Str("method", "screening.v1.RegistryService/GetResident")
      .Int("port", 50051)
      .Num("ms", 1.25)
      .Bool("tls", true)
      .List("traces", {"a", "b"});
  const std::string line = Written();
  ASSERT_EQ(line.back(), '\n');
  ASSERT_EQ(line.find('\n'), line.size() - 1) << "one line";
  nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["msg"], "call");
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["method"], "screening.v1.RegistryService/GetResident");
  EXPECT_EQ(j["port"], 50051);
  EXPECT_DOUBLE_EQ(j["ms"].get<double>(), 1.25);
  EXPECT_EQ(j["tls"], true);
  EXPECT_EQ(j["traces"], nlohmann::json::array({"a", "b"}));
  const std::string time = j["time"];
  EXPECT_EQ(time.size(), std::string("2026-12-07T21:00:00.000000Z").size()) << time;
  EXPECT_EQ(time.back(), 'Z');
}

TEST_F(LogTest, JsonEscapesQuotesBackslashesAndControlCharacters) {
  Use(Format::kJson);
  Warn("odd \"text\"").Str("error", "a\\b\nc\td\x01");
  nlohmann::json j = nlohmann::json::parse(Written());
  EXPECT_EQ(j["msg"], "odd \"text\"");
  EXPECT_EQ(j["error"], "a\\b\nc\td\x01");
  EXPECT_EQ(j["level"], "warning");
}

TEST_F(LogTest, TextIsKeyValueAndQuotesWhatIsNotOneWord) {
  Use(Format::kText);
  Info("start").Str("services", "all").Str("note", "two words").Int("port", 1);
  const std::string line = Written();
  EXPECT_NE(line.find("start services=all note=\"two words\" port=1"), std::string::npos) << line;
  EXPECT_NE(line.find("info"), std::string::npos) << line;
}

TEST_F(LogTest, LinesBelowTheLevelAreNotWritten) {
  Use(Format::kJson, Level::kWarn);
  Info("quiet").Str("k", "v");
  Debug("quieter");
  EXPECT_EQ(Written(), "");
  Error("loud");
  EXPECT_NE(Written().find("\"msg\":\"loud\""), std::string::npos);
  Use(Format::kJson, Level::kOff);
  Error("nothing at all");
  EXPECT_EQ(Written(), "");
}

TEST(LogOptionsTest, ParsesLevelsAndFormats) {
  EXPECT_EQ(*ParseLevel("debug"), Level::kDebug);
  EXPECT_EQ(*ParseLevel("INFO"), Level::kInfo);
  EXPECT_EQ(*ParseLevel("warn"), Level::kWarn);
  EXPECT_EQ(*ParseLevel("off"), Level::kOff);
  EXPECT_FALSE(ParseLevel("loud").ok());
  EXPECT_EQ(*ParseFormat("auto", /*terminal=*/true), Format::kText);
  EXPECT_EQ(*ParseFormat("auto", /*terminal=*/false), Format::kJson);
  EXPECT_EQ(*ParseFormat("text", false), Format::kText);
  EXPECT_FALSE(ParseFormat("xml", false).ok());
}

TEST(RedactDatabaseUrlTest, TakesOutPasswordsInBothForms) {
  EXPECT_EQ(RedactDatabaseUrl("postgresql://screening:s3cret@db.local:5432/screening"),
            "postgresql://screening:***@db.local:5432/screening");
  EXPECT_EQ(
      RedactDatabaseUrl("postgres://db.local/screening?user=a&password=s3cret&sslmode=require"),
      "postgres://db.local/screening?user=a&password=***&sslmode=require");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://screening@db.local/screening"),
            "postgresql://screening@db.local/screening");
  EXPECT_EQ(RedactDatabaseUrl("host=/tmp port=5432 password='s3 cret' dbname=screening"),
            "host=/tmp port=5432 password=*** dbname=screening");
  for (const char* url :
       {"postgresql://u:s3cret@h/d", "password=s3cret host=h", "postgres://h/d?password=s3cret"}) {
    EXPECT_EQ(RedactDatabaseUrl(url).find("s3cret"), std::string::npos) << url;
  }
}

}  // namespace
}  // namespace screening::logs
