#include "services/notify/messages.h"

#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace screening::notify {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

VisitFacts TwoScreenings() {
  return {.hospital = "哈尔滨市道里区人民医院",
          .date = "2025-03-05",
          .session = v1::SESSION_AFTERNOON,
          .screenings = {v1::SCREENING_TYPE_COLORECTAL, v1::SCREENING_TYPE_FOUR_HIGHS},
          .verification_code = "482913"};
}

TEST(Messages, ConfirmationSaysWhereWhenTheCodeAndWhatToDoBefore) {
  const std::string text =
      RenderText(v1::NOTIFICATION_KIND_BOOKING_CONFIRMED, VisitParams(TwoScreenings()));
  EXPECT_THAT(text, StartsWith("【哈尔滨市免费筛查】"));
  EXPECT_THAT(text, HasSubstr("3月5日下午到哈尔滨市道里区人民医院做结直肠癌、四高筛查"));
  EXPECT_THAT(text, HasSubstr("核验码482913"));
  EXPECT_THAT(text, HasSubstr("空腹"));
  EXPECT_THAT(text, HasSubstr("粪便采样盒"));
  EXPECT_THAT(text, Not(HasSubstr("{"))) << "every parameter filled";
}

TEST(Messages, PreparationFollowsTheScreenings) {
  EXPECT_EQ(PreparationAdvice({v1::SCREENING_TYPE_NIPT}), "");
  EXPECT_THAT(PreparationAdvice({v1::SCREENING_TYPE_GASTRIC}), HasSubstr("空腹"));
  EXPECT_THAT(PreparationAdvice({v1::SCREENING_TYPE_GASTRIC}), Not(HasSubstr("粪便")));
  EXPECT_THAT(PreparationAdvice({v1::SCREENING_TYPE_COLORECTAL}), Not(HasSubstr("空腹")));
}

TEST(Messages, EveryKindHasATemplateWithEveryParameterKnown) {
  Params params = VisitParams(TwoScreenings());
  params["screening"] = ScreeningNameZh(v1::SCREENING_TYPE_GASTRIC);
  for (int k = v1::NotificationKind_MIN + 1; k <= v1::NotificationKind_MAX; ++k) {
    const auto kind = static_cast<v1::NotificationKind>(k);
    const std::string text = RenderText(kind, params);
    EXPECT_THAT(text, StartsWith("【哈尔滨市免费筛查】")) << KindName(kind);
    EXPECT_THAT(text, Not(HasSubstr("{"))) << KindName(kind);
    EXPECT_NE(KindName(kind), "unspecified");
  }
}

TEST(Messages, ResultsReadyAndReferralsCarryNoResult) {
  const Params params = {{"screening", "四高"}, {"hospital", "道里区医院"}};
  for (auto kind : {v1::NOTIFICATION_KIND_RESULTS_READY, v1::NOTIFICATION_KIND_REFERRAL_DUE,
                    v1::NOTIFICATION_KIND_REFERRAL_OVERDUE}) {
    const std::string text = RenderText(kind, params);
    for (const char* result_word : {"阳性", "阴性", "高风险", "mmHg", "mmol", "高血压"}) {
      EXPECT_THAT(text, Not(HasSubstr(result_word))) << KindName(kind);
    }
    EXPECT_FALSE(std::regex_search(text, std::regex("[0-9]{6,}"))) << "no ID or phone digits";
  }
}

TEST(Messages, EventsGiveTheirKindsAndOthersNone) {
  EXPECT_EQ(KindOfEvent(internal::v1::OUTBOX_EVENT_TYPE_BOOKING_CREATED),
            v1::NOTIFICATION_KIND_BOOKING_CONFIRMED);
  EXPECT_EQ(KindOfEvent(internal::v1::OUTBOX_EVENT_TYPE_BOOKING_PROMOTED),
            v1::NOTIFICATION_KIND_WAITLIST_PLACE);
  EXPECT_EQ(KindOfEvent(internal::v1::OUTBOX_EVENT_TYPE_REFERRAL_OVERDUE),
            v1::NOTIFICATION_KIND_REFERRAL_OVERDUE);
  EXPECT_EQ(KindOfEvent(internal::v1::OUTBOX_EVENT_TYPE_BOOKING_CHECKED_IN), std::nullopt);
  EXPECT_EQ(KindOfEvent(internal::v1::OUTBOX_EVENT_TYPE_RESULT_AMENDED), std::nullopt);
  EXPECT_EQ(KindOfEvent(internal::v1::OUTBOX_EVENT_TYPE_REFERRAL_COMPLETED), std::nullopt);
}

TEST(Messages, RetriesBackOffDoublingUpToTheCap) {
  const absl::Duration base = absl::Seconds(2), cap = absl::Minutes(1);
  EXPECT_EQ(RetryDelay(1, base, cap), absl::Seconds(2));
  EXPECT_EQ(RetryDelay(2, base, cap), absl::Seconds(4));
  EXPECT_EQ(RetryDelay(5, base, cap), absl::Seconds(32));
  EXPECT_EQ(RetryDelay(6, base, cap), absl::Minutes(1));
  EXPECT_EQ(RetryDelay(60, base, cap), absl::Minutes(1));
}

}  // namespace
}  // namespace screening::notify
