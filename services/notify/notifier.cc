#include "services/notify/notifier.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/dates.h"
#include "common/log.h"
#include "common/names.h"
#include "common/server_metrics.h"
#include "common/status_macros.h"
#include "common/trace.h"
#include "screening/internal/v1/registry.grpc.pb.h"
#include "screening/internal/v1/results.grpc.pb.h"
#include "screening/internal/v1/scheduling.grpc.pb.h"
#include "screening/v1/scheduling.grpc.pb.h"

namespace screening::notify {
namespace {

constexpr char kSchedulingConsumer[] = "scheduling";
constexpr char kResultsConsumer[] = "results";
constexpr int kBatchSize = 500;
constexpr int kSendBatch = 100;
constexpr absl::Duration kPeerTimeout = absl::Seconds(10);

int64_t IdOf(const std::string& collection, const std::string& name) {
  return ParseNumericName(collection, name).value_or(0);
}

bool EndsVisit(internal::v1::OutboxEventType type) {
  return type == internal::v1::OUTBOX_EVENT_TYPE_BOOKING_CANCELLED ||
         type == internal::v1::OUTBOX_EVENT_TYPE_BOOKING_CHECKED_IN ||
         type == internal::v1::OUTBOX_EVENT_TYPE_BOOKING_NO_SHOW;
}

}  // namespace

Notifier::Notifier(NotifyStore& store, const Peers& peers, const Clock& clock,
                   SmsGatewayConfig templates, HttpSmsGateway* gateway, NotifierOptions options)
    : store_(store),
      peers_(peers),
      clock_(clock),
      templates_(std::move(templates)),
      gateway_(gateway),
      options_(options) {}

Notifier::~Notifier() { Stop(); }

void Notifier::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Notifier::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

PlannedNotification Notifier::Plan(std::string event_key, int64_t resident_id,
                                   std::string district_code, v1::NotificationKind kind,
                                   int64_t booking_id, Params params) const {
  PlannedNotification n{.event_key = std::move(event_key),
                        .resident_id = resident_id,
                        .district_code = std::move(district_code),
                        .kind = kind,
                        .booking_id = booking_id,
                        .template_id = templates_.TemplateIdFor(kind),
                        .params = std::move(params)};
  n.text = RenderText(kind, n.params);
  return n;
}

std::string Notifier::HospitalName(const std::string& hospital) {
  {
    absl::MutexLock lock(&hospitals_mu_);
    if (auto found = hospital_names_.find(hospital); found != hospital_names_.end()) {
      return found->second;
    }
  }
  std::map<std::string, std::string> names;
  auto scheduling = peers_.Stub<v1::SchedulingService>("scheduling");
  if (scheduling.ok()) {
    v1::ListHospitalsRequest request;
    request.set_page_size(1000);
    for (;;) {
      v1::ListHospitalsResponse response;
      auto context = peers_.CallContext(nullptr, kPeerTimeout);
      if (!(*scheduling)->ListHospitals(context.get(), request, &response).ok()) break;
      for (const v1::Hospital& h : response.hospitals()) names[h.name()] = h.display_name();
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
  }
  absl::MutexLock lock(&hospitals_mu_);
  for (auto& [name, display] : names) hospital_names_[name] = display;
  // A hospital scheduling does not know keeps its code: listed once, not per event.
  auto [found, added] =
      hospital_names_.try_emplace(hospital, std::string(absl::StripPrefix(hospital, "hospitals/")));
  return found->second;
}

absl::StatusOr<PlannedBatch> Notifier::PlanBookingEvents(const std::string& after) {
  auto scheduling = peers_.Stub<internal::v1::SchedulingInternalService>("scheduling");
  if (!scheduling.ok()) return scheduling.status();
  internal::v1::ListBookingEventsRequest request;
  request.set_after(after);
  request.set_page_size(kBatchSize);
  internal::v1::ListBookingEventsResponse events;
  auto context = peers_.CallContext(nullptr, kPeerTimeout);
  RETURN_IF_ERROR(
      PeerOutcome((*scheduling)->ListBookingEvents(context.get(), request, &events), "scheduling"));
  PlannedBatch batch;
  batch.events = events.events_size();
  if (batch.events == 0) return batch;
  batch.last_offset = events.events().rbegin()->offset();

  // The bookings' session, screenings and code, in one call.
  internal::v1::BatchGetBookingsRequest get;
  std::set<std::string> wanted;
  for (const auto& e : events.events()) {
    if (KindOfEvent(e.type()) && wanted.insert(e.booking()).second) get.add_names(e.booking());
  }
  std::map<std::string, v1::Booking> bookings;
  if (get.names_size() > 0) {
    internal::v1::BatchGetBookingsResponse got;
    auto get_context = peers_.CallContext(nullptr, kPeerTimeout);
    RETURN_IF_ERROR(
        PeerOutcome((*scheduling)->BatchGetBookings(get_context.get(), get, &got), "scheduling"));
    for (const v1::Booking& b : got.bookings()) bookings[b.name()] = b;
  }

  std::map<int64_t, Visit> visits;  // the last state of each booking in the batch
  for (const internal::v1::BookingEvent& e : events.events()) {
    const int64_t booking_id = IdOf("bookings", e.booking());
    const int64_t resident_id = IdOf("residents", e.resident());
    auto kind = KindOfEvent(e.type());
    auto booking = bookings.find(e.booking());
    VisitFacts facts{.hospital = HospitalName(e.hospital()), .date = e.date()};
    if (booking != bookings.end()) {
      facts.session = booking->second.session();
      for (const auto& s : booking->second.screenings()) {
        facts.screenings.push_back(s.screening_type());
      }
      facts.verification_code = booking->second.verification_code();
    }
    Params params = VisitParams(facts);
    if (kind) {
      batch.notifications.push_back(Plan(absl::StrCat("scheduling:", e.offset()), resident_id,
                                         e.resident_district_code(), *kind, booking_id, params));
      batch.notifications.back().visit_date = e.date();
    }
    // Check-ins and no-shows are not in KindOfEvent but end the visit too.
    if (kind || EndsVisit(e.type())) {
      visits[booking_id] = {.booking_id = booking_id,
                            .resident_id = resident_id,
                            .district_code = e.resident_district_code(),
                            .date = e.date(),
                            .params = std::move(params),
                            .active = !EndsVisit(e.type())};
    }
  }
  for (auto& [id, visit] : visits) batch.visits.push_back(std::move(visit));
  return batch;
}

absl::StatusOr<PlannedBatch> Notifier::PlanResultEvents(const std::string& after) {
  auto results = peers_.Stub<internal::v1::ResultsInternalService>("results");
  if (!results.ok()) return results.status();
  internal::v1::ListOutboxEventsRequest request;
  request.set_after(after);
  request.set_page_size(kBatchSize);
  internal::v1::ListOutboxEventsResponse events;
  auto context = peers_.CallContext(nullptr, kPeerTimeout);
  RETURN_IF_ERROR(
      PeerOutcome((*results)->ListOutboxEvents(context.get(), request, &events), "results"));
  PlannedBatch batch;
  batch.events = events.events_size();
  if (batch.events == 0) return batch;
  batch.last_offset = events.events().rbegin()->offset();
  for (const internal::v1::OutboxEvent& e : events.events()) {
    auto kind = KindOfEvent(e.type());
    if (!kind) continue;
    // The screening and where to collect the letter: never the result.
    Params params = {{"screening", ScreeningNameZh(e.screening_type())},
                     {"hospital", HospitalName(e.hospital())}};
    batch.notifications.push_back(Plan(absl::StrCat("results:", e.offset()),
                                       IdOf("residents", e.resident()), e.resident_district_code(),
                                       *kind, 0, std::move(params)));
  }
  return batch;
}

absl::StatusOr<int> Notifier::ConsumeEvents() {
  int total = 0;
  for (const auto& [consumer, planner] :
       {std::pair<const char*, NotifyStore::Planner>{
            kSchedulingConsumer, [this](const std::string& a) { return PlanBookingEvents(a); }},
        std::pair<const char*, NotifyStore::Planner>{
            kResultsConsumer, [this](const std::string& a) { return PlanResultEvents(a); }}}) {
    for (;;) {
      absl::StatusOr<int> read = store_.ConsumeBatch(consumer, planner);
      if (!read.ok()) return read.status();
      total += *read;
      if (*read < kBatchSize) break;
    }
  }
  return total;
}

absl::StatusOr<int> Notifier::QueueReminders() {
  const absl::CivilSecond now = absl::ToCivilSecond(clock_.Now(), HarbinTimeZone());
  if (now.hour() < options_.reminder_hour) return 0;
  const absl::CivilDay tomorrow = absl::CivilDay(now) + 1;
  int queued = 0;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<Visit> visits, store_.VisitsToRemind(tomorrow, kBatchSize));
    if (visits.empty()) return queued;
    std::vector<PlannedNotification> reminders;
    for (Visit& v : visits) {
      reminders.push_back(Plan(absl::StrCat("reminder:", v.booking_id, ":", v.date), v.resident_id,
                               v.district_code, v1::NOTIFICATION_KIND_VISIT_REMINDER, v.booking_id,
                               std::move(v.params)));
      reminders.back().visit_date = v.date;
    }
    ASSIGN_OR_RETURN(int added, store_.Enqueue(reminders));
    queued += added;
    if (static_cast<int>(visits.size()) < kBatchSize) return queued;
  }
}

