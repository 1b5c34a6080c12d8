#include "services/notify/notify_store.h"

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/names.h"
#include "common/task_rounds.h"
#include "nlohmann/json.hpp"

namespace screening::notify {
namespace {

constexpr char kTime[] = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'";

std::string ParamsJson(const Params& params) { return nlohmann::json(params).dump(); }

Params ParamsOf(const std::string& json) {
  auto parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return {};
  return parsed.get<Params>();
}

std::string Utc(const std::string& column) {
  return absl::StrCat("to_char(", column, " AT TIME ZONE 'UTC', ", kTime, ")");
}

}  // namespace

NotifyStore::NotifyStore(db::Pool& pool) : pool_(pool) {
  pool_.AddPreparer([](pqxx::connection_base& c) {
    c.prepare("notify_count_pending", "SELECT count(*) FROM notify.notifications WHERE status = 1");
    c.prepare("notify_lock_offset",
              "SELECT last_offset FROM notify.offsets WHERE consumer = $1 FOR UPDATE");
    c.prepare("notify_set_offset",
              "UPDATE notify.offsets SET last_offset = $2 WHERE consumer = $1");
    c.prepare("notify_insert",
              "INSERT INTO notify.notifications (event_key, resident_id, district_code, kind,"
              " booking_id, template_id, template_params, text, visit_date)"
              " SELECT k, r, d, t, nullif(b, 0), tid, p::jsonb, x, nullif(v, '')::date"
              " FROM unnest($1::text[], $2::bigint[], $3::text[], $4::smallint[], $5::bigint[],"
              " $6::text[], $7::text[], $8::text[], $9::text[]) AS n(k, r, d, t, b, tid, p, x, v)"
              " ON CONFLICT (event_key) DO NOTHING");
    c.prepare("notify_upsert_visits",
              "INSERT INTO notify.visits (booking_id, resident_id, district_code, visit_date,"
              " template_params, active)"
              " SELECT b, r, d, v::date, p::jsonb, a <> 0 FROM unnest($1::bigint[], $2::bigint[],"
              " $3::text[], $4::text[], $5::text[], $6::int[]) AS n(b, r, d, v, p, a)"
              " ON CONFLICT (booking_id) DO UPDATE SET visit_date = excluded.visit_date,"
              " template_params = excluded.template_params, active = excluded.active");
    c.prepare("notify_visits_to_remind",
              "SELECT v.booking_id, v.resident_id, v.district_code, v.visit_date::text,"
              " v.template_params::text FROM notify.visits v"
              " WHERE v.visit_date = $1::date AND v.active AND NOT EXISTS ("
              "  SELECT 1 FROM notify.notifications n"
              "  WHERE n.event_key = 'reminder:' || v.booking_id || ':' || v.visit_date)"
              " ORDER BY v.booking_id LIMIT $2");
    c.prepare("notify_claim_due",
              "UPDATE notify.notifications n"
              " SET next_attempt_time = now() + $2 * interval '1 millisecond'"
              " FROM (SELECT id FROM notify.notifications"
              "  WHERE status = 1 AND next_attempt_time <= now()"
              "  ORDER BY next_attempt_time, id LIMIT $1 FOR UPDATE SKIP LOCKED) due"
              " WHERE n.id = due.id"
              " RETURNING n.id, n.resident_id, n.kind, n.template_id, n.template_params::text,"
              " n.text, n.attempts, coalesce(n.visit_date::text, '')");
    c.prepare("notify_attempt",
              "UPDATE notify.notifications SET status = $2, attempts = attempts + 1,"
              " last_error = $3, final_time = now() WHERE id = $1 AND status = 1");
    c.prepare("notify_retry",
              "UPDATE notify.notifications SET attempts = attempts + 1, last_error = $3,"
              " next_attempt_time = now() + $2 * interval '1 millisecond'"
              " WHERE id = $1 AND status = 1");
    c.prepare("notify_skip",
              "UPDATE notify.notifications SET status = $2, final_time = now()"
              " WHERE id = $1 AND status = 1");
    c.prepare("notify_list_resident",
              absl::StrCat("SELECT id, resident_id, kind, status, text, template_id, attempts,"
                           " coalesce(booking_id, 0), ",
                           Utc("create_time"), ", coalesce(", Utc("final_time"), ", ''), ",
                           Utc("next_attempt_time"),
                           ", last_error, district_code FROM notify.notifications"
                           " WHERE resident_id = $1 AND ($2 = 0 OR id < $2)"
                           " ORDER BY id DESC LIMIT $3"));
    c.prepare("notify_count_by_status",
              "SELECT status, count(*) FROM notify.notifications GROUP BY status");
  });
}

void NotifyStore::Insert(pqxx::work& tx, const std::vector<PlannedNotification>& notifications,
                         int* added) {
  if (notifications.empty()) return;
  std::vector<std::string> keys, districts, template_ids, params, texts, visit_dates;
  std::vector<int64_t> residents, kinds, bookings;
  for (const PlannedNotification& n : notifications) {
    keys.push_back(n.event_key);
    residents.push_back(n.resident_id);
    districts.push_back(n.district_code);
    kinds.push_back(n.kind);
    bookings.push_back(n.booking_id);
    template_ids.push_back(n.template_id);
    params.push_back(ParamsJson(n.params));
    texts.push_back(n.text);
    visit_dates.push_back(n.visit_date);
  }
  pqxx::result inserted = tx.exec_prepared(
      "notify_insert", db::PgArray(keys), db::PgArray(residents), db::PgArray(districts),
      db::PgArray(kinds), db::PgArray(bookings), db::PgArray(template_ids), db::PgArray(params),
      db::PgArray(texts), db::PgArray(visit_dates));
  if (added) *added += static_cast<int>(inserted.affected_rows());
}

absl::StatusOr<int> NotifyStore::ConsumeBatch(const std::string& consumer, const Planner& plan) {
  return db::Transact<int>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int> {
    pqxx::result offset = tx.exec_prepared("notify_lock_offset", consumer);
    if (offset.empty()) return absl::InternalError(absl::StrCat("no offset for ", consumer));
    absl::StatusOr<PlannedBatch> batch = plan(offset[0][0].as<std::string>());
    if (!batch.ok()) return batch.status();
    if (batch->events == 0) return 0;
    Insert(tx, batch->notifications, nullptr);
    if (!batch->visits.empty()) {
      std::vector<int64_t> bookings, residents;
      std::vector<std::string> districts, dates, params;
      std::vector<int> active;
      for (const Visit& v : batch->visits) {
        bookings.push_back(v.booking_id);
        residents.push_back(v.resident_id);
        districts.push_back(v.district_code);
        dates.push_back(v.date);
        params.push_back(ParamsJson(v.params));
        active.push_back(v.active ? 1 : 0);
      }
      tx.exec_prepared("notify_upsert_visits", db::PgArray(bookings), db::PgArray(residents),
                       db::PgArray(districts), db::PgArray(dates), db::PgArray(params),
                       db::PgArray(active));
    }
    tx.exec_prepared("notify_set_offset", consumer, batch->last_offset);
    return batch->events;
  });
}

