import nodemailer from "nodemailer";
import type { Database } from "../db";
import { backoffMs, claimDue, type RetryPolicy } from "../jobs";
import { log } from "../log";

/** The part of a nodemailer transport the sender uses (tests pass a real one to a capture server). */
export interface MailTransport {
  sendMail(message: { from: string; to: string; subject: string; text: string; messageId: string; headers?: Record<string, string> }): Promise<unknown>;
}

export function smtpTransport(url: string): MailTransport {
  return nodemailer.createTransport(url, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 });
}

export const OUTBOX_MAX_ATTEMPTS = 10;
/** While one process sends a message, others leave it alone for this long. */
export const OUTBOX_LEASE_MS = 2 * 60_000;

/** A failed send is retried after 5 s, 10 s, 20 s … at most 10 minutes apart. */
export const OUTBOX_RETRY: RetryPolicy = { firstMs: 5_000, capMs: 10 * 60_000 };

/** Retry delay after the n-th failed send (lib/jobs' one backoff, with the outbox's policy). */
export const outboxBackoffMs = (attempts: number): number => backoffMs(attempts, OUTBOX_RETRY);

/** Due messages, by the database's clock unless a test gives its own ($1). */
const DUE = `SELECT id, "toAddress", subject, body, sensitive, attempts FROM "OutboxEmail"
  WHERE status = 'PENDING' AND "nextAttemptAt" <= COALESCE($1::timestamptz, clock_timestamp())
  ORDER BY "nextAttemptAt"`;

interface Claimed {
  id: string;
  toAddress: string;
  subject: string;
  body: string;
  sensitive: boolean;
  attempts: number;
}

/**
 * Sends due outbox messages (at most `batchSize`). Each message is leased on its own just before it
 * is sent (claimed with SKIP LOCKED and its next attempt pushed past the lease), so concurrent senders
 * never pick the same message however slow SMTP is; then it is sent, then marked SENT. A failure
 * schedules a retry with backoff, and after OUTBOX_MAX_ATTEMPTS the message is FAILED (still
 * visible). The Message-ID is the outbox id, so the one window left — a crash between SMTP's
 * acceptance and the mark — yields a duplicate that receivers can recognise.
 *
 * Every time the lease and the due check compare is the database's clock (clock_timestamp()), so
 * senders on hosts whose clocks differ cannot take each other's leased messages. `now` (tests
 * only) replaces that clock with the caller's, running on from the call.
 */
export async function deliverDueEmails(options: {
  database: Database;
  transport: MailTransport;
  from: string;
  now?: Date;
  batchSize?: number;
}): Promise<{ sent: number; failed: number }> {
  const { database, transport, from, now } = options;
  const startedAt = Date.now();
  // null: the database's clock_timestamp() (COALESCE below).
  const current = () => (now ? new Date(now.getTime() + (Date.now() - startedAt)) : null);
  let sent = 0;
  let failed = 0;
  let retrying = { count: 0, err: "" };
  for (let i = 0; i < (options.batchSize ?? 20); i++) {
    const at = current();
    const [m] = await database.sql.transaction((q) =>
      claimDue<Claimed>(q, { sql: DUE, params: [now ?? null], limit: 1 }, { table: "OutboxEmail", from: at, ms: OUTBOX_LEASE_MS }),
    );
    if (!m) break;
    try {
      await transport.sendMail({ from, to: m.toAddress, subject: m.subject, text: m.body, messageId: `<${m.id}@selfcare.invalid>` });
      await database.sql.query(
        `UPDATE "OutboxEmail" SET status = 'SENT', "sentAt" = COALESCE($1::timestamptz, clock_timestamp()), attempts = $2, "lastError" = NULL,
                body = CASE WHEN $3 THEN '' ELSE body END
          WHERE id = $4`,
        [now ?? null, m.attempts + 1, m.sensitive, m.id],
      );
      sent++;
    } catch (error) {
      failed++;
      const attempts = m.attempts + 1;
      const giveUp = attempts >= OUTBOX_MAX_ATTEMPTS;
      const message = error instanceof Error ? error.message.slice(0, 500) : String(error);
      await database.sql.query(
        `UPDATE "OutboxEmail" SET attempts = $1, "lastError" = $2, status = $3::"OutboxStatus",
                "nextAttemptAt" = COALESCE($4::timestamptz, clock_timestamp()) + $5::int * interval '1 millisecond'
          WHERE id = $6`,
        [attempts, message, giveUp ? "FAILED" : "PENDING", now ?? null, outboxBackoffMs(attempts), m.id],
      );
      if (giveUp) log.error({ outboxId: m.id, attempts, err: message }, "email given up");
      else retrying = { count: retrying.count + 1, err: message };
    }
  }
  // One line per delivery round, not one per message: an SMTP outage would otherwise log every queued message each round.
  if (retrying.count > 0) log.warn({ failed: retrying.count, err: retrying.err }, "emails send failed, will retry");
  return { sent, failed };
}