namespace {

// A message's outcome in the metrics: sent, retry, failed, expired,
// declined or no_phone.
void CountOutcome(absl::string_view outcome) {
  if (ServerMetrics* metrics = GetServerMetrics()) metrics->NotificationOutcome(outcome);
}

}  // namespace

absl::StatusOr<int> Notifier::SendDue() {
  if (gateway_ == nullptr) return 0;
  int tried = 0;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<DueNotification> due, store_.ClaimDue(kSendBatch, options_.lease));
    if (due.empty()) return tried;
    // Where to send each, in one call; the phone is never stored here.
    auto registry = peers_.Stub<internal::v1::RegistryInternalService>("registry");
    if (!registry.ok()) return registry.status();
    internal::v1::GetContactsRequest request;
    std::set<int64_t> residents;
    for (const DueNotification& n : due) {
      if (residents.insert(n.resident_id).second) {
        request.add_residents(MakeName("residents", n.resident_id));
      }
    }
    internal::v1::GetContactsResponse contacts;
    auto context = peers_.CallContext(nullptr, kPeerTimeout);
    RETURN_IF_ERROR(
        PeerOutcome((*registry)->GetContacts(context.get(), request, &contacts), "registry"));
    std::map<int64_t, internal::v1::Contact> by_resident;
    for (const auto& c : contacts.contacts()) by_resident[IdOf("residents", c.resident())] = c;

    const std::string today = FormatDate(Today(clock_));
    for (const DueNotification& n : due) {
      // Too late to help: the visit it is about has passed (ISO dates compare as text).
      if (!n.visit_date.empty() && n.visit_date < today) {
        CountOutcome("expired");
        RETURN_IF_ERROR(store_.RecordSkipped(n.id, v1::NOTIFICATION_STATUS_EXPIRED));
        continue;
      }
      auto contact = by_resident.find(n.resident_id);
      if (contact != by_resident.end() && contact->second.sms_declined()) {
        CountOutcome("declined");
        RETURN_IF_ERROR(store_.RecordSkipped(n.id, v1::NOTIFICATION_STATUS_DECLINED));
        continue;
      }
      if (contact == by_resident.end() || contact->second.phone().empty()) {
        CountOutcome("no_phone");
        RETURN_IF_ERROR(store_.RecordSkipped(n.id, v1::NOTIFICATION_STATUS_NO_PHONE));
        continue;
      }
      ++tried;
      const absl::Status sent = gateway_->Send({.out_id = absl::StrCat("notification-", n.id),
                                                .phone = contact->second.phone(),
                                                .template_id = n.template_id,
                                                .params = n.params,
                                                .text = n.text});
      const int attempts = n.attempts + 1;
      const bool retry = absl::IsUnavailable(sent) && attempts < options_.max_attempts;
      // Never the phone, the text or the gateway's words (which may echo them).
      logs::Info(sent.ok() ? "notification sent"
                 : retry   ? "notification retry"
                           : "notification failed")
          .Int("notification_id", n.id)
          .Str("template_id", n.template_id)
          .Int("attempt", attempts)
          .Str("code", absl::StatusCodeToString(sent.code()))
          .Str("trace_id", CurrentTraceId());
      CountOutcome(sent.ok() ? "sent" : retry ? "retry" : "failed");
      if (sent.ok()) {
        RETURN_IF_ERROR(store_.RecordAttempt(n.id, v1::NOTIFICATION_STATUS_SENT, ""));
      } else if (retry) {
        RETURN_IF_ERROR(
            store_.RecordRetry(n.id, RetryDelay(attempts, options_.retry_base, options_.retry_cap),
                               std::string(sent.message())));
      } else {
        RETURN_IF_ERROR(store_.RecordAttempt(n.id, v1::NOTIFICATION_STATUS_FAILED,
                                             std::string(sent.message())));
      }
    }
  }
}