absl::StatusOr<std::vector<Visit>> NotifyStore::VisitsToRemind(absl::CivilDay date, int limit) {
  using Visits = std::vector<Visit>;
  return db::AutoCommit<Visits>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Visits> {
    Visits visits;
    for (const auto& row : tx.exec_prepared("notify_visits_to_remind", FormatDate(date), limit)) {
      visits.push_back({.booking_id = row[0].as<int64_t>(),
                        .resident_id = row[1].as<int64_t>(),
                        .district_code = row[2].as<std::string>(),
                        .date = row[3].as<std::string>(),
                        .params = ParamsOf(row[4].as<std::string>()),
                        .active = true});
    }
    return visits;
  });
}

absl::StatusOr<int> NotifyStore::Enqueue(const std::vector<PlannedNotification>& notifications) {
  return db::Transact<int>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int> {
    int added = 0;
    Insert(tx, notifications, &added);
    return added;
  });
}

absl::StatusOr<std::vector<DueNotification>> NotifyStore::ClaimDue(int limit,
                                                                   absl::Duration lease) {
  using Due = std::vector<DueNotification>;
  return db::Transact<Due>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Due> {
    Due due;
    for (const auto& row :
         tx.exec_prepared("notify_claim_due", limit, absl::ToInt64Milliseconds(lease))) {
      due.push_back({.id = row[0].as<int64_t>(),
                     .resident_id = row[1].as<int64_t>(),
                     .kind = static_cast<v1::NotificationKind>(row[2].as<int>()),
                     .template_id = row[3].as<std::string>(),
                     .params = ParamsOf(row[4].as<std::string>()),
                     .text = row[5].as<std::string>(),
                     .attempts = row[6].as<int>(),
                     .visit_date = row[7].as<std::string>()});
    }
    // Oldest first, as claimed (RETURNING keeps no order).
    std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return due;
  });
}

