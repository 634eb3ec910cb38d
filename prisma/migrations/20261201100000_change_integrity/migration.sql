-- Change integrity (issue 13): a cancelled state, what a submission contained, the password the
-- registrar holds, and the database's clock for the outbox's leases.

-- A change the customer withdrew before it was reflected.
ALTER TYPE "ChangeStatus" ADD VALUE IF NOT EXISTS 'CANCELLED';

ALTER TABLE "PasswordChange"
  -- HMAC-SHA256 (a key derived from CREDENTIAL_KEY) of the line and the new password: only a
  -- submission of the same content replays under one idempotency key.
  ADD COLUMN "submissionDigest" TEXT,
  -- argon2id hash of the new password: once APPLIED it is the password the registrar holds, the
  -- one a cancellation of a later change returns the line to.
  ADD COLUMN "newPasswordHash" TEXT,
  ADD COLUMN "cancelledAt" TIMESTAMPTZ(3);

-- The hash of the password the registrar held before the line's first recorded reflection.
ALTER TABLE "Line" ADD COLUMN "baselinePasswordHash" TEXT;
-- Lines with nothing waiting: what the customer types as current is what the registrar holds.
-- (A line with a change waiting from before this migration has no known baseline: its change
-- cannot be cancelled by the customer; support can still see and handle it.)
UPDATE "Line" l SET "baselinePasswordHash" = l."passwordHash"
 WHERE NOT EXISTS (SELECT 1 FROM "PasswordChange" pc WHERE pc."lineId" = l.id AND pc.status IN ('PENDING', 'FAILED'));

-- Outbox times come from the database's clock, never from a sender's (hosts' clocks drift).
ALTER TABLE "OutboxEmail" ALTER COLUMN "nextAttemptAt" SET DEFAULT now();
