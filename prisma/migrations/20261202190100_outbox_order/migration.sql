-- The outbox sender claims only a recipient's oldest unsent message (in order per recipient,
-- lib/mail/sender.ts): this index answers "is there an older PENDING one for this address?" from
-- the unsent messages alone, however many have been sent.
CREATE INDEX IF NOT EXISTS "OutboxEmail_pending_recipient_idx" ON "OutboxEmail" ("toAddress", "createdAt", id) WHERE status = 'PENDING';
