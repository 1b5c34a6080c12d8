-- A resident may decline text messages (notifications): none is then sent.
-- Those registered before this column existed have not declined.
ALTER TABLE registry.residents ADD COLUMN sms_declined boolean NOT NULL DEFAULT false;
