import { audit, type ClientInfo } from "../audit";
import { clock } from "../clock";
import type { Database } from "../db";
import { AppError } from "../errors";

export interface Staff {
  id: string;
  loginId: string;
}

/**
 * Ends a customer's lockout and any half-open sign-in; sessions are revoked too (audited). The
 * escalation starts over: the next lock, if any, lasts 15 minutes again (docs/security.md, Lockout).
 */
export async function unlockCustomer(database: Database, o: { staff: Staff; customerId: string; reason: string; now: Date; client: ClientInfo }): Promise<void> {
  await database.prisma.$transaction(async (tx) => {
    const c = await tx.customer.findUnique({ where: { id: o.customerId } });
    if (!c) throw new AppError("NOT_FOUND");
    await tx.customer.update({ where: { id: c.id }, data: { lockedUntil: null, failedLoginCount: 0, failedCodeCount: 0, lockoutCount: 0, sessionVersion: { increment: 1 } } });
    const challenges = await tx.loginChallenge.updateMany({ where: { customerId: c.id, consumedAt: null, invalidatedAt: null }, data: { invalidatedAt: o.now } });
    await audit(tx, {
      type: "STAFF_UNLOCK",
      actor: "staff",
      at: o.now,
      selfcareId: c.selfcareId,
      customerId: c.id,
      staffUserId: o.staff.id,
      client: o.client,
      details: { reason: o.reason, staff: o.staff.loginId, wasLockedUntil: c.lockedUntil?.toISOString() ?? null, previousLockouts: c.lockoutCount, challengesEnded: challenges.count },
    });
  });
}

/**
 * Another staff member ends a staff account's lockout (anyone can lock any account with five wrong
 * passwords, staff included; docs/security.md). Nobody unlocks their own account. Same effects as
 * for a customer: counters and escalation reset, open challenges ended, sessions revoked, audited.
 */
export async function unlockStaff(database: Database, o: { staff: Staff; staffUserId: string; reason: string; now: Date; client: ClientInfo }): Promise<void> {
  if (o.staffUserId === o.staff.id) throw new AppError("NOT_FOUND");
  await database.prisma.$transaction(async (tx) => {
    const s = await tx.staffUser.findUnique({ where: { id: o.staffUserId } });
    if (!s) throw new AppError("NOT_FOUND");
    await tx.staffUser.update({ where: { id: s.id }, data: { lockedUntil: null, failedLoginCount: 0, failedCodeCount: 0, lockoutCount: 0, sessionVersion: { increment: 1 } } });
    const challenges = await tx.loginChallenge.updateMany({ where: { staffUserId: s.id, consumedAt: null, invalidatedAt: null }, data: { invalidatedAt: o.now } });
    await tx.authSession.updateMany({ where: { staffUserId: s.id, revokedAt: null }, data: { revokedAt: o.now } });
    await audit(tx, {
      type: "STAFF_UNLOCK",
      actor: "staff",
      at: o.now,
      selfcareId: s.loginId,
      staffUserId: o.staff.id,
      client: o.client,
      details: { reason: o.reason, staff: o.staff.loginId, unlockedStaff: s.loginId, unlockedStaffId: s.id, wasLockedUntil: s.lockedUntil?.toISOString() ?? null, previousLockouts: s.lockoutCount, challengesEnded: challenges.count },
    });
  });
}

/** Staff accounts that are locked now (the console lists them so another staff member can unlock them). */
export async function lockedStaff(database: Database, now: Date) {
  return database.prisma.staffUser.findMany({ where: { lockedUntil: { gt: now } }, select: { id: true, loginId: true, lockedUntil: true, lockoutCount: true }, orderBy: { loginId: "asc" } });
}

/**
 * Puts a FAILED reflection back in the queue, due at once. Only the line's latest change can be
 * retried (a newer change supersedes a failed one), and only while its sealed credential is kept.
 */
export async function retryFailedChange(database: Database, o: { staff: Staff; changeId: string; reason: string; now: Date; client: ClientInfo }): Promise<void> {
  await database.prisma.$transaction(async (tx) => {
    const change = await tx.passwordChange.findUnique({ where: { id: o.changeId }, include: { line: { include: { customer: true } } } });
    if (!change) throw new AppError("NOT_FOUND");
    if (change.status !== "FAILED" || !change.credential) throw new AppError("NOT_RETRYABLE");
    const updated = await tx.passwordChange.updateMany({
      where: { id: change.id, status: "FAILED" },
      // Due at once by the worker's (server) clock, even when the staff member's browser clock is simulated.
      data: { status: "PENDING", attempts: 0, nextAttemptAt: new Date(Math.min(o.now.getTime(), clock.now().getTime())), lastError: null },
    });
    if (updated.count !== 1) throw new AppError("NOT_RETRYABLE");
    await audit(tx, {
      type: "STAFF_RETRY",
      actor: "staff",
      at: o.now,
      selfcareId: change.line.customer.selfcareId,
      customerId: change.line.customerId,
      staffUserId: o.staff.id,
      lineNumber: change.line.number,
      client: o.client,
      details: { reason: o.reason, staff: o.staff.loginId, changeId: change.id, previousAttempts: change.attempts, previousError: change.lastError },
    });
  });
}
