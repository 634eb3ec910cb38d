import { randomUUID } from "node:crypto";
import type { SqlQuery, Tx } from "../db";

export type EmailKind =
  | "LOGIN_CODE"
  | "LOCKOUT"
  | "CHANGE_ACCEPTED"
  | "CHANGE_APPLIED"
  | "CHANGE_FAILED"
  | "CHANGE_CANCELLED"
  | "LINE_BLOCKED"
  | "REGISTRATION_SEEN"
  | "REGISTRATION_OLD_PASSWORD";

export interface OutgoingEmail {
  kind: EmailKind;
  to: string;
  subject: string;
  body: string;
  /** The body carries a code: it is erased once delivered. */
  sensitive?: boolean;
  customerId?: string | null;
  staffUserId?: string | null;
}

/**
 * Writes a message to the outbox in the caller's transaction: it is sent only if the event that
 * caused it commits, and it survives any SMTP outage (lib/mail/sender.ts delivers it).
 */
export async function enqueueEmail(tx: Tx, email: OutgoingEmail, now: Date): Promise<string> {
  const row = await tx.outboxEmail.create({
    data: {
      kind: email.kind,
      toAddress: email.to,
      subject: email.subject,
      body: email.body,
      sensitive: email.sensitive ?? false,
      customerId: email.customerId ?? null,
      staffUserId: email.staffUserId ?? null,
      createdAt: now,
      // nextAttemptAt: due at once by the database's clock (the column's default), the clock every
      // sender compares with; `now` may be a browser's simulated time.
    },
    select: { id: true },
  });
  return row.id;
}

/**
 * Writes many messages to the outbox with one statement, in the caller's transaction (the raw
 * runner's: the reflection worker's batch). Due at once by the database's clock, as enqueueEmail's
 * are: `now` is only their createdAt (a run's clock may be set ahead; its mail must not wait).
 */
export async function enqueueEmails(q: SqlQuery, emails: readonly OutgoingEmail[], now: Date): Promise<string[]> {
  if (emails.length === 0) return [];
  const ids = emails.map(() => randomUUID());
  const col = <T>(f: (e: OutgoingEmail) => T) => emails.map(f);
  await q(
    `INSERT INTO "OutboxEmail" (id, kind, "toAddress", subject, body, sensitive, "customerId", "staffUserId", "createdAt")
     SELECT *, $9::timestamptz FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::uuid[], $8::uuid[])`,
    [ids, col((e) => e.kind), col((e) => e.to), col((e) => e.subject), col((e) => e.body), col((e) => e.sensitive ?? false), col((e) => e.customerId ?? null), col((e) => e.staffUserId ?? null), now],
  );
  return ids;
}
