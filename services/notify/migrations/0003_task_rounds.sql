-- The rounds of background tasks that run once across replicas, not once per
-- replica (common/task_rounds.h): here the notifier's.
CREATE TABLE notify.task_rounds (
  task            text PRIMARY KEY,
  last_round_time timestamptz NOT NULL,
  rounds          bigint NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON notify.task_rounds TO screening_notify;
