// Telling residents, end to end: bookings, waitlist places, results and
// referrals made through the API become SMS messages at a local fake gateway
// (tools/fake_sms_gateway), from the outboxes, once per event, retried with
// backoff, with a final status kept and listed through NotificationService.
#include <grpcpp/client_context.h>

#include <set>

#include "absl/strings/str_join.h"
#include "common/clock.h"
#include "screening/v1/notifications.grpc.pb.h"
#include "services/admin/admin_store.h"
#include "tests/support/slice_fixture.h"
#include "tools/fake_sms_gateway/fake_sms_gateway.h"

namespace screening::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using tools::FakeSmsGateway;

constexpr int kMaxAttempts = 4;

class Notifications : public SliceTest {
 protected:
  static void SetUpTestSuite() {
    auto gateway = FakeSmsGateway::Start("127.0.0.1", 0, "gateway-secret");
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = gateway->release();
    clock_ = new FakeClock(DefaultTestNow());
    auto db = TestDatabase::Create("notifications");
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = db->release();
    server_ = StartServer(gateway_->url()).release();
    ASSERT_NE(server_, nullptr);
    notifications_ = v1::NotificationService::NewStub(server_->channel()).release();
  }

  static void TearDownTestSuite() {
    delete notifications_;
    SliceTest::TearDownTestSuite();
    delete gateway_;
  }

  // A server whose notifier polls every 20 ms and retries after 20 ms,
  // doubling, at most kMaxAttempts tries; "" for no gateway (messages are
  // made, none is sent).
  static std::unique_ptr<TestServer> StartServer(const std::string& gateway_url) {
    AppConfig config;
    config.sms_gateway.url = gateway_url;
    config.sms_gateway.credentials = "gateway-secret";
    config.sms_gateway.template_ids = {{"booking_confirmed", "SMS_1001"}};
    config.notifier.poll_interval = absl::Milliseconds(20);
    config.notifier.retry_base = absl::Milliseconds(20);
    config.notifier.retry_cap = absl::Milliseconds(200);
    config.notifier.max_attempts = kMaxAttempts;
    auto server = TestServer::Start(db_->url(), clock_, config);
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? *std::move(server) : nullptr;
  }

  // A resident aged 55 with a mobile phone of their own.
  static v1::Resident RegisterWithPhone(const std::string& phone, bool declined = false,
                                        const std::string& district = "230102") {
    v1::RegisterResidentRequest request;
    request.mutable_resident()->set_id_number(
        MakeIdNumber(district, absl::CivilDay(1970, 2, 2), next_sequence_++, true));
    request.mutable_resident()->set_full_name("短信居民");
    request.mutable_resident()->set_district_code(district);
    request.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
    request.mutable_resident()->set_phone(phone);
    request.mutable_resident()->set_sms_declined(declined);
    v1::Resident resident;
    grpc::ClientContext context;
    grpc::Status status = server_->registry().RegisterResident(&context, request, &resident);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resident;
  }

  static v1::Booking BookVisit(const v1::Resident& resident, const std::string& date,
                               std::vector<v1::ScreeningType> types, int places = 50) {
    Hospital("SMS-H1");
    std::vector<std::string> slots;
    for (v1::ScreeningType type : types)
      slots.push_back(Capacity("SMS-H1", date, type, places).name());
    v1::Booking booking;
    grpc::Status status = Book(resident.name(), absl::StrJoin(slots, ","),
                               absl::StrCat("sms-", next_sequence_++), &booking);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return booking;
  }

  static std::vector<v1::Notification> List(const v1::Resident& resident) {
    v1::ListNotificationsRequest request;
    request.set_resident(resident.name());
    v1::ListNotificationsResponse response;
    grpc::ClientContext context;
    grpc::Status status = notifications_->ListNotifications(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.notifications().begin(), response.notifications().end()};
  }

