#include "common/db.h"

#include <gtest/gtest.h>

namespace screening::db {
namespace {

TEST(ConnectionStringForUser, RewritesUriUserinfo) {
  EXPECT_EQ(ConnectionStringForUser("postgresql://screening@127.0.0.1:5432/screening",
                                    "screening_registry", ""),
            "postgresql://screening_registry@127.0.0.1:5432/screening");
  EXPECT_EQ(ConnectionStringForUser("postgres://owner:secret@db.example:5432/s?sslmode=require",
                                    "screening_results", "p@ss word"),
            "postgres://screening_results:p%40ss%20word@db.example:5432/s?sslmode=require");
  EXPECT_EQ(ConnectionStringForUser("postgresql://db.example/s", "screening_gate", ""),
            "postgresql://screening_gate@db.example/s");
}

TEST(ConnectionStringForUser, KeepsEveryHostOfAMultiHostUri) {
  // tools/cluster's URL: libpq tries the hosts in turn for a primary.
  EXPECT_EQ(ConnectionStringForUser("postgresql://screening@127.0.0.1:55411,127.0.0.1:55412/"
                                    "screening?target_session_attrs=read-write",
                                    "screening_scheduling", ""),
            "postgresql://screening_scheduling@127.0.0.1:55411,127.0.0.1:55412/"
            "screening?target_session_attrs=read-write");
}

TEST(ConnectionStringForUser, AppendsToKeyValueSettings) {
  EXPECT_EQ(ConnectionStringForUser("host=127.0.0.1 port=5433 user=screening dbname=t",
                                    "screening_progress", "it's"),
            "host=127.0.0.1 port=5433 user=screening dbname=t user='screening_progress'"
            " password='it\\'s'");
}

TEST(Fingerprint, IsStableFnv1a) {
  EXPECT_EQ(Fingerprint(""), 14695981039346656037ull);
  EXPECT_EQ(Fingerprint("a"), 12638187200555641996ull);
}

TEST(PgArray, QuotesTextAndListsNumbers) {
  EXPECT_EQ(PgArray(std::vector<int64_t>{1, -2, 3}), "{1,-2,3}");
  EXPECT_EQ(PgArray(std::vector<std::string>{"a", "b,\"c\"", "d\\e", ""}),
            R"({"a","b,\"c\"","d\\e",""})");
  EXPECT_EQ(PgArray(std::vector<int64_t>{}), "{}");
  EXPECT_EQ(PgArray(std::vector<std::string>{std::string("a\0b", 3)}), R"({"ab"})");
}

}  // namespace
}  // namespace screening::db
