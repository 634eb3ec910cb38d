import { randomUUID } from "node:crypto";
import { Prisma } from "@/generated/prisma/client";
import { audit, type ClientInfo } from "../audit";
import { hashSecret, verifySecret } from "../auth/password";
import { seal } from "../crypto/seal";
import { db, type Tx } from "../db";
import { env } from "../env";
import { AppError } from "../errors";
import type { Locale } from "../format";
import { enqueueEmail } from "../mail/outbox";
import { changeAcceptedEmail, lineBlockedEmail } from "../mail/templates";
import { computeReflection, type ServiceType } from "../schedule";
import { secrets } from "../secrets";
import { sipCredential } from "../sip/digest";
import { serviceLabel } from "./labels";

/** Wrong current passwords that block changes to a line… */
export const LINE_FAILURES_TO_BLOCK = 5;
/** …for this long. */
export const LINE_BLOCK_MS = 30 * 60_000;

export type ChangeErrorCode = "LINE_NOT_FOUND" | "LINE_BLOCKED" | "CURRENT_PASSWORD_WRONG" | "FORM_EXPIRED";

export interface ChangeAccepted {
  changeId: string;
  number: string;
  service: ServiceType;
  requestedAt: Date;
  dueAt: Date;
  deadline: Date;
  /** True when this result is the replay of an earlier submission of the same form. */
  replayed: boolean;
}

export interface Customer {
  id: string;
  loginId: string;
  email: string;
  locale: Locale;
}

async function replayOf(idempotencyKey: string, customerId: string): Promise<ChangeAccepted | null> {
  const change = await db().passwordChange.findUnique({ where: { idempotencyKey }, include: { line: true } });
  if (!change || change.line.customerId !== customerId) return null;
  const { id, line, requestedAt, dueAt, deadline } = change;
  return { changeId: id, number: line.number, service: line.service, requestedAt, dueAt, deadline, replayed: true };
}

/**
 * Accepts a new password for one of the customer's lines. In one transaction: the pending change
 * is written with its reflection time, an older pending change of the line is superseded, the
 * line's verification hash becomes the new one, the SIP digest values are sealed for the worker,
 * and the audit row and the acceptance email are written. A replay of the same form (same
 * idempotency key) returns the first result and changes nothing.
 */