  // Waits (up to 10 s) until the resident has a message of `kind` with a
  // final status, and returns it.
  static v1::Notification AwaitFinal(const v1::Resident& resident, v1::NotificationKind kind) {
    for (int i = 0; i < 500; ++i) {
      for (const v1::Notification& n : List(resident)) {
        if (n.kind() == kind && n.status() != v1::NOTIFICATION_STATUS_PENDING) return n;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    ADD_FAILURE() << "no final " << v1::NotificationKind_Name(kind) << " for " << resident.name();
    return {};
  }

  static std::vector<FakeSmsGateway::Message> ReceivedBy(const std::string& phone) {
    std::vector<FakeSmsGateway::Message> found;
    for (const auto& m : gateway_->Accepted()) {
      if (m.phone == phone) found.push_back(m);
    }
    return found;
  }

  static v1::Result RecordFourHighs(const v1::Booking& booking, int systolic_mmhg) {
    const v1::Booking checked_in = CheckInOnTheDay(booking);
    v1::RecordResultRequest record;
    record.set_hospital(checked_in.hospital());
    record.set_booking(checked_in.name());
    record.set_request_id(absl::StrCat("sms-result-", next_sequence_++));
    *record.mutable_four_highs() = NormalFourHighs();
    record.mutable_four_highs()->set_systolic_mmhg(systolic_mmhg);
    v1::Result result;
    grpc::ClientContext context;
    grpc::Status status = server_->results().RecordResult(&context, record, &result);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return result;
  }

  static inline FakeSmsGateway* gateway_ = nullptr;
  static inline v1::NotificationService::Stub* notifications_ = nullptr;
};

TEST_F(Notifications, ABookingIsConfirmedOnceWithItsCodeAndWhatToDoBefore) {
  const v1::Resident resident = RegisterWithPhone("13800000001");
  const v1::Booking booking = BookVisit(
      resident, "2025-03-10", {v1::SCREENING_TYPE_FOUR_HIGHS, v1::SCREENING_TYPE_COLORECTAL});
  const v1::Notification sent = AwaitFinal(resident, v1::NOTIFICATION_KIND_BOOKING_CONFIRMED);
  EXPECT_EQ(sent.status(), v1::NOTIFICATION_STATUS_SENT);
  EXPECT_EQ(sent.attempts(), 1);
  EXPECT_EQ(sent.booking(), booking.name());
  EXPECT_EQ(sent.template_id(), "SMS_1001") << "the configured template id";
  EXPECT_FALSE(sent.final_time().empty());

  const auto received = ReceivedBy("13800000001");
  ASSERT_EQ(received.size(), 1u);
  const std::string& text = received[0].text;
  EXPECT_EQ(text, sent.text()) << "the record keeps what was sent";
  EXPECT_THAT(text, HasSubstr("【哈尔滨市免费筛查】"));
  EXPECT_THAT(text, HasSubstr("3月10日上午"));
  EXPECT_THAT(text, HasSubstr("医院 SMS-H1"));
  EXPECT_THAT(text, HasSubstr(booking.verification_code()));
  EXPECT_THAT(text, HasSubstr("空腹")) << "fasting for the blood tests";
  EXPECT_THAT(text, HasSubstr("粪便采样盒")) << "the stool sample kit for the FIT";
  EXPECT_THAT(text, Not(HasSubstr(resident.id_number().substr(0, 6)))) << "no ID number";
  EXPECT_THAT(text, Not(HasSubstr("短信居民"))) << "no name";
  EXPECT_EQ(received[0].template_id, "SMS_1001");
  EXPECT_EQ(received[0].params.at("code"), booking.verification_code());
  EXPECT_EQ(received[0].out_id,
            absl::StrCat("notification-", *ParseNumericName("notifications", sent.name())));
}

TEST_F(Notifications, AGatewayFailureIsRetriedWithBackoffAndDeliveredOnce) {
  const int posts_before = gateway_->Posts();
  gateway_->FailNext(2);
  const v1::Resident resident = RegisterWithPhone("13800000002");
  BookVisit(resident, "2025-03-11", {v1::SCREENING_TYPE_FOUR_HIGHS});
  const v1::Notification sent = AwaitFinal(resident, v1::NOTIFICATION_KIND_BOOKING_CONFIRMED);
  EXPECT_EQ(sent.status(), v1::NOTIFICATION_STATUS_SENT);
  EXPECT_EQ(sent.attempts(), 3) << "two failures, then delivered";
  EXPECT_EQ(ReceivedBy("13800000002").size(), 1u) << "delivered once";
  EXPECT_GE(gateway_->Posts() - posts_before, 3);
}

TEST_F(Notifications, AMessageTheGatewayKeepsFailingEndsFailedWithItsReason) {
  gateway_->FailNext(kMaxAttempts + 10);
  const v1::Resident resident = RegisterWithPhone("13800000003");
  BookVisit(resident, "2025-03-11", {v1::SCREENING_TYPE_FOUR_HIGHS});
  const v1::Notification failed = AwaitFinal(resident, v1::NOTIFICATION_KIND_BOOKING_CONFIRMED);
  gateway_->FailNext(0);
  EXPECT_EQ(failed.status(), v1::NOTIFICATION_STATUS_FAILED);
  EXPECT_EQ(failed.attempts(), kMaxAttempts);
  EXPECT_THAT(failed.last_error(), HasSubstr("503"));
  EXPECT_THAT(failed.last_error(), Not(HasSubstr("13800000003"))) << "no phone in the record";
  EXPECT_TRUE(ReceivedBy("13800000003").empty());

  // A refusal (4xx) is final at once.
  gateway_->FailNext(1, 400);
  const v1::Resident refused = RegisterWithPhone("13800000004");
  BookVisit(refused, "2025-03-11", {v1::SCREENING_TYPE_FOUR_HIGHS});
  const v1::Notification once = AwaitFinal(refused, v1::NOTIFICATION_KIND_BOOKING_CONFIRMED);
  EXPECT_EQ(once.status(), v1::NOTIFICATION_STATUS_FAILED);
  EXPECT_EQ(once.attempts(), 1);
}

TEST_F(Notifications, AResidentWhoDeclinedGetsNothingAndOneWithoutAPhoneIsMarked) {
  const v1::Resident declined = RegisterWithPhone("13800000005", /*declined=*/true);
  BookVisit(declined, "2025-03-12", {v1::SCREENING_TYPE_FOUR_HIGHS});
  const v1::Notification skipped = AwaitFinal(declined, v1::NOTIFICATION_KIND_BOOKING_CONFIRMED);
  EXPECT_EQ(skipped.status(), v1::NOTIFICATION_STATUS_DECLINED);
  EXPECT_EQ(skipped.attempts(), 0);
  EXPECT_TRUE(ReceivedBy("13800000005").empty());

  const v1::Resident no_phone = Register(absl::CivilDay(1966, 6, 6));
  BookVisit(no_phone, "2025-03-12", {v1::SCREENING_TYPE_FOUR_HIGHS});
  EXPECT_EQ(AwaitFinal(no_phone, v1::NOTIFICATION_KIND_BOOKING_CONFIRMED).status(),
            v1::NOTIFICATION_STATUS_NO_PHONE);

  // Withdrawing consent later stops what follows.
  const v1::Resident later = RegisterWithPhone("13800000006");
  const v1::Booking booking = BookVisit(later, "2025-03-12", {v1::SCREENING_TYPE_FOUR_HIGHS});
  ASSERT_EQ(AwaitFinal(later, v1::NOTIFICATION_KIND_BOOKING_CONFIRMED).status(),
            v1::NOTIFICATION_STATUS_SENT);
  v1::UpdateResidentRequest update;
  update.mutable_resident()->set_name(later.name());
  update.mutable_resident()->set_sms_declined(true);
  update.mutable_update_mask()->add_paths("sms_declined");
  {
    v1::Resident updated;
    grpc::ClientContext context;
    ASSERT_TRUE(server_->registry().UpdateResident(&context, update, &updated).ok());
    EXPECT_TRUE(updated.sms_declined());
  }
  v1::CancelBookingRequest cancel;
  cancel.set_name(booking.name());
  cancel.set_reason(v1::CANCEL_REASON_RESIDENT_REQUEST);
  cancel.set_request_id("sms-cancel-declined");
  {
    v1::Booking cancelled;
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().CancelBooking(&context, cancel, &cancelled).ok());
  }
  EXPECT_EQ(AwaitFinal(later, v1::NOTIFICATION_KIND_BOOKING_CANCELLED).status(),
            v1::NOTIFICATION_STATUS_DECLINED);
  EXPECT_EQ(ReceivedBy("13800000006").size(), 1u) << "only the confirmation";
}

TEST_F(Notifications, ChangesCancellationsAndWaitlistPlacesAreTold) {
  const v1::Resident first = RegisterWithPhone("13800000011");
  const v1::Resident waiting = RegisterWithPhone("13800000012");
  Hospital("SMS-H2");
  const v1::Slot full = Capacity("SMS-H2", "2025-03-13", v1::SCREENING_TYPE_GASTRIC, 1);
  v1::Booking booking;
  ASSERT_TRUE(Book(first.name(), full.name(), "sms-wait-1", &booking).ok());
  v1::JoinWaitlistRequest join;
  join.mutable_entry()->set_resident(waiting.name());
  join.mutable_entry()->set_hospital("hospitals/SMS-H2");
  join.mutable_entry()->set_screening_type(v1::SCREENING_TYPE_GASTRIC);
  join.mutable_entry()->set_start_date("2025-03-13");
  join.mutable_entry()->set_end_date("2025-03-13");
  join.set_request_id("sms-wait-join");
  {
    v1::WaitlistEntry entry;
    grpc::ClientContext context;
    grpc::Status status = server_->scheduling().JoinWaitlist(&context, join, &entry);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // Moved to another day: told the new day and the code.
  const v1::Slot later =
      Capacity("SMS-H2", "2025-03-14", v1::SCREENING_TYPE_GASTRIC, 5, v1::SESSION_AFTERNOON);
  v1::RescheduleBookingRequest move;
  move.set_name(booking.name());
  move.add_slots(later.name());
  move.set_request_id("sms-move");
  v1::Booking moved;
  {
    grpc::ClientContext context;
    grpc::Status status = server_->scheduling().RescheduleBooking(&context, move, &moved);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  const v1::Notification changed = AwaitFinal(first, v1::NOTIFICATION_KIND_BOOKING_CHANGED);
  EXPECT_EQ(changed.status(), v1::NOTIFICATION_STATUS_SENT);
  EXPECT_THAT(changed.text(), HasSubstr("3月14日下午"));
  EXPECT_THAT(changed.text(), HasSubstr(moved.verification_code()));

  // The freed place went to the waitlist: the resident is told the visit.
  const v1::Notification place = AwaitFinal(waiting, v1::NOTIFICATION_KIND_WAITLIST_PLACE);
  EXPECT_EQ(place.status(), v1::NOTIFICATION_STATUS_SENT);
  EXPECT_THAT(place.text(), HasSubstr("候补成功"));
  EXPECT_THAT(place.text(), HasSubstr("3月13日上午"));
  EXPECT_THAT(place.text(), HasSubstr("空腹"));

  v1::CancelBookingRequest cancel;
  cancel.set_name(moved.name());
  cancel.set_reason(v1::CANCEL_REASON_RESIDENT_REQUEST);
  cancel.set_request_id("sms-cancel");
  {
    v1::Booking cancelled;
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().CancelBooking(&context, cancel, &cancelled).ok());
  }
  const v1::Notification gone = AwaitFinal(first, v1::NOTIFICATION_KIND_BOOKING_CANCELLED);
  EXPECT_EQ(gone.status(), v1::NOTIFICATION_STATUS_SENT);
  EXPECT_THAT(gone.text(), HasSubstr("已取消"));
  EXPECT_EQ(ReceivedBy("13800000011").size(), 3u) << "confirmed, changed, cancelled";
}

TEST_F(Notifications, TomorrowsVisitsAreRemindedOnceFromEightOClock) {
  // The suite's clock stands at 3 March 09:00: visits on 4 March are due a reminder.
  const v1::Resident resident = RegisterWithPhone("13800000021");
  const v1::Booking booking = BookVisit(resident, "2025-03-04", {v1::SCREENING_TYPE_GASTRIC});
  const v1::Notification reminder = AwaitFinal(resident, v1::NOTIFICATION_KIND_VISIT_REMINDER);
  EXPECT_EQ(reminder.status(), v1::NOTIFICATION_STATUS_SENT);
  EXPECT_EQ(reminder.booking(), booking.name());
  EXPECT_THAT(reminder.text(), HasSubstr("明天（3月4日）"));
  EXPECT_THAT(reminder.text(), HasSubstr(booking.verification_code()));
  absl::SleepFor(absl::Milliseconds(200));  // ten more polls
  int reminders = 0;
  for (const auto& n : List(resident))
    reminders += n.kind() == v1::NOTIFICATION_KIND_VISIT_REMINDER;
  EXPECT_EQ(reminders, 1);

  // A visit the day after tomorrow is not reminded yet.
  const v1::Resident later = RegisterWithPhone("13800000022");
  BookVisit(later, "2025-03-05", {v1::SCREENING_TYPE_GASTRIC});
  AwaitFinal(later, v1::NOTIFICATION_KIND_BOOKING_CONFIRMED);
  absl::SleepFor(absl::Milliseconds(200));
  for (const auto& n : List(later)) EXPECT_NE(n.kind(), v1::NOTIFICATION_KIND_VISIT_REMINDER);
}

TEST_F(Notifications, ResultsAndReferralsAreToldWithoutTheResult) {
  const v1::Resident resident = RegisterWithPhone("13800000031");
  const v1::Booking booking = BookVisit(resident, "2025-03-06", {v1::SCREENING_TYPE_FOUR_HIGHS});
  const v1::Result result = RecordFourHighs(booking, 168);
  ASSERT_FALSE(result.referral().empty()) << "grade 2 hypertension is referred";

  const v1::Notification ready = AwaitFinal(resident, v1::NOTIFICATION_KIND_RESULTS_READY);
  EXPECT_EQ(ready.status(), v1::NOTIFICATION_STATUS_SENT);
  EXPECT_THAT(ready.text(), HasSubstr("四高筛查结果已出"));
  const v1::Notification referral = AwaitFinal(resident, v1::NOTIFICATION_KIND_REFERRAL_DUE);
  EXPECT_EQ(referral.status(), v1::NOTIFICATION_STATUS_SENT);
  for (const auto& m : ReceivedBy("13800000031")) {
    // The confirmation's random verification code may hold "168" by chance:
    // it is not the result, so it is taken out before looking.
    std::string text = m.text;
    for (size_t at; (at = text.find(booking.verification_code())) != std::string::npos;) {
      text.erase(at, booking.verification_code().size());
    }
    for (const char* never : {"168", "高血压", "阳性", "mmHg", "1级", "2级"}) {
      EXPECT_THAT(text, Not(HasSubstr(never))) << "no result in a message";
      for (const auto& [name, value] : m.params) {
        if (value == booking.verification_code()) continue;
        EXPECT_THAT(value, Not(HasSubstr(never))) << name;
      }
    }
  }

  // Months later the follow-up is overdue: told again, once, though two
  // notifiers (this suite's and a second server's) read the events.
  clock_->Set(DefaultTestNow() + absl::Hours(24 * 120));
  AppConfig config;
  config.overdue_sweep_interval = absl::Milliseconds(50);
  config.sms_gateway.url = gateway_->url();
  config.sms_gateway.credentials = "gateway-secret";
  config.notifier.poll_interval = absl::Milliseconds(20);
  auto sweeping = TestServer::Start(db_->url(), clock_, config);
  ASSERT_TRUE(sweeping.ok()) << sweeping.status();
  const v1::Notification overdue = AwaitFinal(resident, v1::NOTIFICATION_KIND_REFERRAL_OVERDUE);
  (*sweeping)->app().Shutdown(absl::Seconds(1));
  clock_->Set(DefaultTestNow());
  EXPECT_EQ(overdue.status(), v1::NOTIFICATION_STATUS_SENT);
  EXPECT_THAT(overdue.text(), HasSubstr("已超过建议期限"));
  std::multiset<v1::NotificationKind> kinds;
  for (const auto& n : List(resident)) kinds.insert(n.kind());
  EXPECT_EQ(kinds.count(v1::NOTIFICATION_KIND_REFERRAL_OVERDUE), 1u);
  EXPECT_EQ(kinds.count(v1::NOTIFICATION_KIND_RESULTS_READY), 1u);
}

TEST_F(Notifications, ManyBookingsFromTwoNotifiersGiveOneMessageEachAndMatchARecount) {
  // A second notifier on the same database, sending to the same gateway.
  auto second = StartServer(gateway_->url());
  ASSERT_NE(second, nullptr);
  constexpr int kResidents = 40;
  std::vector<v1::Resident> residents;
  std::vector<std::string> phones;
  for (int i = 0; i < kResidents; ++i) {
    phones.push_back(absl::StrCat("139", 10000000 + i));
    residents.push_back(RegisterWithPhone(phones.back()));
  }
  Hospital("SMS-H3");
  const v1::Slot slot = Capacity("SMS-H3", "2025-03-20", v1::SCREENING_TYPE_FOUR_HIGHS, 100);
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = t; i < kResidents; i += 4) {
        v1::Booking booking;
        // Each booking sent twice: the retry is the same booking, not a second message.
        for (int attempt = 0; attempt < 2; ++attempt) {
          grpc::Status status =
              Book(residents[i].name(), slot.name(), absl::StrCat("sms-many-", i), &booking);
          EXPECT_TRUE(status.ok()) << status.error_message();
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  for (const auto& r : residents) AwaitFinal(r, v1::NOTIFICATION_KIND_BOOKING_CONFIRMED);
  absl::SleepFor(absl::Milliseconds(300));
  second->app().Shutdown(absl::Seconds(1));
  for (const std::string& phone : phones) {
    EXPECT_EQ(ReceivedBy(phone).size(), 1u) << phone;
  }
  // The recount: one message per booking event, none lost, none twice.
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM notify.notifications n WHERE kind = 1 AND "
                          "resident_id IN (SELECT resident_id FROM scheduling.bookings "
                          "WHERE hospital_code = 'SMS-H3')"),
            kResidents);
}

TEST_F(Notifications, AMessageAboutAVisitThatHasPassedIsNotSent) {
  // A gateway down for days, on a database of its own (this suite's
  // notifier would send the message at once).
  auto down = FakeSmsGateway::Start("127.0.0.1", 0);
  ASSERT_TRUE(down.ok()) << down.status();
  (*down)->FailNext(1000000);
  auto db = TestDatabase::Create("notifications_expired");
  ASSERT_TRUE(db.ok()) << db.status();
  AppConfig config;
  config.sms_gateway.url = (*down)->url();
  config.notifier.poll_interval = absl::Milliseconds(20);
  config.notifier.retry_base = absl::Milliseconds(20);
  config.notifier.retry_cap = absl::Milliseconds(20);
  config.notifier.max_attempts = 100;
  auto server = TestServer::Start((*db)->url(), clock_, config);
  ASSERT_TRUE(server.ok()) << server.status();
  auto& s = **server;

  v1::UpsertHospitalRequest hospital;
  hospital.mutable_hospital()->set_code("SMS-OLD");
  hospital.mutable_hospital()->set_display_name("医院 SMS-OLD");
  hospital.mutable_hospital()->set_district_code("230102");
  hospital.mutable_hospital()->add_screenings(v1::SCREENING_TYPE_FOUR_HIGHS);
  v1::Hospital h;
  v1::SetCapacityRequest capacity;
  capacity.set_hospital("hospitals/SMS-OLD");
  capacity.set_date("2025-03-05");
  capacity.set_session(v1::SESSION_MORNING);
  capacity.set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
  capacity.set_capacity(5);
  v1::Slot slot;
  v1::RegisterResidentRequest register_request;
  register_request.mutable_resident()->set_id_number(
      MakeIdNumber("230102", absl::CivilDay(1971, 3, 3), next_sequence_++, true));
  register_request.mutable_resident()->set_full_name("过期居民");
  register_request.mutable_resident()->set_district_code("230102");
  register_request.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
  register_request.mutable_resident()->set_phone("13800000051");
  v1::Resident resident;
  v1::BookScreeningRequest book;
  book.set_request_id("sms-expired");
  v1::Booking booking;
  {
    grpc::ClientContext c1, c2, c3, c4;
    ASSERT_TRUE(s.scheduling().UpsertHospital(&c1, hospital, &h).ok());
    ASSERT_TRUE(s.scheduling().SetCapacity(&c2, capacity, &slot).ok());
    ASSERT_TRUE(s.registry().RegisterResident(&c3, register_request, &resident).ok());
    book.set_resident(resident.name());
    book.add_slots(slot.name());
    ASSERT_TRUE(s.scheduling().BookScreening(&c4, book, &booking).ok());
  }
  auto notifications = v1::NotificationService::NewStub(s.channel());
  auto confirmation = [&]() -> v1::Notification {
    v1::ListNotificationsRequest request;
    request.set_resident(resident.name());
    v1::ListNotificationsResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(notifications->ListNotifications(&context, request, &response).ok());
    for (const auto& n : response.notifications()) {
      if (n.kind() == v1::NOTIFICATION_KIND_BOOKING_CONFIRMED) return n;
    }
    return {};
  };
  // Being tried while the gateway is down.
  for (int i = 0; i < 500 && confirmation().attempts() == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_GT(confirmation().attempts(), 0);
  ASSERT_EQ(confirmation().status(), v1::NOTIFICATION_STATUS_PENDING);
  // The gateway is back only after the visit's day.
  clock_->Set(DefaultTestNow() + absl::Hours(24 * 3));
  (*down)->FailNext(0);
  v1::Notification final_state;
  for (int i = 0; i < 500; ++i) {
    final_state = confirmation();
    if (final_state.status() != v1::NOTIFICATION_STATUS_PENDING) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  s.app().Shutdown(absl::Seconds(1));
  clock_->Set(DefaultTestNow());
  EXPECT_EQ(final_state.status(), v1::NOTIFICATION_STATUS_EXPIRED);
  EXPECT_TRUE((*down)->Accepted().empty()) << "nothing sent for a visit that has passed";
}

TEST_F(Notifications, BadContactRequestsAreRefusedByField) {
  for (const auto& [residents, field] :
       std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{}, "residents"},
           {std::vector<std::string>(1001, "residents/1"), "residents"},
           {{"residents/1", "bookings/2"}, "residents[1]"}}) {
    internal::v1::GetContactsRequest request;
    for (const auto& r : residents) request.add_residents(r);
    internal::v1::GetContactsResponse response;
    grpc::ClientContext context;
    grpc::Status status = server_->registry_internal().GetContacts(&context, request, &response);
    EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT)) << field;
    EXPECT_EQ(BadFields(status), std::vector<std::string>{field});
  }
}

