-- Issue 18: when a message was queued by the database's own (real) clock. createdAt is the
-- application's clock, which outside production may be a simulated one (APP_NOW, a browser's
-- simulated clock), so the dev mailbox cannot order by it: it lists newest first by this column.
ALTER TABLE "OutboxEmail" ADD COLUMN "queuedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT now();
-- Existing rows: their createdAt is the best known.
UPDATE "OutboxEmail" SET "queuedAt" = "createdAt";
CREATE INDEX "OutboxEmail_queuedAt_idx" ON "OutboxEmail"("queuedAt");
