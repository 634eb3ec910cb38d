import type { Tx } from "../db";

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
