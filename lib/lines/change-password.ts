import { createHmac, hkdfSync, randomUUID } from "node:crypto";
import { Prisma } from "@/generated/prisma/client";
import { audit, type ClientInfo } from "../audit";
import { hashSecret, verifySecret } from "../auth/password";
import { log } from "../log";
import { seal } from "../crypto/seal";
import type { Database, PrismaClient, Tx } from "../db";
import { env } from "../env";
import { AppError } from "../errors";
import type { Locale } from "../format";
import { enqueueEmail } from "../mail/outbox";
import { changeAcceptedEmail, changeCancelledEmail, lineBlockedEmail } from "../mail/templates";
import { computeReflection, type ServiceType } from "../schedule";
import { secrets } from "../secrets";
import { sipCredential } from "../sip/digest";
import { serviceLabel } from "./labels";
import { reflectionPromise } from "./promise";

/** Wrong current passwords that block changes to a line… */
export const LINE_FAILURES_TO_BLOCK = 5;
/** …for this long. */
export const LINE_BLOCK_MS = 30 * 60_000;

export interface ChangeAccepted {
  changeId: string;
  number: string;
  service: ServiceType;
  requestedAt: Date;
  dueAt: Date;
  deadline: Date;
  /** True when this result is the replay of an earlier submission of the same form and content. */
  replayed: boolean;
}

export interface Customer {
  id: string;
  loginId: string;
  email: string;
  locale: Locale;
}

/**
 * What a submission contained, as an HMAC under a key derived from CREDENTIAL_KEY: equal digests
 * mean the same line and the same new password. Keyed, so the stored value says nothing about an
 * 8-character password to someone who reads the database without the key.
 */
export function submissionDigest(number: string, newPassword: string, key = secrets().credentialKey): string {
  const derived = Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), "selfcare submission digest v1", 32));
  return createHmac("sha256", derived).update(`${number}\n${newPassword}`, "utf8").digest("base64url");
}

type Earlier = { replay: ChangeAccepted } | { conflict: { changeId: string; requestedAt: Date } } | null;

async function earlierUse(q: Pick<Tx, "passwordChange">, idempotencyKey: string, customerId: string, digest: string): Promise<Earlier> {
  const change = await q.passwordChange.findUnique({ where: { idempotencyKey }, include: { line: true } });
  // A key is one rendered form of one customer: anyone else presenting it gets a stale-form error.
  if (!change) return null;
  if (change.line.customerId !== customerId) throw new AppError("FORM_EXPIRED");
  // Only a change still in effect replays: a cancelled or superseded one will never be reflected, so
  // showing its completion again would tell the customer to use a password the SIP system never gets.
  if (change.submissionDigest !== digest || change.status === "CANCELLED" || change.status === "SUPERSEDED") {
    return { conflict: { changeId: change.id, requestedAt: change.requestedAt } };
  }
  const { id, line, requestedAt, dueAt, deadline } = change;
  return { replay: { changeId: id, number: line.number, service: line.service, requestedAt, dueAt, deadline, replayed: true } };
}

/**
 * Accepts a new password for one of the customer's lines. In one transaction: the pending change
 * is written with its reflection time, an older pending change of the line is superseded, the
 * line's verification hash becomes the new one, the SIP digest values are sealed for the worker,
 * and the audit row and the acceptance email are written.
 *
 * - A replay of the same form with the same content (same idempotency key, number and new
 *   password: a double click, a retried request) returns the first result and changes nothing.
 *   The same form with other content (Back after a completed change, then another password) is
 *   refused with FORM_ALREADY_USED naming the change it made, and audited: never a silent replay.
 * - `promised` is the reflection promise the form showed (lib/lines/promise.ts). When a change
 *   made now would be reflected at another time, nothing is written and REFLECTION_CHANGED says
 *   the new one, so the customer is never committed to a time they were not shown. Left out
 *   (undefined) only by callers that show no promise (tests, tools).
 * - Wrong current passwords are limited atomically: each guess takes a slot on the line's row
 *   before it is verified, so at most LINE_FAILURES_TO_BLOCK guesses are ever evaluated in a row
 *   however many arrive at once, and a blocked line answers LINE_BLOCKED for right and wrong.
 */