TEST_F(Notifications, AClinicListsItsOwnDistrictsResidentsOnlyAndBadFieldsAreNamed) {
  const v1::Resident resident = RegisterWithPhone("13800000041");
  const v1::Booking booking = BookVisit(resident, "2025-03-21", {v1::SCREENING_TYPE_FOUR_HIGHS});
  AwaitFinal(resident, v1::NOTIFICATION_KIND_BOOKING_CONFIRMED);
  v1::CancelBookingRequest cancel;
  cancel.set_name(booking.name());
  cancel.set_reason(v1::CANCEL_REASON_RESIDENT_REQUEST);
  cancel.set_request_id("sms-list-cancel");
  {
    v1::Booking cancelled;
    grpc::ClientContext context;
    ASSERT_TRUE(server_->scheduling().CancelBooking(&context, cancel, &cancelled).ok());
  }
  AwaitFinal(resident, v1::NOTIFICATION_KIND_BOOKING_CANCELLED);

  db::Pool owner({.url = db_->url(), .size = 1});
  admin::AdminStore tokens(owner, *clock_);
  auto call = [&](const std::string& caller, const v1::ListNotificationsRequest& request,
                  v1::ListNotificationsResponse* response) {
    auto token = tokens.IssueToken(*ParseCallerName(caller), absl::Hours(1), "test");
    EXPECT_TRUE(token.ok()) << token.status();
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token->token);
    return notifications_->ListNotifications(&context, request, response);
  };
  v1::ListNotificationsRequest request;
  request.set_resident(resident.name());
  request.set_page_size(1);
  v1::ListNotificationsResponse page;
  ASSERT_TRUE(call("clinic:230102", request, &page).ok());
  ASSERT_EQ(page.notifications_size(), 1);
  EXPECT_EQ(page.notifications(0).kind(), v1::NOTIFICATION_KIND_BOOKING_CANCELLED)
      << "newest first";
  ASSERT_FALSE(page.next_page_token().empty());
  request.set_page_token(page.next_page_token());
  v1::ListNotificationsResponse next;
  ASSERT_TRUE(call("clinic:230102", request, &next).ok());
  ASSERT_EQ(next.notifications_size(), 1);
  EXPECT_EQ(next.notifications(0).kind(), v1::NOTIFICATION_KIND_BOOKING_CONFIRMED);

  v1::ListNotificationsResponse refused;
  EXPECT_THAT(call("clinic:230103", request, &refused),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_EQ(refused.notifications_size(), 0);
  EXPECT_THAT(call("hospital:SMS-H1", request, &refused),
              GrpcIs(grpc::StatusCode::PERMISSION_DENIED));

  struct Bad {
    std::string resident;
    int page_size;
    std::string page_token;
    std::string field;
  };
  for (const Bad& bad : std::vector<Bad>{{"", 0, "", "resident"},
                                         {"residents/x", 0, "", "resident"},
                                         {"bookings/1", 0, "", "resident"},
                                         {resident.name(), -1, "", "page_size"},
                                         {resident.name(), 101, "", "page_size"},
                                         {resident.name(), 0, "zz", "page_token"},
                                         {resident.name(), 0, "-5", "page_token"}}) {
    v1::ListNotificationsRequest r;
    r.set_resident(bad.resident);
    r.set_page_size(bad.page_size);
    r.set_page_token(bad.page_token);
    v1::ListNotificationsResponse response;
    grpc::Status status = call("clinic:230102", r, &response);
    EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT)) << bad.field;
    EXPECT_EQ(BadFields(status), std::vector<std::string>{bad.field}) << bad.resident;
  }
}

}  // namespace
}  // namespace screening::testing