void Notifier::Run() {
  std::string last;
  // Each step logs a new failure once, not on every poll, and the loop goes
  // on: messages wait in the table until the peers or the gateway are back.
  auto report = [&last](const char* step, const absl::Status& status) {
    const std::string text = status.ok() ? "" : absl::StrCat(step, ": ", status.ToString());
    if (!text.empty() && text != last) {
      logs::Warn("notifier step failed; retrying")
          .Str("step", step)
          .Str("code", absl::StatusCodeToString(status.code()))
          .Str("error", status.message());
    }
    if (!status.ok()) last = text;
  };
  do {
    // One replica a round: the others skip it (they wait for the next).
    absl::StatusOr<bool> claimed = store_.ClaimNotifierRound(options_.poll_interval);
    report("claiming the round", claimed.status());
    if (!claimed.ok() || !*claimed) continue;
    // Each round is a background action of its own trace, sampled out (its
    // polls log nothing at info unless they fail).
    ScopedTrace trace(TraceContext::Start(/*sampled=*/false));
    absl::StatusOr<int> consumed = ConsumeEvents();
    report("reading events", consumed.status());
    absl::StatusOr<int> reminded = QueueReminders();
    report("queueing reminders", reminded.status());
    absl::StatusOr<int> sent = SendDue();
    report("sending", sent.status());
    if (consumed.ok() && reminded.ok() && sent.ok()) last.clear();
  } while (!stop_.WaitForNotificationWithTimeout(options_.poll_interval));
}

}  // namespace screening::notify
