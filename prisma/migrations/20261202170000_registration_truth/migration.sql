-- Registration truth (issue 17): what the registrar has seen of a line's device since its change
-- was reflected, and the two emails about it (each at most once per change).

ALTER TABLE "PasswordChange"
  -- The registrar database's clock when the change was written there (kamailio provisioner only):
  -- registration_event rows after it were authenticated against this change's password.
  ADD COLUMN "registrarAppliedAt" TIMESTAMPTZ(3),
  -- When the device first registered with this change's password (the portal's clock), once seen.
  ADD COLUMN "registeredAt" TIMESTAMPTZ(3),
  ADD COLUMN "registeredDevice" TEXT,
  -- When "your device registered with the new password" was written to the outbox.
  ADD COLUMN "registeredMailAt" TIMESTAMPTZ(3),
  -- When "your device is still trying the old password" was written to the outbox.
  ADD COLUMN "oldPasswordMailAt" TIMESTAMPTZ(3);

-- The worker's registration watch walks only applied changes that still wait for a registration.
CREATE INDEX "PasswordChange_registration_watch_idx" ON "PasswordChange" ("appliedAt")
  WHERE status = 'APPLIED' AND "registeredMailAt" IS NULL;

-- The support timeline (lib/support/timeline.ts) reads a line's audit events and a customer's
-- emails newest first, a page at a time.
CREATE INDEX "AuditEvent_lineNumber_at_idx" ON "AuditEvent" ("lineNumber", at);
CREATE INDEX "OutboxEmail_customerId_createdAt_idx" ON "OutboxEmail" ("customerId", "createdAt");