export async function changeLinePassword(o: {
  customer: Customer;
  number: string;
  currentPassword: string;
  newPassword: string;
  idempotencyKey: string;
  now: Date;
  client: ClientInfo;
}): Promise<ChangeAccepted> {
  const prisma = db();
  const base = { actor: "customer" as const, at: o.now, selfcareId: o.customer.loginId, customerId: o.customer.id, lineNumber: o.number, client: o.client };

  const earlier = await replayOf(o.idempotencyKey, o.customer.id);
  if (earlier) return earlier;

  const found = await prisma.line.findUnique({ where: { number: o.number } });
  if (!found || found.customerId !== o.customer.id) {
    await audit(prisma, { ...base, type: "LINE_NOT_FOUND", details: { reason: found ? "other_customer" : "no_such_line" } });
    throw new AppError("LINE_NOT_FOUND", "number");
  }
  const line = found;
  if (line.blockedUntil && line.blockedUntil > o.now) throw new AppError("LINE_BLOCKED", undefined, line.blockedUntil.toISOString());

  if (!(await verifySecret(line.passwordHash, o.currentPassword))) {
    // A concurrent twin of this very form may have just changed the password: that is a replay.
    const twin = await replayOf(o.idempotencyKey, o.customer.id);
    if (twin) return twin;
    const blockedUntil = await prisma.$transaction(async (tx) => {
      const updated = await tx.line.update({ where: { id: line.id }, data: { failedPasswordCount: { increment: 1 } } });
      await audit(tx, { ...base, type: "LINE_PASSWORD_FAILED", details: { consecutive: updated.failedPasswordCount } });
      if (updated.failedPasswordCount < LINE_FAILURES_TO_BLOCK) return null;
      const until = new Date(o.now.getTime() + LINE_BLOCK_MS);
      await tx.line.update({ where: { id: line.id }, data: { failedPasswordCount: 0, blockedUntil: until } });
      await audit(tx, { ...base, actor: "system", type: "LINE_BLOCKED", details: { until: until.toISOString() } });
      const mail = lineBlockedEmail({ locale: o.customer.locale, name: o.customer.loginId, number: line.number, until });
      await enqueueEmail(tx, { kind: "LINE_BLOCKED", to: o.customer.email, ...mail, customerId: o.customer.id }, o.now);
      return until;
    });
    if (blockedUntil) throw new AppError("LINE_BLOCKED", undefined, blockedUntil.toISOString());
    throw new AppError("CURRENT_PASSWORD_WRONG", "currentPassword");
  }

  const changeId = randomUUID();
  const { dueAt, deadline } = computeReflection(line.service, o.now);
  const realm = env().SIP_REALM;
  const credential = seal(JSON.stringify(sipCredential(line.number, realm, o.newPassword)), secrets().credentialKey, changeId);
  const newHash = await hashSecret(o.newPassword);

  try {
    return await prisma.$transaction(async (tx) => {
      // Changes to one line are serialised here; a twin submission waits, then sees the key.
      const locked = await tx.$queryRaw<{ passwordHash: string }[]>`SELECT "passwordHash" FROM "Line" WHERE id = ${line.id}::uuid FOR UPDATE`;
      const twin = await tx.passwordChange.findUnique({ where: { idempotencyKey: o.idempotencyKey }, include: { line: true } });
      if (twin) {
        // A key is one rendered form of one customer: anyone else presenting it gets a stale-form error.
        if (twin.line.customerId !== o.customer.id) throw new AppError("FORM_EXPIRED");
        return { changeId: twin.id, number: twin.line.number, service: twin.line.service, requestedAt: twin.requestedAt, dueAt: twin.dueAt, deadline: twin.deadline, replayed: true };
      }
      if (!locked[0]) throw new AppError("LINE_NOT_FOUND", "number");
      if (locked[0].passwordHash !== line.passwordHash && !(await verifySecret(locked[0].passwordHash, o.currentPassword))) {
        throw new AppError("CURRENT_PASSWORD_WRONG", "currentPassword");
      }
      const superseded = await supersedePending(tx, line.id, changeId);
      await tx.passwordChange.create({
        data: { id: changeId, lineId: line.id, idempotencyKey: o.idempotencyKey, requestedAt: o.now, dueAt, deadline, nextAttemptAt: dueAt, credential },
      });
      await tx.line.update({ where: { id: line.id }, data: { passwordHash: newHash, failedPasswordCount: 0 } });
      for (const id of superseded) await audit(tx, { ...base, type: "CHANGE_SUPERSEDED", details: { changeId: id, supersededBy: changeId } });
      await audit(tx, { ...base, type: "CHANGE_ACCEPTED", details: { changeId, service: line.service, dueAt: dueAt.toISOString(), deadline: deadline.toISOString() } });
      const mail = changeAcceptedEmail({
        locale: o.customer.locale,
        name: o.customer.loginId,
        number: line.number,
        service: line.service,
        serviceLabel: serviceLabel(line.service, o.customer.locale),
        requestedAt: o.now,
        dueAt,
        deadline,
      });
      await enqueueEmail(tx, { kind: "CHANGE_ACCEPTED", to: o.customer.email, ...mail, customerId: o.customer.id }, o.now);
      return { changeId, number: line.number, service: line.service, requestedAt: o.now, dueAt, deadline, replayed: false };
    });
  } catch (error) {
    // Two submissions of one form raced past the lock on different lines of reasoning: the key's
    // unique index decided; the loser answers with the winner's result.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      const winner = await replayOf(o.idempotencyKey, o.customer.id);
      if (winner) return winner;
    }
    throw error;
  }
}

/** Marks the line's pending (or failed, never reflected) change SUPERSEDED by `byId` and erases its credential. */
async function supersedePending(tx: Tx, lineId: string, byId: string): Promise<string[]> {
  // Re-checked under the row lock: a change the worker applied meanwhile stays APPLIED.
  const rows = await tx.$queryRaw<{ id: string }[]>`
    UPDATE "PasswordChange" SET status = 'SUPERSEDED', "supersededById" = ${byId}::uuid, credential = NULL
     WHERE "lineId" = ${lineId}::uuid AND status IN ('PENDING', 'FAILED') RETURNING id`;
  return rows.map((r) => r.id);
}
