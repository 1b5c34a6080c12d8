#include "common/trace.h"

#include <gtest/gtest.h>

namespace screening {
namespace {

constexpr char kExample[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceparentTest, ReadsTheSpecificationsExample) {
  auto parsed = ParseTraceparent(kExample);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(parsed->parent_id, "00f067aa0ba902b7");
  EXPECT_TRUE(parsed->sampled);
  EXPECT_FALSE(
      ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")->sampled);
}

TEST(TraceparentTest, RefusesMalformedHeaders) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // no flags
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero parent
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // 00 has no more
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // separator
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",    // not hex
       }) {
    EXPECT_FALSE(ParseTraceparent(bad).has_value()) << bad;
  }
  // A later version may carry more after another dash.
  EXPECT_TRUE(ParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later")
                  .has_value());
}

TEST(TraceContextTest, ContinuesTheCallersTraceWithANewSpan) {
  TraceContext call = TraceContext::Continue(kExample);
  EXPECT_EQ(call.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(call.span_id.size(), 16u);
  EXPECT_NE(call.span_id, "00f067aa0ba902b7");
  EXPECT_TRUE(ParseTraceparent(call.Traceparent()).has_value());
  EXPECT_EQ(ParseTraceparent(call.Traceparent())->parent_id, call.span_id);
}

TEST(TraceContextTest, StartsATraceWhenTheHeaderIsMissingOrBad) {
  TraceContext a = TraceContext::Continue("");
  TraceContext b = TraceContext::Continue("nonsense");
  EXPECT_EQ(a.trace_id.size(), 32u);
  EXPECT_NE(a.trace_id, b.trace_id);
  EXPECT_TRUE(ParseTraceparent(a.Traceparent()).has_value());
}

TEST(ScopedTraceTest, SetsAndRestoresTheThreadsTrace) {
  EXPECT_EQ(CurrentTrace(), nullptr);
  EXPECT_EQ(CurrentTraceId(), "");
  TraceContext outer = TraceContext::Start();
  {
    ScopedTrace a(outer);
    EXPECT_EQ(CurrentTraceId(), outer.trace_id);
    TraceContext inner = TraceContext::Start();
    {
      ScopedTrace b(inner);
      EXPECT_EQ(CurrentTraceId(), inner.trace_id);
    }
    EXPECT_EQ(CurrentTraceId(), outer.trace_id);
  }
  EXPECT_EQ(CurrentTrace(), nullptr);
}

TEST(BatchTraceTest, SharedTraceIsKeptAndMixedTracesGetANewOne) {
  const std::string t = "4bf92f3577b34da6a3ce929d0e0e4736";
  EXPECT_EQ(BatchTrace({t, t}).trace_id, t);
  EXPECT_NE(BatchTrace({t, "0af7651916cd43dd8448eb211c80319c"}).trace_id, t);
  EXPECT_EQ(BatchTrace({}).trace_id.size(), 32u);
  EXPECT_EQ(BatchTrace({""}).trace_id.size(), 32u);
}

}  // namespace
}  // namespace screening