absl::Status NotifyStore::RecordAttempt(int64_t id, v1::NotificationStatus final_status,
                                        const std::string& error) {
  return db::AutoCommitStatus(pool_, [&](pqxx::nontransaction& tx) {
    tx.exec_prepared("notify_attempt", id, static_cast<int>(final_status), error);
    return absl::OkStatus();
  });
}

absl::Status NotifyStore::RecordRetry(int64_t id, absl::Duration delay, const std::string& error) {
  return db::AutoCommitStatus(pool_, [&](pqxx::nontransaction& tx) {
    tx.exec_prepared("notify_retry", id, absl::ToInt64Milliseconds(delay), error);
    return absl::OkStatus();
  });
}

absl::Status NotifyStore::RecordSkipped(int64_t id, v1::NotificationStatus final_status) {
  return db::AutoCommitStatus(pool_, [&](pqxx::nontransaction& tx) {
    tx.exec_prepared("notify_skip", id, static_cast<int>(final_status));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<NotifyStore::Listed>> NotifyStore::ListForResident(int64_t resident_id,
                                                                              int64_t before_id,
                                                                              int limit) {
  using Rows = std::vector<Listed>;
  return db::AutoCommit<Rows>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Rows> {
    Rows rows;
    for (const auto& row :
         tx.exec_prepared("notify_list_resident", resident_id, before_id, limit + 1)) {
      Listed& listed = rows.emplace_back();
      v1::Notification& n = listed.notification;
      n.set_name(MakeName("notifications", row[0].as<int64_t>()));
      n.set_resident(MakeName("residents", row[1].as<int64_t>()));
      n.set_kind(static_cast<v1::NotificationKind>(row[2].as<int>()));
      n.set_status(static_cast<v1::NotificationStatus>(row[3].as<int>()));
      n.set_text(row[4].as<std::string>());
      n.set_template_id(row[5].as<std::string>());
      n.set_attempts(row[6].as<int>());
      if (const int64_t booking = row[7].as<int64_t>(); booking != 0) {
        n.set_booking(MakeName("bookings", booking));
      }
      n.set_create_time(row[8].as<std::string>());
      n.set_final_time(row[9].as<std::string>());
      if (n.status() == v1::NOTIFICATION_STATUS_PENDING && n.attempts() > 0) {
        n.set_next_attempt_time(row[10].as<std::string>());
      }
      n.set_last_error(row[11].as<std::string>());
      listed.district_code = row[12].as<std::string>();
    }
    return rows;
  });
}

absl::StatusOr<std::map<v1::NotificationStatus, int64_t>> NotifyStore::CountByStatus() {
  using Counts = std::map<v1::NotificationStatus, int64_t>;
  return db::AutoCommit<Counts>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<Counts> {
    Counts counts;
    for (const auto& row : tx.exec_prepared("notify_count_by_status")) {
      counts[static_cast<v1::NotificationStatus>(row[0].as<int>())] = row[1].as<int64_t>();
    }
    return counts;
  });
}

absl::StatusOr<bool> NotifyStore::ClaimNotifierRound(absl::Duration interval) {
  return ClaimTaskRound(pool_, "notify.task_rounds", "notifier", interval);
}

absl::StatusOr<int64_t> NotifyStore::CountPending() {
  return db::AutoCommit<int64_t>(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<int64_t> {
    return tx.exec_prepared1("notify_count_pending")[0].as<int64_t>();
  });
}

}  // namespace screening::notify
