-- Carrier scale (issue 19): trigram indexes for the support search, ordered audit look-ups, and
-- the indexes the retention job (lib/retention) deletes along, in bounded batches.
-- pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it without being a
-- superuser. PGlite loads it from @electric-sql/pglite/contrib/pg_trgm (lib/db.ts).
-- IF NOT EXISTS throughout: an operator may build these beforehand with CREATE INDEX CONCURRENTLY
-- under the same names (docs/operations.md, "Upgrading a large database"), then this is instant.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Partial searches (ILIKE '%q%') on the self-care ID, the email and the line number.
CREATE INDEX IF NOT EXISTS "Customer_selfcareId_trgm_idx" ON "Customer" USING gin ("selfcareId" gin_trgm_ops);
CREATE INDEX IF NOT EXISTS "Customer_email_trgm_idx" ON "Customer" USING gin (email gin_trgm_ops);
CREATE INDEX IF NOT EXISTS "Line_number_trgm_idx" ON "Line" USING gin (number gin_trgm_ops);

-- The customer page's audit trail: two ordered, limited scans (by customer id, by self-care ID),
-- each newest first. The old single-column index is replaced by the ordered one.
DROP INDEX IF EXISTS "AuditEvent_selfcareId_idx";
CREATE INDEX IF NOT EXISTS "AuditEvent_selfcareId_at_idx" ON "AuditEvent" ("selfcareId", at);

-- Retention (oldest first, a batch at a time).
CREATE INDEX IF NOT EXISTS "AuditEvent_at_idx" ON "AuditEvent" (at);
CREATE INDEX IF NOT EXISTS "OutboxEmail_createdAt_idx" ON "OutboxEmail" ("createdAt");
-- Bodies still held: the body eraser walks only these (an erased row leaves this index).
CREATE INDEX IF NOT EXISTS "OutboxEmail_body_kept_idx" ON "OutboxEmail" ("createdAt") WHERE body <> '';
CREATE INDEX IF NOT EXISTS "LoginChallenge_expiresAt_idx" ON "LoginChallenge" ("expiresAt");
CREATE INDEX IF NOT EXISTS "AuthSession_lastSeenAt_idx" ON "AuthSession" ("lastSeenAt");
CREATE INDEX IF NOT EXISTS "RateLimiterFlexible_expire_idx" ON "RateLimiterFlexible" (expire);
CREATE INDEX IF NOT EXISTS "PasswordChange_createdAt_idx" ON "PasswordChange" ("createdAt");