export async function changeLinePassword(database: Database, o: {
  customer: Customer;
  number: string;
  currentPassword: string;
  newPassword: string;
  idempotencyKey: string;
  promised?: string;
  now: Date;
  client: ClientInfo;
}): Promise<ChangeAccepted> {
  const prisma = database.prisma;
  const base = { actor: "customer" as const, at: o.now, selfcareId: o.customer.loginId, customerId: o.customer.id, lineNumber: o.number, client: o.client };
  const digest = submissionDigest(o.number, o.newPassword);

  const refuseReuse = async (conflict: { changeId: string; requestedAt: Date }): Promise<never> => {
    await audit(prisma, { ...base, type: "CHANGE_REFUSED", details: { reason: "form_already_used", acceptedChangeId: conflict.changeId } });
    throw new AppError("FORM_ALREADY_USED", { changeId: conflict.changeId, requestedAt: conflict.requestedAt.toISOString() });
  };
  const settle = async (earlier: Earlier): Promise<ChangeAccepted | null> => {
    if (!earlier) return null;
    if ("replay" in earlier) return earlier.replay;
    return refuseReuse(earlier.conflict);
  };

  const earlier = await settle(await earlierUse(prisma, o.idempotencyKey, o.customer.id, digest));
  if (earlier) return earlier;

  const found = await prisma.line.findUnique({ where: { number: o.number } });
  if (!found || found.customerId !== o.customer.id) {
    await audit(prisma, { ...base, type: "LINE_NOT_FOUND", details: { reason: found ? "other_customer" : "no_such_line" } });
    throw new AppError("LINE_NOT_FOUND", {}, "number");
  }
  const line = found;
  const { dueAt, deadline } = computeReflection(line.service, o.now);

  if (o.promised !== undefined) {
    const promise = reflectionPromise(line.service, o.now);
    if (promise.key !== o.promised) {
      await audit(prisma, { ...base, type: "CHANGE_REFUSED", details: { reason: "reflection_changed", shown: o.promised.slice(0, 40), now: promise.key } });
      throw new AppError("REFLECTION_CHANGED", { dueAt: dueAt.toISOString(), deadline: deadline.toISOString(), promise: promise.key });
    }
  }

  const taken = await takeGuessSlot(prisma, line.id, o.now, () => earlierUse(prisma, o.idempotencyKey, o.customer.id, digest));
  if ("earlier" in taken) return (await settle(taken.earlier))!;
  const guess = taken.guess;
  // The slot ends one way or another: counted (a verified wrong guess), reset (an accepted change)
  // or given back (a replay, a refusal, any error). A slot left taken would block the line for good.
  let slotSettled = false;
  try {
    const current = await prisma.line.findUniqueOrThrow({ where: { id: line.id }, select: { passwordHash: true } });

    if (!(await verifySecret(current.passwordHash, o.currentPassword))) {
      // A concurrent twin of this very form may have just changed the password: that is a replay,
      // and the slot it took is given back (a replay answers the same whatever was typed).
      const twin = await earlierUse(prisma, o.idempotencyKey, o.customer.id, digest);
      if (twin) return (await settle(twin))!;
      slotSettled = true;
      const pending = await prisma.passwordChange.findFirst({
        where: { lineId: line.id, status: { in: ["PENDING", "FAILED"] } },
        orderBy: { requestedAt: "desc" },
        select: { requestedAt: true },
      });
      const outcome = await prisma.$transaction(async (tx): Promise<{ blockedUntil: Date } | { remaining: number }> => {
        await audit(tx, { ...base, type: "LINE_PASSWORD_FAILED", details: { consecutive: guess } });
        // Under the row lock: a line another guess has blocked meanwhile answers "blocked" to every
        // guess still in flight, right or wrong, so the answer tells nothing about the password.
        const [row] = await tx.$queryRaw<{ blockedUntil: Date | null; failedPasswordCount: number }[]>`
          SELECT "blockedUntil", "failedPasswordCount" FROM "Line" WHERE id = ${line.id}::uuid FOR UPDATE`;
        if (row?.blockedUntil && row.blockedUntil > o.now) return { blockedUntil: row.blockedUntil };
        // Every slot used and none of them a success (a success resets the count): block. Otherwise
        // the customer is told how many wrong tries remain (guesses still in flight count as used).
        if (!row || row.failedPasswordCount < LINE_FAILURES_TO_BLOCK) return { remaining: LINE_FAILURES_TO_BLOCK - (row?.failedPasswordCount ?? 0) };
        const until = new Date(o.now.getTime() + LINE_BLOCK_MS);
        await tx.line.update({ where: { id: line.id }, data: { failedPasswordCount: 0, blockedUntil: until } });
        await audit(tx, { ...base, actor: "system", type: "LINE_BLOCKED", details: { until: until.toISOString() } });
        const mail = lineBlockedEmail({ locale: o.customer.locale, name: o.customer.loginId, number: line.number, until });
        await enqueueEmail(tx, { kind: "LINE_BLOCKED", to: o.customer.email, ...mail, customerId: o.customer.id }, o.now);
        return { blockedUntil: until };
      });
      if ("blockedUntil" in outcome) throw new AppError("LINE_BLOCKED", { until: outcome.blockedUntil.toISOString() });
      // With a change waiting, "current" is that change's new password: say so, with its time; and
      // how many wrong tries remain before the block.
      const remaining = String(outcome.remaining);
      throw new AppError("CURRENT_PASSWORD_WRONG", pending ? { pendingSince: pending.requestedAt.toISOString(), remaining } : { remaining }, "currentPassword");
    }

    // A line blocked by a concurrent wrong guess answers "blocked" before the (slow) hashing below, as
    // a wrong guess does, so that the time of the answer does not tell a right password either.
    const after = await prisma.line.findUnique({ where: { id: line.id }, select: { blockedUntil: true } });
    if (after?.blockedUntil && after.blockedUntil > o.now) throw new AppError("LINE_BLOCKED", { until: after.blockedUntil.toISOString() });

    const changeId = randomUUID();
    const realm = env().SIP_REALM;
    const credential = seal(JSON.stringify(sipCredential(line.number, realm, o.newPassword)), secrets().credentialKey, changeId);
    const newHash = await hashSecret(o.newPassword);

    try {
      const accepted = await prisma.$transaction(async (tx) => {
        // Changes to one line are serialised here; a twin submission waits, then sees the key.
        const locked = await tx.$queryRaw<{ passwordHash: string; blockedUntil: Date | null }[]>`
          SELECT "passwordHash", "blockedUntil" FROM "Line" WHERE id = ${line.id}::uuid FOR UPDATE`;
        const twin = await earlierUse(tx, o.idempotencyKey, o.customer.id, digest);
        if (twin && "replay" in twin) return twin.replay;
        if (twin) throw new ReuseConflict(twin.conflict);
        if (!locked[0]) throw new AppError("LINE_NOT_FOUND", {}, "number");
        // A guess verified while the line was open, but a concurrent wrong one blocked it since:
        // nothing is accepted after a block, and the answer is the one a wrong guess gets now.
        if (locked[0].blockedUntil && locked[0].blockedUntil > o.now) throw new AppError("LINE_BLOCKED", { until: locked[0].blockedUntil.toISOString() });
        if (locked[0].passwordHash !== current.passwordHash && !(await verifySecret(locked[0].passwordHash, o.currentPassword))) {
          throw new AppError("CURRENT_PASSWORD_WRONG", {}, "currentPassword");
        }
        const superseded = await supersedePending(tx, line.id, changeId);
        await tx.passwordChange.create({
          data: {
            id: changeId,
            lineId: line.id,
            idempotencyKey: o.idempotencyKey,
            submissionDigest: digest,
            newPasswordHash: newHash,
            requestedAt: o.now,
            dueAt,
            deadline,
            nextAttemptAt: dueAt,
            credential,
          },
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
          realm,
          howtoUrl: adapterGuideUrl(),
        });
        await enqueueEmail(tx, { kind: "CHANGE_ACCEPTED", to: o.customer.email, ...mail, customerId: o.customer.id }, o.now);
        return { changeId, number: line.number, service: line.service, requestedAt: o.now, dueAt, deadline, replayed: false };
      });
      // An accepted change reset the line's count in its transaction; a replay gives its slot back.
      slotSettled = !accepted.replayed;
      return accepted;
    } catch (error) {
      if (error instanceof ReuseConflict) return refuseReuse(error.conflict);
      // Two submissions of one form raced past the lock on different lines of reasoning: the key's
      // unique index decided; the loser answers with the winner's result (or is refused, if its
      // content differs).
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
        const winner = await settle(await earlierUse(prisma, o.idempotencyKey, o.customer.id, digest));
        if (winner) return winner;
      }
      throw error;
    }
  } finally {
    if (!slotSettled) await releaseGuessSlot(prisma, line.id).catch((error: unknown) => log.warn({ err: error, line: line.number }, "could not give a guess slot back"));
  }
}

