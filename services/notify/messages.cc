#include "services/notify/messages.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/dates.h"

namespace screening::notify {
namespace {

constexpr char kSignature[] = "【哈尔滨市免费筛查】";

struct Template {
  v1::NotificationKind kind;
  const char* name;
  const char* text;
};

// The texts are what a gateway's registered templates would hold: fixed
// words around {parameters}.
constexpr Template kTemplates[] = {
    {v1::NOTIFICATION_KIND_BOOKING_CONFIRMED, "booking_confirmed",
     "您已预约{date}{session}到{hospital}做{screenings}筛查，核验码{code}。{preparation}"
     "请带身份证按时就诊。"},
    {v1::NOTIFICATION_KIND_VISIT_REMINDER, "visit_reminder",
     "提醒：明天（{date}）{session}请到{hospital}做{screenings}筛查，核验码{code}。{preparation}"},
    {v1::NOTIFICATION_KIND_BOOKING_CHANGED, "booking_changed",
     "您的筛查预约已改为{date}{session}，{hospital}，核验码{code}。{preparation}"},
    {v1::NOTIFICATION_KIND_BOOKING_CANCELLED, "booking_cancelled",
     "您{date}{session}在{hospital}的筛查预约已取消。如需重新预约，请联系所在社区卫生服务中心。"},
    {v1::NOTIFICATION_KIND_WAITLIST_PLACE, "waitlist_place",
     "候补成功：已为您预约{date}{session}到{hospital}做{screenings}筛查，核验码{code}。"
     "{preparation}"},
    {v1::NOTIFICATION_KIND_RESULTS_READY, "results_ready",
     "您的{screening}筛查结果已出，请到{hospital}或所在社区卫生服务中心领取《筛查结果告知书》。"},
    {v1::NOTIFICATION_KIND_REFERRAL_DUE, "referral_due",
     "根据您的{screening}筛查，医生建议您做进一步检查。请尽快联系所在社区卫生服务中心安排，"
     "以免延误。"},
    {v1::NOTIFICATION_KIND_REFERRAL_OVERDUE, "referral_overdue",
     "您{screening}筛查后的进一步检查已超过建议期限，尚未完成。请尽快联系所在社区卫生服务中心。"},
};

const Template* Find(v1::NotificationKind kind) {
  for (const Template& t : kTemplates) {
    if (t.kind == kind) return &t;
  }
  return nullptr;
}

std::string DateZh(const std::string& date) {
  auto day = ParseDate(date);
  if (!day) return date;
  return absl::StrCat(day->month(), "月", day->day(), "日");
}

}  // namespace

std::string KindName(v1::NotificationKind kind) {
  const Template* t = Find(kind);
  return t ? t->name : "unspecified";
}

std::string ScreeningNameZh(v1::ScreeningType type) {
  switch (type) {
    case v1::SCREENING_TYPE_COLORECTAL:
      return "结直肠癌";
    case v1::SCREENING_TYPE_GASTRIC:
      return "胃癌";
    case v1::SCREENING_TYPE_FOUR_HIGHS:
      return "四高";
    case v1::SCREENING_TYPE_NIPT:
      return "无创产前基因检测";
    default:
      return "筛查";
  }
}

std::string PreparationAdvice(const std::vector<v1::ScreeningType>& screenings) {
  auto has = [&](v1::ScreeningType type) {
    return std::find(screenings.begin(), screenings.end(), type) != screenings.end();
  };
  std::string advice;
  // Glucose, lipids and the gastric serum markers are read fasting.
  if (has(v1::SCREENING_TYPE_FOUR_HIGHS) || has(v1::SCREENING_TYPE_GASTRIC)) {
    advice += "抽血前需空腹8小时以上（前一晚10点后不再进食）。";
  }
  if (has(v1::SCREENING_TYPE_COLORECTAL)) {
    advice += "请先到社区卫生服务中心领取粪便采样盒，按说明留取样本后带来。";
  }
  return advice;
}

Params VisitParams(const VisitFacts& visit) {
  std::vector<std::string> names;
  for (v1::ScreeningType type : visit.screenings) names.push_back(ScreeningNameZh(type));
  return {{"date", DateZh(visit.date)},
          {"session", visit.session == v1::SESSION_AFTERNOON ? "下午" : "上午"},
          {"hospital", visit.hospital},
          {"screenings", absl::StrJoin(names, "、")},
          {"code", visit.verification_code},
          {"preparation", PreparationAdvice(visit.screenings)}};
}

std::string RenderText(v1::NotificationKind kind, const Params& params) {
  const Template* t = Find(kind);
  if (t == nullptr) return "";
  std::vector<std::pair<std::string, std::string>> replacements;
  for (const auto& [name, value] : params) replacements.emplace_back("{" + name + "}", value);
  return absl::StrCat(kSignature, absl::StrReplaceAll(t->text, replacements));
}

std::optional<v1::NotificationKind> KindOfEvent(internal::v1::OutboxEventType type) {
  switch (type) {
    case internal::v1::OUTBOX_EVENT_TYPE_BOOKING_CREATED:
      return v1::NOTIFICATION_KIND_BOOKING_CONFIRMED;
    case internal::v1::OUTBOX_EVENT_TYPE_BOOKING_PROMOTED:
      return v1::NOTIFICATION_KIND_WAITLIST_PLACE;
    case internal::v1::OUTBOX_EVENT_TYPE_BOOKING_RESCHEDULED:
      return v1::NOTIFICATION_KIND_BOOKING_CHANGED;
    case internal::v1::OUTBOX_EVENT_TYPE_BOOKING_CANCELLED:
      return v1::NOTIFICATION_KIND_BOOKING_CANCELLED;
    case internal::v1::OUTBOX_EVENT_TYPE_RESULT_RECORDED:
      return v1::NOTIFICATION_KIND_RESULTS_READY;
    case internal::v1::OUTBOX_EVENT_TYPE_REFERRAL_OPENED:
      return v1::NOTIFICATION_KIND_REFERRAL_DUE;
    case internal::v1::OUTBOX_EVENT_TYPE_REFERRAL_OVERDUE:
      return v1::NOTIFICATION_KIND_REFERRAL_OVERDUE;
    default:
      return std::nullopt;
  }
}

absl::Duration RetryDelay(int attempts, absl::Duration base, absl::Duration cap) {
  absl::Duration delay = base;
  for (int i = 1; i < attempts && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

}  // namespace screening::notify