/** The adapter how-to page, absolute (for emails). */
export function adapterGuideUrl(): string {
  return new URL("/guide/adapter", env().NEXTAUTH_URL ?? `http://${env().HOST}:${env().PORT}`).toString();
}

/**
 * Guess slots whose line has seen no slot taken or given back for this long (by the database's
 * clock, "guessSlotsAt") are taken to be lost: their requests died without giving them back. It is
 * the slots' own age, not how long a waiter has waited, so a busy machine on which verifications
 * are slow (a guess waiting behind five slow argon2 checks) never turns into a block.
 */
const SLOT_STUCK_MS = 60_000;

/**
 * Takes one of the line's LINE_FAILURES_TO_BLOCK guess slots with one conditional UPDATE, so that
 * however many guesses arrive at once, at most that many are verified before the outcome of the
 * last one (a block, or a success that frees the slots) is known. A guess that finds every slot
 * in use waits for one of them to end; a blocked line answers LINE_BLOCKED at once, for a right
 * password as for a wrong one. While waiting, a twin of the same form that has meanwhile been
 * accepted ends the wait (`earlier`).
 */
async function takeGuessSlot(prisma: PrismaClient, lineId: string, now: Date, earlier: () => Promise<Earlier>): Promise<{ guess: number } | { earlier: NonNullable<Earlier> }> {
  for (let wait = 20; ; wait = Math.min(wait * 2, 250)) {
    const slot = await prisma.$queryRaw<{ failedPasswordCount: number }[]>`
      UPDATE "Line" SET "failedPasswordCount" = "failedPasswordCount" + 1, "guessSlotsAt" = clock_timestamp()
       WHERE id = ${lineId}::uuid AND ("blockedUntil" IS NULL OR "blockedUntil" <= ${now})
         AND "failedPasswordCount" < ${LINE_FAILURES_TO_BLOCK}
       RETURNING "failedPasswordCount"`;
    if (slot[0]) return { guess: slot[0].failedPasswordCount };
    const row = await prisma.line.findUnique({ where: { id: lineId }, select: { blockedUntil: true } });
    if (row?.blockedUntil && row.blockedUntil > now) throw new AppError("LINE_BLOCKED", { until: row.blockedUntil.toISOString() });
    const twin = await earlier();
    if (twin) return { earlier: twin };
    // Every slot held and none taken or given back for SLOT_STUCK_MS: their requests died without
    // giving them back (a crash). That becomes a real, recorded block, which ends by itself, rather
    // than a line stuck for good. Slots still moving (slow verifications) are waited for.
    const until = new Date(now.getTime() + LINE_BLOCK_MS);
    const stuck = await prisma.$executeRaw`
      UPDATE "Line" SET "failedPasswordCount" = 0, "blockedUntil" = ${until}
       WHERE id = ${lineId}::uuid AND "failedPasswordCount" >= ${LINE_FAILURES_TO_BLOCK} AND ("blockedUntil" IS NULL OR "blockedUntil" <= ${now})
         AND ("guessSlotsAt" IS NULL OR "guessSlotsAt" < clock_timestamp() - ${SLOT_STUCK_MS}::int * interval '1 millisecond')`;
    if (stuck > 0) {
      log.warn({ lineId, until: until.toISOString() }, "guess slots of a line were never given back: the line is blocked instead");
      await audit(prisma, { type: "LINE_BLOCKED", actor: "system", at: now, details: { until: until.toISOString(), reason: "stuck_guess_slots" } });
      throw new AppError("LINE_BLOCKED", { until: until.toISOString() });
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

async function releaseGuessSlot(prisma: PrismaClient, lineId: string): Promise<void> {
  await prisma.$executeRaw`UPDATE "Line" SET "failedPasswordCount" = GREATEST("failedPasswordCount" - 1, 0), "guessSlotsAt" = clock_timestamp() WHERE id = ${lineId}::uuid`;
}

/** Raised inside the acceptance transaction so that the refusal is audited after its rollback. */
class ReuseConflict extends Error {
  constructor(readonly conflict: { changeId: string; requestedAt: Date }) {
    super("form already used");
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

export type CancelErrorCode = "CHANGE_NOT_FOUND" | "ALREADY_REFLECTED" | "NOT_CANCELLABLE";

export interface ChangeCancelled {
  changeId: string;
  number: string;
  cancelledAt: Date;
}

/**
 * Withdraws a change that has not been reflected (PENDING, or FAILED): the line's current password
 * returns to the one the registrar holds now — the newest APPLIED change's, else the line's
 * baseline — so a change this one had superseded stays superseded. The sealed credential is
 * erased, and the cancellation is audited and emailed, in one transaction.
 *
 * Cancel and the worker's claim race safely: the worker holds the change's row lock while it
 * provisions and marks it APPLIED; the cancel's conditional UPDATE waits for that lock and then
 * finds the change APPLIED (ALREADY_REFLECTED), or takes the lock first, and the worker's
 * SKIP LOCKED claim passes the row by and then sees it CANCELLED. A change is applied or
 * cancelled, never both.
 */
export async function cancelPendingChange(database: Database, o: { customer: Customer; changeId: string; now: Date; client: ClientInfo }): Promise<ChangeCancelled> {
  const prisma = database.prisma;
  const change = await prisma.passwordChange.findUnique({ where: { id: o.changeId }, include: { line: true } });
  if (!change || change.line.customerId !== o.customer.id) throw new AppError("CHANGE_NOT_FOUND");
  const line = change.line;
  const base = { actor: "customer" as const, at: o.now, selfcareId: o.customer.loginId, customerId: o.customer.id, lineNumber: line.number, client: o.client };
  // A registrar outside the portal's database (Kamailio) is written before the portal commits: a
  // change with a failed attempt behind it may have reached it. Only support can tell (and fix) that.
  if (change.attempts > 0 && env().PROVISIONER !== "internal") throw new AppError("NOT_CANCELLABLE", { status: change.status });

  return prisma.$transaction(async (tx) => {
    // Serialised with new changes of the line (changeLinePassword takes the same lock first).
    await tx.$queryRaw`SELECT id FROM "Line" WHERE id = ${line.id}::uuid FOR UPDATE`;
    const reflected = await tx.passwordChange.findFirst({
      where: { lineId: line.id, status: "APPLIED" },
      // Changes of one line are reflected in the order they were made (the database's createdAt);
      // appliedAt is the run's clock, which a tool may set.
      orderBy: [{ createdAt: "desc" }],
      select: { id: true, newPasswordHash: true },
    });
    // An APPLIED change from before its new password's hash was kept has none: the migration set the
    // baseline of such lines to the password they held then (prisma/migrations/…_change_integrity).
    const restore = reflected?.newPasswordHash ?? line.baselinePasswordHash;
    const cancelled = await tx.$queryRaw<{ id: string }[]>`
      UPDATE "PasswordChange" SET status = 'CANCELLED', "cancelledAt" = ${o.now}, credential = NULL
       WHERE id = ${change.id}::uuid AND status IN ('PENDING', 'FAILED') AND ${restore !== null}
       RETURNING id`;
    if (cancelled.length === 0) {
      const now = await tx.passwordChange.findUniqueOrThrow({ where: { id: change.id }, select: { status: true } });
      if (now.status === "APPLIED") throw new AppError("ALREADY_REFLECTED");
      throw new AppError("NOT_CANCELLABLE", { status: now.status });
    }
    await tx.line.update({ where: { id: line.id }, data: { passwordHash: restore!, failedPasswordCount: 0 } });
    await audit(tx, { ...base, type: "CHANGE_CANCELLED", details: { changeId: change.id, restoredTo: reflected?.newPasswordHash ? reflected.id : "baseline" } });
    const mail = changeCancelledEmail({ locale: o.customer.locale, name: o.customer.loginId, number: line.number, requestedAt: change.requestedAt, cancelledAt: o.now });
    await enqueueEmail(tx, { kind: "CHANGE_CANCELLED", to: o.customer.email, ...mail, customerId: o.customer.id }, o.now);
    return { changeId: change.id, number: line.number, cancelledAt: o.now };
  });
}
